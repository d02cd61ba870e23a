/**
 * The WhatsGate fake without Effect, over `fetch`: the two documented 403 bodies, token regeneration, the send
 * validation (Laravel's 422), business errors at the configured status, the Content-Type check and its switches,
 * the fault controls, the devices and `env`. (Both testkits' `WhatsGateFake` tests held these cases until both
 * lines' wrappers were found to run this same fake; the wrappers' own tests keep only what `make` adds.)
 */
import { assert, describe, it } from "vitest"
import * as WhatsGate from "../src/WhatsGate.js"
import { fetchAnswer, using } from "./utils.js"

const call = fetchAnswer

const post = (url: string, token: string | undefined, body: string, contentType = "application/json") =>
  call(url, {
    method: "POST",
    headers: { "content-type": contentType, ...(token === undefined ? {} : { "access-token": token }) },
    body
  })

describe("WhatsGate.start: the fake's protocol", () => {
  it("answers the two documented 403 bodies exactly; a regenerated token refuses the old value at once", () =>
    using(WhatsGate.start, { token: "good" }, async (fake) => {
      const status = `${fake.url}/status/${fake.device}`
      const missing = await call(status)
      assert.deepStrictEqual([missing.status, missing.text], [403, "{\"message\":\"an Access-Token is required\"}"])
      const wrong = await call(status, { headers: { "access-token": "bad" } })
      assert.deepStrictEqual([wrong.status, wrong.text], [403, "{\"message\":\"invalid Access-Token\"}"])
      const ok = await call(status, { headers: { "access-token": "good" } })
      assert.deepStrictEqual([ok.status, ok.body], [200, { success: true, message: "connected" }])
      assert.deepStrictEqual({ ...fake.counters }, { requests: 3, rejected: 1, missing: 1, sent: 0, regenerations: 0 })
      const fresh = fake.regenerateToken()
      assert.notStrictEqual(fresh, "good")
      assert.strictEqual((await call(status, { headers: { "access-token": "good" } })).status, 403)
      assert.strictEqual((await call(status, { headers: { "access-token": fresh } })).status, 200)
      const send = (token: string) =>
        post(
          `${fake.url}/send/text`,
          token,
          JSON.stringify({ sender_device: fake.device, phone: "987654321", message: "hi" })
        )
      assert.strictEqual((await send("good")).status, 403)
      assert.deepStrictEqual((await send(fresh)).body, { success: true, message: "Message sent successfully" })
      assert.strictEqual(fake.env().WHATSGATE_ACCESS_TOKEN, fresh)
      assert.deepStrictEqual({ ...fake.counters }, { requests: 7, rejected: 3, missing: 1, sent: 1, regenerations: 1 })
    }))

  it("sends: validation (422, a message over 4000 characters), business errors at the configured status", () =>
    using(WhatsGate.start, { businessErrorStatus: 200 }, async (fake) => {
      const text = `${fake.url}/send/text`
      const send = (body: unknown) => post(text, fake.token(), JSON.stringify(body))
      const ok = await send({ sender_device: fake.device, phone: "987654321", message: "hi" })
      assert.deepStrictEqual([ok.status, ok.body], [200, { success: true, message: "Message sent successfully" }])
      const invalid = await send({ sender_device: fake.device })
      assert.strictEqual(invalid.status, 422)
      assert.deepStrictEqual(Object.keys((invalid.body as { errors: object }).errors), ["phone", "message"])
      const business = await send({ sender_device: fake.device, phone: "12ab", message: "x" })
      assert.deepStrictEqual([business.status, business.body], [200, {
        success: false,
        message: "Invalid phone number format"
      }])
      const tooLong = await send({ sender_device: fake.device, phone: "987654321", message: "x".repeat(4001) })
      assert.strictEqual(tooLong.status, 422)
      assert.deepStrictEqual(fake.messages, [{ device: fake.device, phone: "987654321", kind: "text" }])
    }))

  it("a POST whose body is not declared application/json: 415 by default, Laravel-style 422, or accepted", async () => {
    const payload = JSON.stringify({ sender_device: "100200300", phone: "987654321", message: "hi" })
    using(WhatsGate.start, { token: "t" }, async (strict) => {
      const send = (contentType: string) => post(`${strict.url}/send/text`, "t", payload, contentType)
      const plain = await send("text/plain")
      assert.deepStrictEqual([plain.status, plain.body], [415, {
        success: false,
        message: "Content-Type must be application/json"
      }])
      assert.strictEqual((await send("application/x-www-form-urlencoded")).status, 415)
      assert.strictEqual((await send("application/json; charset=utf-8")).status, 200)
      assert.strictEqual((await send("application/json")).status, 200)
      assert.strictEqual(strict.counters.sent, 2)
      assert.deepStrictEqual(strict.requests().map((r) => r.contentType), [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-8",
        "application/json"
      ])
      // The token is checked first: no token with a wrong type is still a 403.
      assert.strictEqual((await post(`${strict.url}/send/text`, undefined, payload, "text/plain")).status, 403)
    })
    using(WhatsGate.start, { token: "t", contentTypeCheck: "ignoreBody" }, async (laravel) => {
      const ignored = await post(`${laravel.url}/send/text`, "t", payload, "text/plain")
      assert.strictEqual(ignored.status, 422)
      assert.deepStrictEqual(Object.keys((ignored.body as { errors: object }).errors).sort(), [
        "message",
        "phone",
        "sender_device"
      ])
    })
    using(WhatsGate.start, { token: "t", contentTypeCheck: "off" }, async (lenient) => {
      assert.strictEqual((await post(`${lenient.url}/send/text`, "t", payload, "text/plain")).status, 200)
      assert.deepStrictEqual(lenient.requests().map((r) => r.contentType), ["text/plain"])
    })
  })

  it("fault controls: status with Retry-After, invalid JSON, wrong shape, drop, redirect, oversize, truncation", () =>
    using(WhatsGate.start, {}, async (fake) => {
      const status = `${fake.url}/status/${fake.device}`
      const headers = { "access-token": fake.token() }
      fake.failNext(1, 429, { retryAfter: "3" })
      const limited = await call(status, { headers })
      assert.deepStrictEqual([limited.status, limited.headers.get("retry-after")], [429, "3"])
      fake.invalidJsonNext(1)
      assert.strictEqual(typeof (await call(status, { headers })).body, "string")
      // On a send too: the fault takes the next request, whatever its route.
      fake.invalidJsonNext(1)
      const garbage = await post(`${fake.url}/send/text`, fake.token(), "{}")
      assert.throws(() => JSON.parse(garbage.text))
      fake.wrongShapeNext(1)
      assert.deepStrictEqual((await call(status, { headers })).body, { unexpected: [1, 2, 3] })
      fake.dropNext(1)
      assert.strictEqual((await call(status, { headers })).status, 0)
      fake.redirectNext(1, "http://127.0.0.1:1/elsewhere")
      const redirected = await call(status, { headers })
      assert.deepStrictEqual([redirected.status, redirected.headers.get("location")], [
        302,
        "http://127.0.0.1:1/elsewhere"
      ])
      fake.oversizeNext(1, 200_000, { declareLength: true })
      const big = await call(status, { headers })
      assert.strictEqual((big.body as string).length, 200_000)
      assert.strictEqual(fake.oversizeBytesWritten(), 200_000)
      fake.truncateNext(1)
      assert.strictEqual((await call(status, { headers })).status, 0)
      assert.strictEqual((await call(status, { headers })).status, 200)
      assert.strictEqual(fake.counters.requests, 9)
    }))

  it("devices: the connected one is the fake's device; unknown paths are 404 and not counted; env", () =>
    using(WhatsGate.start, { devices: { "7": "disconnected", "8": "connected" } }, async (fake) => {
      assert.strictEqual((await call(`${fake.url}/nothing`)).status, 404)
      assert.strictEqual(fake.counters.requests, 0)
      assert.strictEqual(fake.device, "8")
      assert.deepStrictEqual(fake.env(), {
        WHATSGATE_URL: fake.url,
        WHATSGATE_ACCESS_TOKEN: fake.token(),
        WHATSGATE_DEVICE: "8"
      })
    }))
})
