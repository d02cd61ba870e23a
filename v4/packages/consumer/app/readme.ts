// `node out/readme.js <provider>`: the package's README examples as a user copies them (`readme/<provider>/`, the
// files its README embeds), run against the provider's fake with the variables `authfx fakes` prints set before
// anything reads them (effect 4's default ConfigProvider copies the environment at its first load).
import * as Effect from "effect/Effect"
import { load, main } from "./main.js"

const { name, program } = await load()

main(Effect.scoped(Effect.gen(function*() {
  if (program.readme === undefined) return yield* Effect.fail(`${name}.ts exports no readme`)
  Object.assign(process.env, yield* program.fake)
  const result = yield* program.readme
  for (const line of Array.isArray(result) ? result : [result]) console.log(`readme ${name}: ${line}`)
})))
