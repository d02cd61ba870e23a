import { NandboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { NandboxAuth } from "../src/NandboxAuth.js"
import * as NandboxConnection from "../src/NandboxConnection.js"
import { layerWs } from "./utils/ws.js"

describe("64-bit identifiers", () => {
  it.live("a bot ID above Number.MAX_SAFE_INTEGER sent as a JSON number is kept exact", () =>
    Effect.gen(function*() {
      const botId = "90091784056528981"
      assert.isFalse(Number.isSafeInteger(Number(botId)))
      const fake = yield* NandboxFake.make({ botId, idAsNumber: true })
      const context = yield* Layer.build(
        NandboxConnection.layer({ url: fake.url, token: Redacted.make(fake.token()) }).pipe(
          Layer.provide(layerWs)
        )
      )
      const session = yield* Context.get(context, NandboxAuth).session
      assert.strictEqual(session.botId, botId)
    }))
  // The pure quoting rule is tested where it lives: packages/protocol/test/NandboxIds.test.ts.
})

describe("NANDBOX_URL", () => {
  it.effect("a fragment or a scheme other than ws/wss is a ConfigurationError before any connection", () =>
    Effect.gen(function*() {
      for (
        const url of ["wss://w1.nandbox.net:5020/nandbox/api/#x", "https://w1.nandbox.net:5020/nandbox/api/", "nandbox"]
      ) {
        const error = yield* Effect.flip(
          Layer.build(
            NandboxConnection.layer({ url, token: Redacted.make("1:0:x") }).pipe(
              Layer.provide(layerWs)
            )
          )
        ).pipe(Effect.scoped)
        assert.strictEqual(error._tag, "ConfigurationError")
        assert.notInclude(error.message, "1:0:x")
      }
    }))
})
