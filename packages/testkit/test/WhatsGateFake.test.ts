import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FakeServer from "../src/FakeServer.js"
import * as GunbotFake from "../src/GunbotFake.js"
import * as WhatsGateFake from "../src/WhatsGateFake.js"

const call = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    client.execute(request).pipe(
      Effect.flatMap((response) =>
        Effect.map(response.text, (text) => ({ status: response.status, text, headers: response.headers }))
      )
    ))

describe("WhatsGateFake", () => {
  it.scoped("answers the two documented 403 bodies exactly", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make({ token: "good" })
      const missing = yield* call(HttpClientRequest.get(`${fake.url}/status/${fake.device}`))
      assert.deepStrictEqual([missing.status, missing.text], [403, "{\"message\":\"an Access-Token is required\"}"])
      const wrong = yield* call(
        HttpClientRequest.get(`${fake.url}/status/${fake.device}`).pipe(
          HttpClientRequest.setHeader("Access-Token", "bad")
        )
      )
      assert.deepStrictEqual([wrong.status, wrong.text], [403, "{\"message\":\"invalid Access-Token\"}"])
      const ok = yield* call(
        HttpClientRequest.get(`${fake.url}/status/${fake.device}`).pipe(
          HttpClientRequest.setHeader("Access-Token", "good")
        )
      )
      assert.deepStrictEqual([ok.status, JSON.parse(ok.text)], [200, { success: true, message: "connected" }])
      assert.deepStrictEqual(fake.counters, { requests: 3, rejected: 1, missing: 1, sent: 0, regenerations: 0 })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("a regenerated token refuses the old value at once", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make()
      const old = fake.token()
      const fresh = fake.regenerateToken()
      assert.notStrictEqual(old, fresh)
      const send = (token: string) =>
        call(
          HttpClientRequest.post(`${fake.url}/send/text`).pipe(
            HttpClientRequest.setHeader("Access-Token", token),
            HttpClientRequest.bodyUnsafeJson({ sender_device: fake.device, phone: "987654321", message: "hi" })
          )
        )
      assert.strictEqual((yield* send(old)).status, 403)
      const sent = yield* send(fresh)
      assert.deepStrictEqual(JSON.parse(sent.text), { success: true, message: "Message sent successfully" })
      assert.strictEqual(fake.env().WHATSGATE_ACCESS_TOKEN, fresh)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("validation, business errors and injected faults", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make({ token: "t", businessErrorStatus: 200 })
      const post = (path: string, body: unknown) =>
        call(
          HttpClientRequest.post(`${fake.url}${path}`).pipe(
            HttpClientRequest.setHeader("Access-Token", "t"),
            HttpClientRequest.bodyUnsafeJson(body)
          )
        )
      const invalid = yield* post("/send/text", { sender_device: fake.device })
      assert.strictEqual(invalid.status, 422)
      assert.deepStrictEqual(Object.keys(JSON.parse(invalid.text).errors).sort(), ["message", "phone"])
      const badPhone = yield* post("/send/text", { sender_device: fake.device, phone: "12ab", message: "x" })
      assert.deepStrictEqual([badPhone.status, JSON.parse(badPhone.text)], [200, {
        success: false,
        message: "Invalid phone number format"
      }])
      const tooLong = yield* post("/send/text", {
        sender_device: fake.device,
        phone: "987654321",
        message: "x".repeat(4001)
      })
      assert.strictEqual(tooLong.status, 422)
      fake.failNext(1, 429, { retryAfter: "2" })
      const limited = yield* post("/send/text", {})
      assert.deepStrictEqual([limited.status, limited.headers["retry-after"]], [429, "2"])
      fake.invalidJsonNext(1)
      const garbage = yield* post("/send/text", {})
      assert.throws(() => JSON.parse(garbage.text))
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("a POST whose body is not declared application/json: 415 by default, Laravel-style 422, or accepted", () =>
    Effect.gen(function*() {
      const payload = JSON.stringify({ sender_device: "100200300", phone: "987654321", message: "hi" })
      const post = (fake: WhatsGateFake.WhatsGateFake, contentType: string) =>
        call(
          HttpClientRequest.post(`${fake.url}/send/text`).pipe(
            HttpClientRequest.setHeader("Access-Token", "t"),
            HttpClientRequest.bodyText(payload, contentType)
          )
        )
      const strict = yield* WhatsGateFake.make({ token: "t" })
      const plain = yield* post(strict, "text/plain")
      assert.deepStrictEqual([plain.status, JSON.parse(plain.text)], [415, {
        success: false,
        message: "Content-Type must be application/json"
      }])
      assert.strictEqual((yield* post(strict, "application/x-www-form-urlencoded")).status, 415)
      assert.strictEqual((yield* post(strict, "application/json; charset=utf-8")).status, 200)
      assert.strictEqual((yield* post(strict, "application/json")).status, 200)
      assert.strictEqual(strict.counters.sent, 2)
      // The token is checked first: a wrong token with a wrong type is still a 403.
      const anonymous = yield* call(
        HttpClientRequest.post(`${strict.url}/send/text`).pipe(HttpClientRequest.bodyText(payload, "text/plain"))
      )
      assert.strictEqual(anonymous.status, 403)

      const laravel = yield* WhatsGateFake.make({ token: "t", contentTypeCheck: "ignoreBody" })
      const ignored = yield* post(laravel, "text/plain")
      assert.strictEqual(ignored.status, 422)
      assert.deepStrictEqual(Object.keys(JSON.parse(ignored.text).errors).sort(), ["message", "phone", "sender_device"])

      const lenient = yield* WhatsGateFake.make({ token: "t", contentTypeCheck: "off" })
      assert.strictEqual((yield* post(lenient, "text/plain")).status, 200)
      assert.deepStrictEqual(lenient.requests().map((r) => r.contentType), ["text/plain"])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("FakeServer.Cors reaches the shared fakes: a browser's preflight, then headers on every answer", () =>
    Effect.gen(function*() {
      const page = "http://127.0.0.1:5173"
      const preflight = (url: string) =>
        call(
          HttpClientRequest.make("OPTIONS")(url).pipe(
            HttpClientRequest.setHeaders({
              origin: page,
              "access-control-request-method": "POST",
              "access-control-request-headers": "access-token,content-type"
            })
          )
        )
      const closed = yield* WhatsGateFake.make({ token: "t" })
      const refused = yield* preflight(`${closed.url}/send/text`)
      assert.isUndefined(refused.headers["access-control-allow-origin"])

      const [whatsgate, gunbot] = yield* Effect.all([
        WhatsGateFake.make({ token: "t" }),
        GunbotFake.make()
      ]).pipe(Effect.provideService(FakeServer.Cors, [page]))
      const allowed = yield* preflight(`${whatsgate.url}/send/text`)
      assert.deepStrictEqual(
        [
          allowed.status,
          allowed.headers["access-control-allow-origin"],
          allowed.headers["access-control-allow-headers"]
        ],
        [204, page, "access-token,content-type"]
      )
      assert.strictEqual(whatsgate.counters.requests, 0)
      const status = yield* call(
        HttpClientRequest.get(`${whatsgate.url}/status/${whatsgate.device}`).pipe(
          HttpClientRequest.setHeaders({ origin: page, "access-token": "t" })
        )
      )
      assert.deepStrictEqual([status.status, status.headers["access-control-allow-origin"]], [200, page])
      whatsgate.failNext(1, 503)
      const failed = yield* call(
        HttpClientRequest.get(`${whatsgate.url}/status/${whatsgate.device}`).pipe(
          HttpClientRequest.setHeaders({ origin: page, "access-token": "t" })
        )
      )
      assert.deepStrictEqual([failed.status, failed.headers["access-control-allow-origin"]], [503, page])
      const login = yield* preflight(`${gunbot.url}/api/v1/auth/login`)
      assert.deepStrictEqual([login.status, login.headers["access-control-allow-origin"]], [204, page])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
