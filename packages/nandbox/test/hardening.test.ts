import { NandboxFake } from "@authfx/testkit"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { NandboxAuth } from "../src/NandboxAuth.js"
import * as NandboxConnection from "../src/NandboxConnection.js"

const until = (condition: () => boolean, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1_000 && !condition(); i++) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
    assert.isTrue(condition(), `${what} reached`)
  })

const setup = (client: Partial<NandboxConnection.Options> = {}) =>
  Effect.gen(function*() {
    const fake = yield* NandboxFake.make()
    const context = yield* Layer.build(
      NandboxConnection.layer({
        url: fake.url,
        token: Redacted.make(fake.token()),
        reconnect: Schedule.spaced("20 millis"),
        ...client
      }).pipe(Layer.provide(NodeSocket.layerWebSocketConstructor))
    )
    return {
      fake,
      connection: Context.get(context, NandboxConnection.NandboxConnection),
      auth: Context.get(context, NandboxAuth)
    }
  })

const failure = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    assert.isTrue(Exit.isFailure(exit) && !Cause.isDie(exit.cause), String(exit))
    return Exit.isFailure(exit)
      ? Cause.failureOption(exit.cause).pipe((o) => o._tag === "Some" ? o.value : undefined)
      : undefined
  })

describe("NandboxConnection hardening", () => {
  it.live("a frame over maxFrameSize closes the socket with 1009; the next socket's frames arrive", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake } = yield* setup({ maxFrameSize: 4_096 })
      const states: Array<NandboxConnection.State> = []
      yield* Effect.fork(Stream.runForEach(connection.state.changes, (s) => Effect.sync(() => states.push(s))))
      const seen = yield* connection.inbound.pipe(Stream.take(1), Stream.runCollect, Effect.fork)
      yield* auth.session
      yield* Effect.sleep("20 millis")
      fake.sendRaw(JSON.stringify({ method: "message", text: "x".repeat(5_000) }))
      fake.broadcast({ method: "message", n: 1 })
      yield* until(() => fake.connections[0]!.closed, "first socket closed")
      assert.strictEqual(fake.connections[0]!.closeCode, 1009)
      yield* until(() => fake.counters.authentications === 2, "re-authenticated")
      const reconnecting = states.find((s) => s._tag === "Reconnecting")
      assert.isTrue(
        reconnecting?._tag === "Reconnecting" && reconnecting.cause?._tag === "ProtocolError" &&
          reconnecting.cause.reason === "TooLarge"
      )
      yield* Effect.sleep("20 millis")
      fake.broadcast({ method: "message", n: 2 })
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Fiber.join(seen)).map((f) => f["n"]), [2])
    })))

  it.live("a frame whose method is not a string is dropped; send of a bigint fails typed", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake } = yield* setup()
      const seen = yield* connection.inbound.pipe(Stream.take(1), Stream.runCollect, Effect.fork)
      yield* auth.session
      yield* Effect.sleep("20 millis")
      fake.sendRaw(JSON.stringify({ method: 7 }))
      fake.broadcast({ method: "message", n: 1 })
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Fiber.join(seen)), [{ method: "message", n: 1 }])
      const error = yield* failure(connection.send({ method: "sendMessage", chat_id: 1n }))
      assert.deepStrictEqual(
        [error?._tag, error?._tag === "NandboxSendError" && error.reason],
        ["NandboxSendError", "Unencodable"]
      )
      assert.strictEqual(fake.counters.frames, 0)
    })))
})
