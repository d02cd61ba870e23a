import { NandboxFake, SecretScan, TestEnv } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as TestClock from "effect/testing/TestClock"
import { NandboxAuth } from "../src/NandboxAuth.js"
import * as NandboxConnection from "../src/NandboxConnection.js"
import { layerWs } from "./utils/ws.js"

const WS = layerWs

/** Waits (real time, for I/O) until `condition` holds. */
const until = (condition: () => boolean, what = "condition") =>
  Effect.gen(function*() {
    for (let i = 0; i < 1_000 && !condition(); i++) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
    assert.isTrue(condition(), `${what} reached`)
  })

const setup = (
  options: NandboxFake.Options & { readonly client?: Partial<NandboxConnection.Options> } = {}
) =>
  Effect.gen(function*() {
    const fake = yield* NandboxFake.make(options)
    const source = { token: fake.token(), reads: 0 }
    const context = yield* Layer.build(
      NandboxConnection.layer({
        url: fake.url,
        token: Effect.sync(() => {
          source.reads += 1
          return Redacted.make(source.token)
        }),
        reconnect: Schedule.spaced("20 millis"),
        ...options.client
      }).pipe(Layer.provide(WS))
    )
    const connection = Context.get(context, NandboxConnection.NandboxConnection)
    const state = () => Effect.runSync(SubscriptionRef.get(connection.state))
    return { fake, source, connection, auth: Context.get(context, NandboxAuth), state }
  })

