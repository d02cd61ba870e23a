import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { NandboxFake, TestEnv } from "@authfx/testkit"
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
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { WebSocket } from "ws"
import * as Report from "../src/Report.js"

const MiB = 1_048_576

/**
 * The `ws` package's client as effect 4's `WebSocketConstructor`: the client the v3 line's
 * `NodeSocket.layerWebSocketConstructor` gave on Node 20 (no global `WebSocket` there). A WHATWG `WebSocket` (Node
 * 22's global) may close only with 1000 or 3000-4999, so a frame over `maxFrameSize` closes with 1000 on it
 * (v4/packages/nandbox README, "What differs from the effect 3 line"); with `ws` the client sends 1009 as on v3.
 */
const layerWs: Layer.Layer<Socket.WebSocketConstructor> = Layer.succeed(Socket.WebSocketConstructor)(
  (url) => new WebSocket(url) as unknown as Socket.WebSocketLike
)

const setup = (
  fakeOptions: NandboxFake.Options = {},
  client: Partial<NandboxConnection.Options> = {},
  sockets: Layer.Layer<Socket.WebSocketConstructor> = Socket.layerWebSocketConstructorGlobal
) =>
  Effect.gen(function*() {
    const fake = yield* NandboxFake.make(fakeOptions)
    const context = yield* Layer.build(
      NandboxConnection.layer({
        url: fake.url,
        token: Redacted.make(fake.token()),
        reconnect: Schedule.spaced("20 millis"),
        ...client
      }).pipe(Layer.provide(sockets))
    )
    const connection = Context.get(context, NandboxConnection.NandboxConnection)
    const state = () => SubscriptionRef.getUnsafe(connection.state)
    return { fake, connection, auth: Context.get(context, NandboxAuth.NandboxAuth), state }
  })

/** The typed failure of `effect`, asserting it is neither a success nor a defect. */
const failureOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    assert.isTrue(Exit.isFailure(exit), "a failure")
    if (Exit.isSuccess(exit)) throw new Error("unreachable")
    assert.isFalse(Cause.hasDies(exit.cause), Cause.pretty(exit.cause))
    const failure = Cause.findErrorOption(exit.cause)
    assert.isTrue(failure._tag === "Some", Cause.pretty(exit.cause))
    return (failure as { readonly value: E }).value
  })

const record = (name: string, outcome: string, sends?: number) =>
  Report.record({ section: "nandbox hardening", provider: "nandbox", case: name, outcome, sends })

