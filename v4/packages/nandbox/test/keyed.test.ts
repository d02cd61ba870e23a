import { NandboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as NandboxConnection from "../src/NandboxConnection.js"
import { layerWs } from "./utils/ws.js"

/** Polls with short real waits: for socket I/O to happen, never for a timer. */
const ioUntil = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1_000 && !condition(); i++) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
    assert.isTrue(condition(), "condition reached")
  })

describe("NandboxConnection.keyed", () => {
  it.live("a bot per key; evicting one closes its socket, the other stays connected", () =>
    Effect.gen(function*() {
      const first = yield* NandboxFake.make()
      const second = yield* NandboxFake.make()
      const fakes: Record<string, NandboxFake.NandboxFake> = { first, second }
      const bots = yield* NandboxConnection.keyed({
        config: (bot) => Effect.succeed({ url: fakes[bot]!.url, token: Redacted.make(fakes[bot]!.token()) }),
        capacity: 1
      })
      const a = yield* bots.use("first", (bot) => bot.auth.session)
      assert.strictEqual(a.botId, first.botId)
      assert.strictEqual(first.connections.filter((c) => !c.closed).length, 1)
      // At capacity 1, the second bot evicts the idle first one: its socket is closed.
      yield* bots.use("second", (bot) => bot.auth.session)
      yield* ioUntil(() => first.connections.every((c) => c.closed))
      assert.strictEqual(second.connections.filter((c) => !c.closed).length, 1)
      assert.deepStrictEqual(yield* bots.keys, ["second"])
    }).pipe(Effect.provide(layerWs)))
})
