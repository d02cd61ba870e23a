import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { WebSocket } from "ws"
import * as NandboxFake from "../src/NandboxFake.js"

/** A raw client: the frames it received, and a way to send. */
const connect = (url: string) =>
  Effect.async<{ readonly ws: WebSocket; readonly inbox: Array<string> }>((resume) => {
    const ws = new WebSocket(url)
    const inbox: Array<string> = []
    ws.on("message", (data) => inbox.push(data.toString()))
    ws.on("open", () => resume(Effect.succeed({ ws, inbox })))
  })

const settle = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 30)))

describe("NandboxFake", () => {
  it.live("accepts rem as the string the docs show; PING gets no reply; a regenerated token kills the session", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make({ botName: "My First API" })
      const { inbox, ws } = yield* connect(fake.url)
      ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: "true", token: fake.token() }))
      yield* settle
      const ok = JSON.parse(inbox[0]!)
      assert.deepStrictEqual([ok.method, ok.name, ok.ID], ["TOKEN_AUTH_OK", "My First API", fake.botId])
      ws.send(JSON.stringify({ method: "PING" }))
      yield* settle
      assert.deepStrictEqual([inbox.length, fake.counters.pings], [1, 1])
      fake.regenerateToken()
      yield* settle
      assert.deepStrictEqual(JSON.parse(inbox[1]!), { method: "error", code: "100099" })
      ws.send(JSON.stringify({ method: "sendMessage" }))
      yield* settle
      assert.strictEqual(fake.received().length, 0)
      ws.close()
    })))

  it.live("the first frame must be TOKEN_AUTH; with closeOnReject the socket is closed after 100099", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make({ closeOnReject: true })
      const { inbox, ws } = yield* connect(fake.url)
      const closed = Effect.async<number>((resume) => void ws.on("close", (code) => resume(Effect.succeed(code))))
      ws.send(JSON.stringify({ method: "sendMessage" }))
      assert.strictEqual(yield* closed, 1000)
      assert.deepStrictEqual(JSON.parse(inbox[0]!), { method: "error", code: "100099" })
    })))

  it.live("refuses connections at the upgrade while asked to", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      fake.refuseConnections(true)
      const refused = yield* Effect.async<string>((resume) => {
        const ws = new WebSocket(fake.url)
        ws.on("error", (error) => resume(Effect.succeed(error.message)))
      })
      assert.match(refused, /503/)
      assert.strictEqual(fake.counters.refused, 1)
    })))
})