describe("nandbox hardening: bounded frames", () => {
  it.live("an oversized frame after authentication: TooLarge, socket closed with 1009, nothing more read", () =>
    Effect.scoped(Effect.gen(function*() {
      // On `ws`, as the v3 line ran it: the close code 1009 is the client's to choose there (see `layerWs`).
      const { auth, connection, fake } = yield* setup({}, {}, layerWs)
      const seen = yield* connection.inbound.pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
      const states: Array<NandboxConnection.State> = []
      yield* Effect.forkChild(
        Stream.runForEach(SubscriptionRef.changes(connection.state), (s) => Effect.sync(() => states.push(s)))
      )
      yield* auth.session
      yield* Effect.sleep("20 millis")
      const big = JSON.stringify({ method: "message", text: "x".repeat(2 * MiB) })
      fake.sendRaw(big)
      fake.sendRaw(JSON.stringify({ method: "message", n: "after the oversized frame" }))
      yield* TestEnv.until(() => fake.connections[0]!.closed, "first socket closed")
      assert.strictEqual(fake.connections[0]!.closeCode, 1009)
      yield* TestEnv.until(() => states.some((s) => s._tag === "Reconnecting"), "Reconnecting state")
      const reconnecting = states.find((s) => s._tag === "Reconnecting")
      assert.isTrue(
        reconnecting?._tag === "Reconnecting" && reconnecting.cause?._tag === "ProtocolError" &&
          reconnecting.cause.reason === "TooLarge",
        JSON.stringify(reconnecting)
      )
      // A new socket authenticates, and a frame on it is the first one published.
      yield* TestEnv.until(() => fake.counters.authentications === 2, "re-authenticated")
      yield* Effect.sleep("20 millis")
      fake.broadcast({ method: "message", n: "on the new socket" })
      const frames = [...(yield* Fiber.join(seen))]
      assert.deepStrictEqual(frames.map((f) => f["n"]), ["on the new socket"])
      record(
        `a ${big.length.toLocaleString("en-US")}-byte frame after authentication (maximum 1 MiB), then a small one`,
        "ProtocolError(TooLarge); socket closed with 1009; neither frame published; re-authenticated",
        fake.counters.authentications
      )
    })))

  it.live("an oversized TOKEN_AUTH_OK fails the authentication with TooLarge; a smaller maximum is configurable", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      fake.setAuthOkExtra({ padding: "x".repeat(MiB + 1) })
      const context = yield* Layer.build(
        NandboxConnection.layer({
          url: fake.url,
          token: Redacted.make(fake.token()),
          reconnect: Schedule.spaced("1 second")
        }).pipe(Layer.provide(Socket.layerWebSocketConstructorGlobal))
      )
      const error = yield* failureOf(Context.get(context, NandboxAuth.NandboxAuth).session)
      assert.deepStrictEqual([error._tag, error._tag === "ProtocolError" && error.reason], [
        "ProtocolError",
        "TooLarge"
      ])
      record("TOKEN_AUTH_OK of 1 MiB + 1 byte of padding", `${error._tag}(TooLarge) from session`, 1)

      const small = yield* setup({}, { maxFrameSize: 1_024 })
      yield* small.auth.session
      // 600 two-byte characters: 600 UTF-16 units but 1,200 UTF-8 bytes, over 1,024.
      small.fake.setAuthOkExtra({ padding: "é".repeat(600) })
      const tooLarge = yield* failureOf(small.auth.refresh)
      assert.strictEqual(tooLarge._tag === "ProtocolError" && tooLarge.reason, "TooLarge")
      small.fake.setAuthOkExtra({ padding: "é".repeat(300) })
      const fine = yield* small.auth.refresh
      assert.strictEqual(fine.botId, small.fake.botId)
      record(
        "maxFrameSize 1,024: TOKEN_AUTH_OK with 600 × é (1,200 UTF-8 bytes), then 300 × é",
        "ProtocolError(TooLarge) counted in UTF-8 bytes, then success"
      )
    })))
})

