import { NandboxFake, TestEnv } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { NandboxAuth } from "../src/NandboxAuth.js"
import * as NandboxConnection from "../src/NandboxConnection.js"

/** Node 22's global WHATWG `WebSocket` (undici), as effect 4 provides it: what an application without `ws` uses. */
const setup = (client: Partial<NandboxConnection.Options> = {}) =>
  Effect.gen(function*() {
    const fake = yield* NandboxFake.make()
    const context = yield* Layer.build(
      NandboxConnection.layer({
        url: fake.url,
        token: Redacted.make(fake.token()),
        reconnect: Schedule.spaced("20 millis"),
        ...client
      }).pipe(Layer.provide(Socket.layerWebSocketConstructorGlobal))
    )
    const connection = Context.get(context, NandboxConnection.NandboxConnection)
    const state = () => SubscriptionRef.getUnsafe(connection.state)
    return { fake, connection, auth: Context.get(context, NandboxAuth), state }
  })

describe("NandboxConnection on the global WebSocket", () => {
  it.live("authenticates, sends and receives", () =>
    Effect.gen(function*() {
      const { auth, connection, fake } = yield* setup()
      const session = yield* auth.session
      assert.strictEqual(session.botId, fake.botId)
      const seen = yield* connection.inbound.pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
      yield* TestEnv.until(() => fake.connections.length === 1)
      yield* Effect.sleep("20 millis")
      fake.broadcast({ method: "message", n: 1 })
      assert.deepStrictEqual([...(yield* Fiber.join(seen))], [{ method: "message", n: 1 }])
      yield* connection.send({ method: "sendMessage", text: "hi" })
      yield* TestEnv.until(() => fake.received().length === 1, "the frame arrived")
    }))

  it.live("a refused reconnection fails at once (undici fires no close after a failed handshake)", () =>
    Effect.gen(function*() {
      // openTimeout stays at its 10 s: a refusal noticed only by the watchdog would allow one attempt in the test.
      const { auth, connection, fake, state } = yield* setup()
      yield* auth.session
      fake.refuseConnections(true)
      fake.dropConnections()
      yield* TestEnv.until(() => state()._tag === "Reconnecting", "disconnection noticed")
      const sent = yield* Effect.forkChild(connection.send({ method: "sendMessage", text: "queued" }))
      // A refusal ends its attempt as a network failure at once, and the next one follows (the engine's failure
      // floor spaces them by a second or so); waiting for the watchdog, the first would end at 10 s as a Timeout.
      yield* TestEnv.until(() => fake.counters.refused >= 2, "two refused reconnections", 3_000)
      const reconnecting = state()
      assert.isTrue(
        reconnecting._tag === "Reconnecting" && reconnecting.cause?._tag === "TransportError" &&
          reconnecting.cause.reason === "Network",
        JSON.stringify(reconnecting)
      )
      fake.refuseConnections(false)
      yield* Fiber.join(sent)
      yield* TestEnv.until(() => fake.received().length === 1, "the queued frame arrived")
    }))

  it.live("a frame over maxFrameSize closes the socket (with 1000: a WHATWG client may not send 1009)", () =>
    Effect.gen(function*() {
      const { auth, connection, fake } = yield* setup({ maxFrameSize: 4_096 })
      const states: Array<NandboxConnection.State> = []
      yield* Effect.forkChild(
        Stream.runForEach(SubscriptionRef.changes(connection.state), (s) => Effect.sync(() => states.push(s)))
      )
      yield* auth.session
      fake.sendRaw(JSON.stringify({ method: "message", text: "x".repeat(5_000) }))
      yield* TestEnv.until(() => fake.connections[0]!.closed, "first socket closed")
      assert.strictEqual(fake.connections[0]!.closeCode, 1000)
      yield* TestEnv.until(() => fake.counters.authentications === 2, "re-authenticated")
      const reconnecting = states.find((s) => s._tag === "Reconnecting")
      assert.isTrue(
        reconnecting?._tag === "Reconnecting" && reconnecting.cause?._tag === "ProtocolError" &&
          reconnecting.cause.reason === "TooLarge"
      )
    }))
})
