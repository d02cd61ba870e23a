import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as WhatsGateFake from "../src/WhatsGateFake.js"

/** A plain `fetch` against the fake: the testkit never imports a provider package. */
const call = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    try {
      const response = await fetch(url, { ...init, redirect: "manual" })
      const text = await response.text()
      let body: unknown = undefined
      try {
        body = JSON.parse(text)
      } catch {
        body = text
      }
      return { status: response.status, body, headers: response.headers }
    } catch (error) {
      return { status: 0, body: String(error), headers: new Headers() }
    }
  })

const post = (url: string, token: string | undefined, body: unknown, contentType = "application/json") =>
  call(url, {
    method: "POST",
    headers: { "content-type": contentType, ...(token === undefined ? {} : { "access-token": token }) },
    body: JSON.stringify(body)
  })

describe("WhatsGateFake (v4)", () => {
  it.live("the two 403 answers, and a regenerated token refused at once", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make({ token: "t1" })
      const status = `${fake.url}/status/${fake.device}`
      assert.deepStrictEqual(yield* call(status).pipe(Effect.map((r) => [r.status, r.body])), [403, {
        message: "an Access-Token is required"
      }])
      assert.deepStrictEqual((yield* call(status, { headers: { "access-token": "nope" } })).body, {
        message: "invalid Access-Token"
      })
      assert.deepStrictEqual((yield* call(status, { headers: { "access-token": "t1" } })).body, {
        success: true,
        message: "connected"
      })
      const next = fake.regenerateToken()
      assert.notStrictEqual(next, "t1")
      assert.strictEqual((yield* call(status, { headers: { "access-token": "t1" } })).status, 403)
      assert.strictEqual((yield* call(status, { headers: { "access-token": next } })).status, 200)
      assert.deepStrictEqual(
        [fake.counters.requests, fake.counters.missing, fake.counters.rejected, fake.counters.regenerations],
        [5, 1, 2, 1]
      )
    }))

  it.live("sends: validation (422), business errors at the configured status, the Content-Type switch", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make({ businessErrorStatus: 200 })
      const text = `${fake.url}/send/text`
      const ok = yield* post(text, fake.token(), { sender_device: fake.device, phone: "987654321", message: "hi" })
      assert.deepStrictEqual([ok.status, ok.body], [200, { success: true, message: "Message sent successfully" }])
      const invalid = yield* post(text, fake.token(), { sender_device: fake.device })
      assert.strictEqual(invalid.status, 422)
      assert.deepStrictEqual(Object.keys((invalid.body as { errors: object }).errors), ["phone", "message"])
      const business = yield* post(text, fake.token(), { sender_device: fake.device, phone: "12ab", message: "x" })
      assert.deepStrictEqual([business.status, business.body], [200, {
        success: false,
        message: "Invalid phone number format"
      }])
      const untyped = yield* post(text, fake.token(), { sender_device: fake.device }, "text/plain")
      assert.strictEqual(untyped.status, 415)
      assert.deepStrictEqual(fake.messages, [{ device: fake.device, phone: "987654321", kind: "text" }])
      assert.deepStrictEqual(fake.requests().map((r) => r.contentType), [
        "application/json",
        "application/json",
        "application/json",
        "text/plain"
      ])
      const ignoring = yield* WhatsGateFake.make({ contentTypeCheck: "ignoreBody" })
      const ignored = yield* post(`${ignoring.url}/send/text`, ignoring.token(), {
        sender_device: ignoring.device,
        phone: "987654321",
        message: "hi"
      }, "text/plain")
      assert.strictEqual(ignored.status, 422)
    }))

  it.live("fault controls: status with Retry-After, invalid JSON, wrong shape, drop, redirect, oversize", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make()
      const status = `${fake.url}/status/${fake.device}`
      const headers = { "access-token": fake.token() }
      fake.failNext(1, 429, { retryAfter: "3" })
      const limited = yield* call(status, { headers })
      assert.deepStrictEqual([limited.status, limited.headers.get("retry-after")], [429, "3"])
      fake.invalidJsonNext(1)
      assert.strictEqual(typeof (yield* call(status, { headers })).body, "string")
      fake.wrongShapeNext(1)
      assert.deepStrictEqual((yield* call(status, { headers })).body, { unexpected: [1, 2, 3] })
      fake.dropNext(1)
      assert.strictEqual((yield* call(status, { headers })).status, 0)
      fake.redirectNext(1, "http://127.0.0.1:1/elsewhere")
      const redirected = yield* call(status, { headers })
      assert.deepStrictEqual([redirected.status, redirected.headers.get("location")], [
        302,
        "http://127.0.0.1:1/elsewhere"
      ])
      fake.oversizeNext(1, 200_000, { declareLength: true })
      const big = yield* call(status, { headers })
      assert.strictEqual((big.body as string).length, 200_000)
      assert.strictEqual(fake.oversizeBytesWritten(), 200_000)
      fake.truncateNext(1)
      assert.strictEqual((yield* call(status, { headers })).status, 0)
      assert.strictEqual((yield* call(status, { headers })).status, 200)
      assert.strictEqual(fake.counters.requests, 8)
    }))

  it.live("unknown paths are 404 and not counted; env names what a client reads", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make({ devices: { "7": "disconnected", "8": "connected" } })
      assert.strictEqual((yield* call(`${fake.url}/nothing`)).status, 404)
      assert.strictEqual(fake.counters.requests, 0)
      assert.strictEqual(fake.device, "8")
      assert.deepStrictEqual(fake.env(), {
        WHATSGATE_URL: fake.url,
        WHATSGATE_ACCESS_TOKEN: fake.token(),
        WHATSGATE_DEVICE: "8"
      })
    }))
})