describe("nandbox hardening: every inbound frame decoded, every failure typed", () => {
  it.live("frames that are not JSON or do not match InboundFrame are dropped with a log; the next one arrives", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake, state } = yield* setup()
      const seen = yield* connection.inbound.pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
      yield* auth.session
      yield* Effect.sleep("20 millis")
      fake.sendRaw("<html>not json")
      fake.sendRaw("[1,2,3]")
      fake.sendRaw(JSON.stringify({ method: 42, text: "method is not a string" }))
      fake.broadcast({ method: "message", n: 1 })
      const frames = [...(yield* Fiber.join(seen))]
      assert.deepStrictEqual(frames, [{ method: "message", n: 1 }])
      assert.strictEqual(state()._tag, "Connected")
      assert.strictEqual(fake.counters.connections, 1)
      record(
        "after authentication: a text that is not JSON, a JSON array, {\"method\":42}, then a valid frame",
        "3 dropped with a warning, no defect, same socket; the valid frame published",
        fake.counters.connections
      )
    })))

  it.live("send of a bigint or a cycle: NandboxSendError(Unencodable), no throw at the call, nothing sent", () =>
    Effect.scoped(Effect.gen(function*() {
      const { auth, connection, fake } = yield* setup()
      yield* auth.session
      const cyclic: Record<string, unknown> = { method: "sendMessage" }
      cyclic["self"] = cyclic
      // Building the effects must not throw either.
      const sends = [
        connection.send({ method: "sendMessage", chat_id: 90091784056528981n }),
        connection.send(cyclic as { readonly method: string })
      ]
      for (const send of sends) {
        const error = yield* failureOf(send)
        assert.deepStrictEqual(
          [error._tag, error._tag === "NandboxSendError" && error.reason],
          ["NandboxSendError", "Unencodable"]
        )
      }
      yield* connection.send({ method: "sendMessage", chat_id: "90091784056528981" })
      yield* TestEnv.until(() => fake.counters.frames === 1, "the string id sent")
      assert.strictEqual(fake.received()[0]!["chat_id"], "90091784056528981")
      record(
        "send({chat_id: 90091784056528981n}) and send of a cyclic object",
        "NandboxSendError(Unencodable) in the error channel; 0 frames sent; a string id then sent",
        fake.counters.frames
      )
    })))

  it.live("URLs: a fragment or a non-ws scheme is a ConfigurationError before connecting; errors hide credentials", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      for (const url of [`${fake.url}#frag`, fake.url.replace("ws:", "http:"), fake.url.replace("ws:", "ftp:")]) {
        const error = yield* failureOf(
          Layer.build(
            NandboxConnection.layer({ url, token: Redacted.make(fake.token()) }).pipe(
              Layer.provide(Socket.layerWebSocketConstructorGlobal)
            )
          )
        )
        assert.strictEqual(error._tag, "ConfigurationError")
      }
      assert.strictEqual(fake.counters.connections, 0)
      record("NANDBOX_URL with a fragment, with http:, with ftp:", "ConfigurationError before any connection", 0)

      const context = yield* Layer.build(
        NandboxConnection.layer({
          url: "ws://bot:hunter2@127.0.0.1:9/nandbox/api/?key=topsecret",
          token: Redacted.make(fake.token())
        }).pipe(Layer.provide(Socket.layerWebSocketConstructorGlobal))
      )
      const refused = yield* failureOf(Context.get(context, NandboxAuth.NandboxAuth).session)
      assert.strictEqual(refused._tag, "TransportError")
      const rendered = `${refused.message} ${JSON.stringify(refused)} ${String(refused)}`
      assert.include(rendered, "ws://127.0.0.1:9/nandbox/api/")
      for (const secret of ["hunter2", "topsecret", "bot:"]) assert.notInclude(rendered, secret)
      record(
        "a refused URL with user info and a query",
        "TransportError naming ws://127.0.0.1:9/nandbox/api/ only (no user info, no query)",
        0
      )
    })))

  for (const beforeAuth of ["error", "close"] as const) {
    it.live(`a fake enforcing TOKEN_AUTH first (beforeAuth: ${beforeAuth}) never refuses the client`, () =>
      Effect.scoped(Effect.gen(function*() {
        const { auth, connection, fake } = yield* setup({ beforeAuth })
        yield* auth.session
        yield* connection.send({ method: "sendMessage", text: "hi" })
        yield* auth.refresh
        yield* TestEnv.until(() => fake.counters.frames === 1, "frame delivered")
        assert.deepStrictEqual([fake.counters.beforeAuth, fake.counters.authentications], [0, 2])
        for (const c of fake.connections) assert.strictEqual(c.frames[0]!["method"], "TOKEN_AUTH")
        record(
          `fake refusing anything before TOKEN_AUTH (${beforeAuth}); connect, send, forced re-authentication`,
          "TOKEN_AUTH first on every socket; 0 frames refused",
          fake.counters.beforeAuth
        )
      })))
  }
})

afterAll(() =>
  Report.flush(
    "nandbox hardening",
    "Issue 14 (bounded frames, typed failures at the call site, URLs) and issue 16 (TOKEN_AUTH first) for nandbox, " +
      "against `NandboxFake` over real loopback sockets. The last column is the number of connections, frames or " +
      "authentications the fake counted, as each row says."
  )
)
