import { TestEnv } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { readFileSync } from "node:fs"
import { CoordinationLive, engine } from "../examples/fleet.js"
import * as Encryption from "../src/Encryption.js"
import { freshPrefix, redisUrl } from "./utils/fleet.js"

describe("README example", () => {
  it("is examples/fleet.ts as it is (type-checked with the package)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    const example = readFileSync(new URL("../examples/fleet.ts", import.meta.url), "utf8")
    assert.include(readme, example.trim())
  })

  it.live.skipIf(redisUrl === undefined)(
    "3 replicas of the example on a real Redis: one login, sealed records",
    () =>
      Effect.gen(function*() {
        yield* TestEnv.set({
          AUTHFX_REDIS_URL: redisUrl!,
          AUTHFX_RECORD_KEY: Redacted.value(Encryption.generateKey())
        })
        let logins = 0
        const login = Effect.sync(() => ({
          token: Redacted.make(`token-${++logins}-${freshPrefix()}`),
          expiresAt: Date.now() + 60_000
        }))
        const tokens: Array<string> = []
        for (let i = 0; i < 3; i++) {
          // Each replica its own coordination (its own Redis connections), as separate processes have.
          const scope = yield* Scope.make()
          yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
          const context = yield* Layer.buildWithScope(CoordinationLive, scope)
          const auth = yield* engine(login).pipe(Effect.provideContext(context), Scope.provide(scope))
          tokens.push(Redacted.value((yield* auth.session).token))
        }
        assert.strictEqual(logins, 1)
        assert.strictEqual(new Set(tokens).size, 1)
      }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider))
  )
})
