/**
 * The official JS SDK's requests, as gunbot-sdk-js 0.1.4 sends them, replayed over a real socket against the fake.
 *
 * Read from the SDK's `src/api/GunbotApi.js` and `src/ApiClient.js` (superagent): the base path ends in `/api/v1`;
 * every call gets `Accept: application/json`; `Content-Type: application/json` is set on every call, even a GET
 * without a body (the generated `callApi` sets it when the operation declares no content type); `authLogin` lists
 * BearerAuth too, so `Authorization: Bearer <token>` goes on login only when a token is configured; `balances` is a
 * POST with no body at all (Node then frames it as an empty chunked body); `tradeBuy` posts the body it is given
 * as JSON, `{ "data": { exch, pair, amt, price } }` per the specification. gunbot-mcp differs only in sending `{}`
 * as the balances body. No SDK code runs here: these are the shapes, written out.
 */
import { GunbotFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Http from "node:http"

interface Sent {
  readonly status: number
  readonly contentType: string
  readonly body: unknown
}

/** One request exactly as written: these headers, this body (or none), over a fresh connection. */
const send = (
  base: string,
  method: "GET" | "POST",
  path: string,
  headers: Record<string, string>,
  body?: string
): Effect.Effect<Sent> =>
  Effect.callback<Sent>((resume) => {
    const request = Http.request(`${base}${path}`, { method, headers, agent: false }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let json: unknown = text
        try {
          json = JSON.parse(text)
        } catch {
          // Kept as text.
        }
        resume(Effect.succeed({
          status: response.statusCode ?? 0,
          contentType: String(response.headers["content-type"] ?? ""),
          body: json
        }))
      })
    })
    request.on("error", (error) => resume(Effect.die(error)))
    request.setTimeout(5_000, () => request.destroy(new Error("timed out")))
    if (body !== undefined) request.end(body)
    else request.end()
  })

const json = { "Content-Type": "application/json", Accept: "application/json" }

describe("official SDK request shapes (gunbot-sdk-js 0.1.4)", () => {
  it.live("login, status, balances and tradeBuy as the SDK sends them are accepted", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const body = JSON.stringify({ password: fake.encryptedPassword() })
      const login = yield* send(fake.url, "POST", "/api/v1/auth/login", {
        ...json,
        "Content-Length": String(Buffer.byteLength(body))
      }, body)
      assert.strictEqual(login.status, 200)
      const { status, token } = login.body as { status: string; token: string }
      assert.strictEqual(status, "success")
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/)
      assert.isUndefined(fake.lastHeaders()["authorization"], "the SDK sent no Authorization on login")
      const bearer = { ...json, Authorization: `Bearer ${token}` }

      const authStatus = yield* send(fake.url, "GET", "/api/v1/auth/status", bearer)
      assert.strictEqual(authStatus.status, 200)
      assert.deepStrictEqual(authStatus.body, {
        code: 200,
        isDemo: false,
        isRegistered: true,
        isTwoFA: false,
        metamask: false,
        status: "success",
        message: "Authenticated"
      })
      assert.strictEqual(fake.lastHeaders()["content-type"], "application/json", "a GET with a JSON content type")

      const balances = yield* send(fake.url, "POST", "/api/v1/balances", { ...bearer, "Transfer-Encoding": "chunked" })
      assert.strictEqual(balances.status, 200)
      assert.isArray(balances.body)
      assert.deepStrictEqual(Object.keys((balances.body as Array<object>)[0]!), [
        "Asset",
        "Exchange",
        "Available Qty",
        "On Order"
      ])

      const order = JSON.stringify({ data: { exch: "binance", pair: "USDT-BTC", amt: 1, price: 50000 } })
      const trade = yield* send(fake.url, "POST", "/api/v1/trade/buy", {
        ...bearer,
        "Content-Length": String(Buffer.byteLength(order))
      }, order)
      assert.deepStrictEqual([trade.status, trade.body], [200, { status: "success", message: "Order sent" }])
      assert.deepStrictEqual(fake.orders(), [
        { route: "/api/v1/trade/buy", exch: "binance", pair: "USDT-BTC", amt: 1, price: 50000 }
      ])
      assert.deepStrictEqual([fake.counters.logins, fake.counters.authorized, fake.counters.rejected], [1, 3, 0])
    }))

  it.live("variants other clients send are accepted too; what the spec refuses is refused", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      // The documentation's login examples carry a (placeholder) bearer token: ignored.
      const body = JSON.stringify({ password: fake.encryptedPassword() })
      const login = yield* send(fake.url, "POST", "/api/v1/auth/login", {
        ...json,
        Authorization: "Bearer YOUR_BEARER_TOKEN"
      }, body)
      assert.strictEqual(login.status, 200)
      const token = (login.body as { token: string }).token
      // gunbot-mcp: balances with a `{}` body.
      const balances = yield* send(fake.url, "POST", "/api/v1/balances", {
        "Content-Type": "application/json",
        Authorization: `Bearer ${token}`
      }, "{}")
      assert.strictEqual(balances.status, 200)
      // No token: the specification's Unauthorized example.
      const anonymous = yield* send(fake.url, "POST", "/api/v1/balances", json)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [401, {
        status: "error",
        message: "Authentication required",
        code: 401
      }])
      // A GET of /balances is no route: Express's default 404 page.
      const get = yield* send(fake.url, "GET", "/api/v1/balances", { Authorization: `Bearer ${token}` })
      assert.strictEqual(get.status, 404)
      assert.include(get.contentType, "text/html")
      assert.include(String(get.body), "Cannot GET /api/v1/balances")
    }))
})