describe("NandboxConnection", () => {
  it.live("authenticates: TOKEN_AUTH first, with rem as a boolean", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, fake } = yield* setup({ botName: "My First API" })
      const session = yield* auth.session
      assert.deepStrictEqual([session.botId, session.name, session.generation], [fake.botId, "My First API", 1])
      const first = fake.connections[0]!.frames[0]!
      assert.deepStrictEqual([first["method"], first["rem"], first["token"]], ["TOKEN_AUTH", true, fake.token()])
      assert.strictEqual(fake.counters.authentications, 1)
    })))

  for (const closeOnReject of [false, true]) {
    it.live(`a wrong token is CredentialsRejected with code 100099, and no retry (closeOnReject: ${closeOnReject})`, () =>
      Effect.scoped(Effect.gen(function*() {
        const fake = yield* NandboxFake.make({ closeOnReject })
        const context = yield* Layer.build(
          NandboxConnection.layer({
            url: fake.url,
            token: Redacted.make(`${fake.botId}:0:wrongwrongwrongwrongwrongwrong`),
            reconnect: Schedule.spaced("10 millis")
          }).pipe(Layer.provide(WS))
        )
        const error = yield* Effect.flip(Context.get(context, NandboxAuth).session)
        assert.strictEqual(error._tag, "CredentialsRejected")
        if (error._tag === "CredentialsRejected") assert.strictEqual(error.code, 100099)
        const send = yield* Effect.flip(
          Context.get(context, NandboxConnection.NandboxConnection).send({ method: "sendMessage" })
        )
        assert.strictEqual(send._tag, "CredentialsRejected")
        yield* Effect.sleep("100 millis")
        assert.strictEqual(fake.counters.connections, 1)
      })))
  }

  it.live("token regenerated while connected, source rotated: re-authenticated, frames delivered", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake, source, state } = yield* setup()
      yield* connection.send({ method: "sendMessage", text: "before" })
      yield* until(() => fake.received().length === 1, "the first frame arrived")
      source.token = fake.regenerateToken()
      // Sent as the revocation reaches the client: queued, then delivered on the new session.
      yield* until(
        () => state()._tag !== "Connected" || (state() as any).session.generation === 2,
        "revocation noticed"
      )
      yield* connection.send({ method: "sendMessage", text: "after" })
      const session = yield* auth.session
      assert.strictEqual(session.generation, 2)
      yield* until(() => fake.received().length === 2, "the second frame arrived")
      assert.deepStrictEqual(fake.received().map((f) => f["text"]), ["before", "after"])
      assert.strictEqual(source.reads, 2)
    })))

  it.live("a frame served after TOKEN_AUTH_OK reports the session accepted: a later revocation is not a streak", () =>
    Effect.scoped(Effect.gen(function*() {
      /** Regenerates the token on the live connection (the source rotated) and waits for the next session. */
      const regenerate = (
        { auth, fake, source, state }: Effect.Success<ReturnType<typeof setup>>,
        next: number
      ) =>
        Effect.gen(function*() {
          source.token = fake.regenerateToken()
          yield* until(
            () => state()._tag === "Connected" && (state() as any).session.generation === next,
            `session ${next} connected`
          )
          return yield* auth.state
        })
      // Served: nandbox sends a frame on each new session before its token is regenerated again.
      const served = yield* setup()
      let got = 0
      yield* Effect.forkScoped(Stream.runForEach(served.connection.inbound, () => Effect.sync(() => got++)))
      yield* served.auth.session
      for (let next = 2; next <= 4; next++) {
        served.fake.broadcast({ method: "message", n: next })
        yield* until(() => got === next - 1, "the frame arrived")
        yield* Effect.sleep("20 millis")
        const state = yield* regenerate(served, next)
        assert.isUndefined(state.floorReason, `no floor after revocation ${next - 1}`)
        assert.isTrue(state.authenticated)
      }
      // Not served: the second revocation of a fresh session within a minute is a streak, and the engine floors it.
      const silent = yield* setup()
      yield* silent.auth.session
      yield* regenerate(silent, 2)
      silent.source.token = silent.fake.regenerateToken()
      yield* until(() => silent.state()._tag !== "Connected", "revocation noticed")
      yield* until(() => Effect.runSync(silent.auth.state).floorReason === "rejected", "a floor on rejections")
    })))

  it.live("token regenerated and not rotated: a typed failure, and no further connection", () =>
    Effect.scoped(Effect.gen(function*() {
      const { connection, fake, state } = yield* setup()
      yield* connection.send({ method: "sendMessage", text: "ok" })
      yield* until(() => fake.received().length === 1, "the frame arrived")
      fake.regenerateToken()
      yield* until(() => state()._tag === "Failed", "Failed state")
      const error = yield* Effect.flip(connection.send({ method: "sendMessage", text: "lost?" }))
      assert.strictEqual(error._tag, "CredentialsRejected")
      // The token came from an Effect given in code: the option is named, not a variable.
      assert.include(error.message, "update token")
      const connections = fake.counters.connections
      yield* Effect.sleep("200 millis")
      assert.strictEqual(fake.counters.connections, connections)
      assert.deepStrictEqual(fake.received().map((f) => f["text"]), ["ok"])
    })))

  it.live(
    "the server drops the connection 10 times: every frame sent meanwhile arrives once, in order",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const { auth, connection, fake, state } = yield* setup()
        yield* auth.session
        const sent: Array<number> = []
        let n = 0
        for (let drop = 0; drop < 10; drop++) {
          fake.refuseConnections(true)
          fake.dropConnections()
          yield* until(() => state()._tag === "Reconnecting", "disconnection noticed")
          const sends = []
          for (let i = 0; i < 5; i++) {
            n += 1
            sent.push(n)
            sends.push(yield* Effect.forkChild(connection.send({ method: "sendMessage", n })))
          }
          // At least one reconnection is refused while the frames wait.
          const refused = fake.counters.refused
          yield* until(() => fake.counters.refused > refused, "a refused reconnection")
          fake.refuseConnections(false)
          yield* Fiber.joinAll(sends)
          // Written is not yet received: let them arrive before the next drop
          // (nandbox has no acknowledgement a client could wait for).
          yield* until(() => fake.received().length === sent.length, `batch ${drop + 1} arrived`)
        }
        yield* until(() => fake.received().length === sent.length, "every frame arrived")
        assert.deepStrictEqual(fake.received().map((f) => f["n"]), sent)
        assert.strictEqual((yield* auth.session).generation, 11)
        assert.isAtLeast(fake.counters.refused, 10)
      })),
    30_000
  )

  it.live("a forced refresh replaces the socket: the old one is closed, frames go on the new one", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake, state } = yield* setup()
      yield* auth.session
      const renewed = yield* auth.refresh
      assert.strictEqual(renewed.generation, 2)
      yield* until(() => fake.connections[0]!.closed, "the first socket closed")
      yield* until(() => {
        const s = state()
        return s._tag === "Connected" && s.session.generation === 2
      }, "connected on the new socket")
      yield* connection.send({ method: "sendMessage", text: "after refresh" })
      yield* until(() => fake.received().length === 1, "the frame arrived")
      assert.deepStrictEqual(fake.connections.map((c) => c.closed), [true, false])
    })))

  it.live("a malformed frame is ignored; other frames reach the inbound stream", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake } = yield* setup()
      yield* auth.session
      const inbound = yield* connection.inbound.pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
      yield* Effect.sleep("20 millis")
      fake.sendMalformed()
      fake.broadcast({ method: "message", message: { text: "hi" } })
      const [frame] = [...(yield* Fiber.join(inbound))]
      assert.deepStrictEqual(frame, { method: "message", message: { text: "hi" } })
      assert.strictEqual((yield* auth.session).generation, 1)
    })))

  it.live("a full queue fails send, typed; nothing is dropped silently", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake, state } = yield* setup({ client: { queueCapacity: 2 } })
      yield* auth.session
      fake.refuseConnections(true)
      fake.dropConnections()
      yield* until(() => state()._tag === "Reconnecting", "disconnection noticed")
      const waiting = yield* Effect.forkChild(
        Effect.all([connection.send({ method: "a" }), connection.send({ method: "b" })], { concurrency: 2 })
      )
      yield* Effect.sleep("20 millis")
      // The writer holds one frame aside while it waits; the queue holds the rest.
      yield* connection.send({ method: "c" }).pipe(Effect.forkChild)
      yield* Effect.sleep("20 millis")
      const full = yield* Effect.flip(connection.send({ method: "d" }))
      assert.deepStrictEqual([full._tag, full._tag === "NandboxSendError" && full.reason], [
        "NandboxSendError",
        "QueueFull"
      ])
      fake.refuseConnections(false)
      yield* Fiber.join(waiting)
      yield* until(() => fake.received().length === 3, "three frames delivered")
      assert.deepStrictEqual(fake.received().map((f) => f["method"]), ["a", "b", "c"])
    })))

  it.live("no TOKEN_AUTH_OK in time is a TransportError, then a reconnection", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      fake.setAuthDelay(300)
      const context = yield* Layer.build(
        NandboxConnection.layer({
          url: fake.url,
          token: Redacted.make(fake.token()),
          authTimeout: "100 millis",
          reconnect: Schedule.spaced("10 millis")
        })
          .pipe(Layer.provide(WS))
      )
      const auth = Context.get(context, NandboxAuth)
      const error = yield* Effect.flip(auth.session)
      assert.deepStrictEqual([error._tag, error._tag === "TransportError" && error.reason], [
        "TransportError",
        "Timeout"
      ])
      fake.setAuthDelay(0)
      yield* until(() => fake.counters.authentications > 0, "authenticated after the delay is lifted")
      assert.strictEqual((yield* auth.session).botId, fake.botId)
    })))

  it.effect("an idle connection sends PING after 30 s (TestClock)", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, fake } = yield* setup()
      yield* auth.session
      yield* TestClock.adjust(Duration.seconds(29))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      assert.strictEqual(fake.counters.pings, 0)
      yield* TestClock.adjust(Duration.seconds(1))
      yield* until(() => fake.counters.pings === 1, "one PING")
      fake.broadcast({ method: "message" })
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      yield* TestClock.adjust(Duration.seconds(29))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      assert.strictEqual(fake.counters.pings, 1)
    })))

  it.live("on the live clock the watchdog and the keep-alive are timers: PINGs go out, no fiber per socket", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      let started = 0
      // Every fiber started under it (effect 4's runtime-metrics hook, read by each fiber from its parent).
      const counter: Metric.FiberRuntimeMetricsService = {
        recordFiberStart: () => void (started += 1),
        recordFiberEnd: () => {}
      }
      yield* Effect.gen(function*() {
        const context = yield* Layer.build(
          NandboxConnection.layer({ url: fake.url, token: Redacted.make(fake.token()), pingAfter: "30 millis" }).pipe(
            Layer.provide(WS)
          )
        )
        yield* Context.get(context, NandboxAuth).session
        yield* until(() => fake.counters.pings >= 3, "three PINGs")
      }).pipe(Effect.provideService(Metric.FiberRuntimeMetrics, counter))
      // The supervisor and the session engine's acquisition; before, a watchdog fiber per wait and three fibers
      // per keep-alive.
      assert.isAtMost(started, 2)
      assert.strictEqual(fake.counters.connections, 1)
    })))

  it.live("closing the scope closes the socket and leaves nothing running", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { auth, fake } = yield* setup().pipe(Scope.provide(scope))
      yield* auth.session
      assert.isFalse(fake.connections[0]!.closed)
      yield* Scope.close(scope, Exit.void)
      yield* until(() => fake.connections[0]!.closed, "socket closed at the server")
      yield* Effect.sleep("100 millis")
      assert.strictEqual(fake.counters.connections, 1)
    }))

  it.live("bad configuration is a typed error before any connection", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      const badUrl = yield* Effect.flip(
        Layer.build(
          NandboxConnection.layer({ url: "http://x", token: Redacted.make(fake.token()) }).pipe(Layer.provide(WS))
        )
      )
      // Given in code: errors name the options, never a variable.
      assert.strictEqual(badUrl.key, "url")
      const context = yield* Layer.build(
        NandboxConnection.layer({ url: fake.url, token: Redacted.make("not-a-token") }).pipe(Layer.provide(WS))
      )
      const malformed = yield* Effect.flip(Context.get(context, NandboxAuth).session)
      assert.strictEqual(malformed._tag, "ConfigurationError")
      assert.strictEqual(malformed._tag === "ConfigurationError" && malformed.key, "token")
      const emptyContext = yield* Layer.build(
        NandboxConnection.layer({ url: fake.url, token: Redacted.make(" ") }).pipe(Layer.provide(WS))
      )
      const empty = yield* Effect.flip(Context.get(emptyContext, NandboxAuth).session)
      assert.strictEqual(empty._tag, "CredentialsMissing")
      assert.include(empty.message, "token is empty")
      for (const error of [badUrl, malformed, empty]) assert.notInclude(error.message, "NANDBOX_")
      // Read by layerConfig from the environment: the variables are named.
      const fromEnv = (env: Record<string, string>) =>
        Effect.scoped(Effect.gen(function*() {
          yield* TestEnv.set(env)
          return yield* Layer.build(NandboxConnection.layerConfig().pipe(Layer.provide(WS))).pipe(
            Effect.flatMap((built) => Context.get(built, NandboxAuth).session),
            Effect.flip,
            Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)
          )
        }))
      const envUrl = yield* fromEnv({ NANDBOX_URL: "http://x", NANDBOX_TOKEN: fake.token() })
      assert.strictEqual(envUrl._tag === "ConfigurationError" && envUrl.key, "NANDBOX_URL")
      const envToken = yield* fromEnv({ NANDBOX_URL: fake.url, NANDBOX_TOKEN: "not-a-token" })
      assert.strictEqual(envToken._tag === "ConfigurationError" && envToken.key, "NANDBOX_TOKEN")
      const envEmpty = yield* fromEnv({ NANDBOX_URL: fake.url, NANDBOX_TOKEN: " " })
      assert.include(envEmpty.message, "NANDBOX_TOKEN is empty")
      assert.strictEqual(fake.counters.connections, 0)
    })))

  it.live("the token's secret appears in no log, span, event or error", () =>
    Effect.scoped(Effect.gen(function*() {
      const capture = SecretScan.makeCapture()
      const seen: Array<unknown> = []
      const secrets: Array<string> = []
      yield* Effect.gen(function*() {
        const { auth, connection, fake, source, state } = yield* setup()
        secrets.push(fake.token().split(":")[2]!)
        seen.push(yield* auth.session)
        yield* connection.send({ method: "sendMessage" })
        source.token = fake.regenerateToken()
        secrets.push(source.token.split(":")[2]!)
        yield* connection.send({ method: "sendMessage" })
        fake.regenerateToken()
        yield* until(() => state()._tag === "Failed", "Failed state")
        seen.push(state(), yield* Effect.flip(connection.send({ method: "x" })))
      }).pipe(Effect.provide(capture.layer))
      assert.isTrue(capture.spans.some((s) => s.name === "NandboxAuth.acquire"))
      yield* SecretScan.assertClean(secrets, { capture, values: seen })
    })))
})
