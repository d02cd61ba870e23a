import { NandboxFake } from "@authfx/testkit"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Socket from "@effect/platform/Socket"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
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

  it.live("a subscriber that does not read: its buffer stops at inboundCapacity, the rest dropped and counted", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake } = yield* setup({ inboundCapacity: 100 })
      let stalledGot = 0
      let readerGot = 0
      // Takes one frame, then never asks for the next.
      yield* Effect.fork(
        Stream.runForEach(connection.inbound, () => Effect.sync(() => stalledGot++).pipe(Effect.zipRight(Effect.never)))
      )
      yield* Effect.fork(Stream.runForEach(connection.inbound, () => Effect.sync(() => readerGot++)))
      yield* auth.session
      yield* Effect.sleep("20 millis")
      // In bursts of 50 (each under the buffer of the subscriber that reads, which catches up between them).
      const frames = 3_000
      for (let sent = 0; sent < frames; sent += 50) {
        for (let i = sent; i < sent + 50; i++) fake.broadcast({ method: "message", n: i, text: "x".repeat(200) })
        yield* until(() => readerGot === sent + 50, "every frame reached the subscriber that reads")
      }
      // One in its hand, 100 in its buffer, the rest dropped for it alone.
      assert.strictEqual(stalledGot, 1)
      assert.strictEqual(yield* connection.inboundDropped, frames - 1 - 100)
    })))

  it.live("inboundMaxBytes bounds a subscriber's buffer in bytes; a subscriber that reads again gets new frames", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake } = yield* setup({ inboundMaxBytes: 64 * 1024 })
      const gate = yield* Deferred.make<void>()
      const got: Array<number> = []
      // Reads the first frame, waits at the gate, then reads on.
      yield* Effect.fork(
        Stream.runForEach(connection.inbound, (frame) =>
          Effect.sync(() => got.push(frame["n"] as number)).pipe(
            Effect.zipRight(got.length === 1 ? Deferred.await(gate) : Effect.void)
          ))
      )
      yield* auth.session
      yield* Effect.sleep("20 millis")
      // Frames of about 1 KiB: 64 of them fill the buffer.
      const frame = (n: number) => ({ method: "message", n, text: "y".repeat(1_000) })
      for (let i = 0; i < 500; i++) fake.broadcast(frame(i))
      yield* until(() => Effect.runSync(connection.inboundDropped) >= 500 - 1 - 64, "the overflow dropped")
      const dropped = yield* connection.inboundDropped
      assert.isAtLeast(dropped, 500 - 1 - 64)
      assert.isAtMost(dropped, 500 - 1 - 60)
      yield* Deferred.succeed(gate, undefined)
      yield* until(() => got.length === 500 - dropped, "the buffered frames read")
      // The frames it kept are the first ones, in order, without a gap.
      assert.deepStrictEqual(got, Array.from({ length: got.length }, (_, i) => i))
      fake.broadcast(frame(1_000))
      yield* until(() => got.at(-1) === 1_000, "a new frame after it reads again")
    })))

  it.live("a handshake that fails with an error and no close (undici's WebSocket) ends the attempt at once", () =>
    Effect.scoped(Effect.gen(function*() {
      let made = 0
      // Each socket reports an error, as a refused upgrade does, and then nothing: no open, no close.
      const failing = Layer.succeed(Socket.WebSocketConstructor, () => {
        made += 1
        const errorListeners: Array<(event: unknown) => void> = []
        const ws = {
          readyState: 0,
          binaryType: "blob",
          addEventListener: (type: string, listener: (event: unknown) => void) => {
            if (type === "error") errorListeners.push(listener)
          },
          removeEventListener: () => {},
          close: () => {},
          send: () => {}
        }
        setTimeout(() => {
          ws.readyState = 3
          for (const listener of errorListeners) listener({ type: "error" })
        }, 1)
        return ws as unknown as globalThis.WebSocket
      })
      const context = yield* Layer.build(
        NandboxConnection.layer({
          url: "ws://127.0.0.1:9/nandbox/api/",
          token: Redacted.make("1:0:secret"),
          reconnect: Schedule.spaced("10 millis")
        }).pipe(Layer.provide(failing))
      )
      // Not a Timeout after openTimeout (10 s, beyond the test's own timeout): the error ended the attempt.
      const error = yield* Effect.flip(Context.get(context, NandboxAuth).session)
      assert.deepStrictEqual([error._tag, error._tag === "TransportError" && error.reason], [
        "TransportError",
        "Network"
      ])
      assert.isAtLeast(made, 1)
    })))
})
