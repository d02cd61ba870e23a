// The README examples, as a user copies them: each package's examples/*.ts (the files its README embeds) is copied
// into app/readme/<package>/ when the app is made, type-checked with the app, and run here against the fakes.
import { GunbotFake, TeraboxFake, WhatsGateFake } from "@authfx/testkit"
import * as Effect from "effect/Effect"
import { program as acme } from "./readme/core/provider.js"
import { program as gunbot } from "./readme/gunbot/status.js"
import { tidy } from "./readme/terabox/files.js"
import { program as whatsgate } from "./readme/whatsgate/send.js"

/** The variables `authfx fakes` prints for a fake, set for the life of the scope (the examples read them). */
const withEnv = (env: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.sync(() => Object.assign(process.env, env)),
    () => Effect.sync(() => Object.keys(env).forEach((name) => delete process.env[name]))
  )

const main = Effect.gen(function*() {
  console.log(`readme core: ${yield* acme}`)
  yield* Effect.scoped(Effect.gen(function*() {
    const fake = yield* GunbotFake.make()
    yield* withEnv(fake.env())
    console.log(`readme gunbot: ${yield* gunbot}`)
  }))
  yield* Effect.scoped(Effect.gen(function*() {
    const fake = yield* WhatsGateFake.make()
    yield* withEnv(fake.env())
    console.log(`readme whatsgate: ${yield* whatsgate}`)
  }))
  yield* Effect.scoped(Effect.gen(function*() {
    const fake = yield* TeraboxFake.make({ uname: "alice" })
    yield* withEnv(fake.env())
    console.log(`readme terabox: ${yield* tidy}`)
  }))
})

Effect.runPromise(main).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
