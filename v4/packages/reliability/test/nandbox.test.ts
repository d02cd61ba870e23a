import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { NandboxFake, SecretScan, TestEnv } from "@authfx/testkit"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Socket from "effect/socket/Socket"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Report from "../src/Report.js"

const capture = SecretScan.makeCapture()
const secrets: Array<string> = []
const values: Array<unknown> = []

const setup = (url?: string) =>
  Effect.gen(function*() {
    const fake = yield* NandboxFake.make()
    const source = { token: fake.token() }
    secrets.push(fake.token().split(":")[2]!)
    const context = yield* Layer.build(
      NandboxConnection.layer({
        url: url ?? fake.url,
        token: Effect.sync(() => Redacted.make(source.token)),
        reconnect: Schedule.spaced("10 millis"),
        authTimeout: "200 millis"
      }).pipe(Layer.provide(Socket.layerWebSocketConstructorGlobal))
    )
    const connection = Context.get(context, NandboxConnection.NandboxConnection)
    const state = () => SubscriptionRef.getUnsafe(connection.state)
    return { fake, source, connection, auth: Context.get(context, NandboxAuth.NandboxAuth), state }
  })

const tagOf = <A>(effect: Effect.Effect<A, { readonly _tag: string }>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) return "success"
    assert.isFalse(Cause.hasDies(exit.cause), Cause.pretty(exit.cause))
    const failure = Cause.findErrorOption(exit.cause)
    values.push(failure._tag === "Some" ? failure.value : undefined)
    return failure._tag === "Some" ? failure.value._tag : "interrupted"
  })

const record = (name: string, outcome: string, sends?: number) =>
  Report.record({ section: "nandbox", provider: "nandbox", case: name, outcome, sends })

describe("nandbox faults", () => {
  it.live("connection refused: TransportError", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth } = yield* setup("ws://127.0.0.1:9/nandbox/api/")
      const got = yield* tagOf(auth.session)
      assert.strictEqual(got, "TransportError")
      record("connection refused", got)
    })).pipe(Effect.provide(capture.layer)))

  it.live("connection dropped while frames are sent: all delivered in order after re-authentication", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake, state } = yield* setup()
      yield* auth.session
      fake.refuseConnections(true)
      fake.dropConnections()
      yield* TestEnv.until(() => state()._tag === "Reconnecting", "disconnection noticed")
      const sends = yield* Effect.forEach(
        [1, 2, 3, 4, 5],
        (n) => Effect.forkChild(connection.send({ method: "sendMessage", n }))
      )
      yield* TestEnv.until(() => fake.counters.refused > 0, "a refused reconnection")
      fake.refuseConnections(false)
      yield* Fiber.joinAll(sends)
      yield* TestEnv.until(() => fake.received().length === 5, "frames arrived")
      assert.deepStrictEqual(fake.received().map((f) => f["n"]), [1, 2, 3, 4, 5])
      record(
        "connection dropped, reconnections refused for a while, 5 frames sent meanwhile",
        "5 delivered once, in order",
        fake.counters.frames
      )
    })).pipe(Effect.provide(capture.layer)))

  it.live("TOKEN_AUTH_OK later than the timeout: TransportError(Timeout), then recovery", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      secrets.push(fake.token().split(":")[2]!)
      fake.setAuthDelay(400)
      const context = yield* Layer.build(
        NandboxConnection.layer({
          url: fake.url,
          token: Redacted.make(fake.token()),
          authTimeout: "100 millis",
          reconnect: Schedule.spaced("10 millis")
        })
          .pipe(Layer.provide(Socket.layerWebSocketConstructorGlobal))
      )
      const auth = Context.get(context, NandboxAuth.NandboxAuth)
      const got = yield* tagOf(auth.session)
      assert.strictEqual(got, "TransportError")
      fake.setAuthDelay(0)
      yield* TestEnv.until(() => fake.counters.authentications > 0, "authenticated once the delay is lifted")
      assert.strictEqual(yield* tagOf(auth.session), "success")
      record("TOKEN_AUTH_OK later than authTimeout", `${got}, then recovery`)
    })).pipe(Effect.provide(capture.layer)))

  it.live("a malformed frame: ignored, the session kept", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, fake } = yield* setup()
      yield* auth.session
      fake.sendMalformed()
      yield* Effect.sleep("30 millis")
      assert.strictEqual((yield* auth.session).generation, 1)
      record("a frame that is not JSON", "ignored (logged), session kept")
    })).pipe(Effect.provide(capture.layer)))

  it.live("token revoked mid-burst (100 sends), source rotated: one re-authentication, every frame delivered", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake, source, state } = yield* setup()
      yield* auth.session
      yield* TestEnv.until(() => state()._tag === "Connected", "connected")
      source.token = fake.regenerateToken()
      secrets.push(source.token.split(":")[2]!)
      yield* TestEnv.until(
        () => state()._tag !== "Connected" || (state() as { session: { generation: number } }).session.generation === 2,
        "revocation noticed"
      )
      const results = yield* Effect.all(
        Array.from({ length: 100 }, (_, n) => tagOf(connection.send({ method: "sendMessage", n }))),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual([...new Set(results)], ["success"])
      yield* TestEnv.until(() => fake.received().length === 100, "all frames arrived")
      assert.strictEqual((yield* auth.session).generation, 2)
      record(
        "token regenerated and rotated, 100 frames sent",
        "100 delivered, 1 re-authentication",
        fake.counters.frames
      )
    })).pipe(Effect.provide(capture.layer)))

  it.live("token revoked, source not rotated: CredentialsRejected, no further connection", () =>
    Effect.scoped(Effect.gen(function*() {
      const { connection, fake, state } = yield* setup()
      yield* connection.send({ method: "sendMessage" })
      secrets.push(fake.regenerateToken().split(":")[2]!)
      yield* TestEnv.until(() => state()._tag === "Failed", "failed for good")
      const connections = fake.counters.connections
      const got = yield* tagOf(connection.send({ method: "sendMessage" }))
      yield* Effect.sleep("100 millis")
      assert.strictEqual(got, "CredentialsRejected")
      assert.strictEqual(fake.counters.connections, connections)
      record("token regenerated, source unchanged", `${got}; no reconnection`, fake.counters.connections)
    })).pipe(Effect.provide(capture.layer)))

  it("no secret reached a log line, a span or an error", () => {
    assert.deepStrictEqual(SecretScan.scan(secrets, { capture, values }), [])
    Report.record({
      section: "nandbox",
      provider: "nandbox",
      case:
        `secret scan: ${secrets.length} token secrets, ${capture.logs.length} log lines, ${capture.spans.length} spans, ${values.length} errors`,
      outcome: "none found",
      sends: undefined
    })
  })
})

afterAll(() =>
  Report.flush(
    "nandbox",
    "The authenticated WebSocket against its fake: the faults a socket meets rather than an HTTP answer."
  )
)
