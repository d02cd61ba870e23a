import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { WebSocket } from "ws"
import * as NandboxFake from "../src/NandboxFake.js"
import * as TestEnv from "../src/TestEnv.js"

/** A raw client: the frames it received, and a way to send. */
const connect = (url: string) =>
  Effect.callback<{ readonly ws: WebSocket; readonly inbox: Array<string> }>((resume) => {
    const ws = new WebSocket(url)
    const inbox: Array<string> = []
    ws.on("message", (data) => inbox.push(data.toString()))
    ws.on("open", () => resume(Effect.succeed({ ws, inbox })))
  })

/** A short real wait, only where nothing is expected to happen (for what must happen: `TestEnv.until`). */
const settle = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 30)))

describe("NandboxFake", () => {
  it.live("accepts rem as the string the docs show; PING gets no reply; a regenerated token kills the session", () =>
    Effect.gen(function*() {
      const fake = yield* NandboxFake.make({ botName: "My First API" })
      const { inbox, ws } = yield* connect(fake.url)
      ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: "true", token: fake.token() }))
      yield* TestEnv.until(() => inbox.length === 1, "TOKEN_AUTH_OK")
      const ok = JSON.parse(inbox[0]!)
      assert.deepStrictEqual([ok.method, ok.name, ok.ID], ["TOKEN_AUTH_OK", "My First API", fake.botId])
      ws.send(JSON.stringify({ method: "PING" }))
      yield* TestEnv.until(() => fake.counters.pings === 1, "the PING counted")
      yield* settle
      assert.deepStrictEqual([inbox.length, fake.counters.pings], [1, 1])
      fake.regenerateToken()
      yield* TestEnv.until(() => inbox.length === 2, "the 100099")
      assert.deepStrictEqual(JSON.parse(inbox[1]!), { method: "error", code: "100099" })
      ws.send(JSON.stringify({ method: "sendMessage" }))
      yield* settle
      assert.strictEqual(fake.received().length, 0)
      ws.close()
    }))

  it.live("the first frame must be TOKEN_AUTH; with closeOnReject the socket is closed after 100099", () =>
    Effect.gen(function*() {
      const fake = yield* NandboxFake.make({ closeOnReject: true })
      const { inbox, ws } = yield* connect(fake.url)
      const closed = Effect.callback<number>((resume) => void ws.on("close", (code) => resume(Effect.succeed(code))))
      ws.send(JSON.stringify({ method: "sendMessage" }))
      assert.strictEqual(yield* closed, 1000)
      assert.deepStrictEqual(JSON.parse(inbox[0]!), { method: "error", code: "100099" })
    }))

  it.live("beforeAuth error: anything but TOKEN_AUTH first (a PING, a text that is not JSON) gets 100099", () =>
    Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      const { inbox, ws } = yield* connect(fake.url)
      ws.send(JSON.stringify({ method: "PING" }))
      ws.send("not json")
      yield* TestEnv.until(() => inbox.length === 2, "two answers")
      assert.deepStrictEqual(inbox.map((text) => JSON.parse(text)), [
        { method: "error", code: "100099" },
        { method: "error", code: "100099" }
      ])
      assert.deepStrictEqual([fake.counters.beforeAuth, fake.counters.pings], [2, 0])
      // The socket stays open: the document says to re-authenticate with a valid token.
      ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: true, token: fake.token() }))
      yield* TestEnv.until(() => inbox.length === 3, "TOKEN_AUTH_OK")
      assert.strictEqual(JSON.parse(inbox[2]!).method, "TOKEN_AUTH_OK")
      ws.close()
    }))

  it.live("beforeAuth close: a first frame other than TOKEN_AUTH closes the socket with 1008 and no answer", () =>
    Effect.gen(function*() {
      const fake = yield* NandboxFake.make({ beforeAuth: "close" })
      const { inbox, ws } = yield* connect(fake.url)
      const closed = Effect.callback<number>((resume) => void ws.on("close", (code) => resume(Effect.succeed(code))))
      ws.send(JSON.stringify({ method: "sendMessage", text: "hi" }))
      assert.strictEqual(yield* closed, 1008)
      assert.deepStrictEqual([inbox.length, fake.counters.beforeAuth, fake.received().length], [0, 1, 0])
    }))

  it.live("TOKEN_AUTH_OK extra fields and raw frames reach authenticated sessions only", () =>
    Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      fake.setAuthOkExtra({ padding: "x".repeat(10) })
      const authed = yield* connect(fake.url)
      const other = yield* connect(fake.url)
      authed.ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: true, token: fake.token() }))
      yield* TestEnv.until(() => authed.inbox.length === 1, "TOKEN_AUTH_OK")
      fake.sendRaw("{\"method\":\"message\",\"n\":1}")
      yield* TestEnv.until(() => authed.inbox.length === 2, "the raw frame")
      yield* settle
      assert.strictEqual(JSON.parse(authed.inbox[0]!).padding, "x".repeat(10))
      assert.deepStrictEqual(JSON.parse(authed.inbox[1]!), { method: "message", n: 1 })
      assert.strictEqual(other.inbox.length, 0)
      authed.ws.close()
      other.ws.close()
    }))

  it.live("refuses connections at the upgrade while asked to", () =>
    Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      fake.refuseConnections(true)
      const refused = yield* Effect.callback<string>((resume) => {
        const ws = new WebSocket(fake.url)
        ws.on("error", (error) => resume(Effect.succeed(error.message)))
      })
      assert.match(refused, /503/)
      assert.strictEqual(fake.counters.refused, 1)
    }))
})
