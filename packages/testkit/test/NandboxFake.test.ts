/**
 * What the testkit's `NandboxFake` adds to `@authfx/fakes`' Nandbox fake: `make(options)` runs it for the life of a
 * scope with the options passed through, and closing the scope ends its live sockets and stops it. The protocol
 * (TOKEN_AUTH, 100099, beforeAuth, PING, the controls) is tested once, without Effect, in
 * `packages/fakes/test/nandbox.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { WebSocket } from "ws"
import * as NandboxFake from "../src/NandboxFake.js"

/** A raw client: the next text frame it receives, and the code it is closed with. */
const connect = (url: string) =>
  Effect.promise(() =>
    new Promise<
      { readonly ws: WebSocket; readonly next: () => Promise<string>; readonly closed: Promise<number> }
    >((resolve, reject) => {
      const ws = new WebSocket(url)
      const inbox: Array<string> = []
      const waiting: Array<(text: string) => void> = []
      ws.on("message", (data) => {
        const waiter = waiting.shift()
        if (waiter !== undefined) waiter(data.toString())
        else inbox.push(data.toString())
      })
      const next = () =>
        inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise<string>((done) => void waiting.push(done))
      const closed = new Promise<number>((done) => void ws.once("close", (code) => done(code)))
      ws.once("open", () => resolve({ ws, next, closed }))
      ws.once("error", reject)
    })
  )

/** Whether a new socket opens, or why not. */
const opens = (url: string) =>
  Effect.promise(() =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(url)
      ws.once("open", () => {
        ws.terminate()
        resolve("open")
      })
      ws.once("error", () => resolve("refused"))
    })
  )

describe("NandboxFake.make", () => {
  it.live("runs the fake for the life of the scope with the options given; closing the scope ends its sockets", () =>
    Effect.gen(function*() {
      const { live, url } = yield* Effect.scoped(Effect.gen(function*() {
        const fake = yield* NandboxFake.make({ botName: "My First API", closeOnReject: true })
        assert.isFalse("close" in fake, "the scope, not the caller, closes the fake")
        // Both options reached the fake: the bot's name in TOKEN_AUTH_OK, the socket closed after a 100099.
        const live = yield* connect(fake.url)
        live.ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: true, token: fake.token() }))
        const ok = JSON.parse(yield* Effect.promise(live.next))
        assert.deepStrictEqual([ok.method, ok.name], ["TOKEN_AUTH_OK", "My First API"])
        const rejected = yield* connect(fake.url)
        rejected.ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: true, token: `${fake.botId}:0:wrong` }))
        assert.deepStrictEqual(JSON.parse(yield* Effect.promise(rejected.next)), { method: "error", code: "100099" })
        assert.strictEqual(yield* Effect.promise(() => rejected.closed), 1000)
        assert.strictEqual(yield* opens(fake.url), "open")
        return { live, url: fake.url }
      }))
      assert.strictEqual(yield* Effect.promise(() => live.closed), 1006, "the live socket ended with the scope")
      assert.strictEqual(yield* opens(url), "refused")
    }))
})
