// `node out/fakes.js <provider>…`: the named providers' testkit fakes, under Node in a process of their own, for
// the programs that run under Bun and Deno. Prints one JSON line, every fake's variables merged, then serves until
// it is killed.
import * as Effect from "effect/Effect"
import type { Program } from "./main.js"

const names = process.argv.slice(2).filter((name) => /^[a-z0-9-]+$/.test(name))

Effect.runFork(Effect.scoped(Effect.gen(function*() {
  const env: Record<string, string> = {}
  for (const name of names) {
    const program = (yield* Effect.promise(() => import(`./${name}.js`))) as Program
    Object.assign(env, yield* program.fake)
  }
  console.log(JSON.stringify(env))
  return yield* Effect.never
})))
