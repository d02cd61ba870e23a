/**
 * The Gunbot fake without Effect, over `fetch`: the docs' password encryption and the ENC: login, the HS256 tokens on
 * the fake's clock, the protected routes and what refuses them, the switches (wrong-password status, top-level
 * orders, unknown routes), balances and orders, the fault controls. (The v4 testkit's `GunbotFake` tests held these
 * cases until they were found to run this same fake; the wrapper's own tests keep only what `make` adds.)
 */
import { createHmac } from "node:crypto"
import { assert, describe, it } from "vitest"
import * as Gunbot from "../src/Gunbot.js"
import { fetchAnswer } from "./utils.js"

const call = async (url: string, init: RequestInit = {}) => {
  const answer = await fetchAnswer(url, init)
  return { ...answer, contentType: answer.headers.get("content-type") ?? "" }
}

/** Runs `use` with a `start` whose fakes are all closed after it, whatever the outcome. */
const withFakes = async (use: (start: (options?: Gunbot.Options) => Promise<Gunbot.GunbotFake>) => Promise<void>) => {
  const started: Array<Gunbot.Handle> = []
  try {
    await use(async (options) => {
      const fake = await Gunbot.start(options)
      started.push(fake)
      return fake
    })
  } finally {
    await Promise.all(started.map((fake) => fake.close()))
  }
}

const login = (fake: Gunbot.GunbotFake, password: unknown = fake.encryptedPassword()) =>
  call(`${fake.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ password })
  })

const tokenOf = (body: unknown) => (body as { token: string }).token

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"))

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe("Gunbot.start: the fake's protocol", () => {
  it("the docs' encryption: a known vector, and the login accepts only the ENC: form of the password", () =>
    withFakes(async (start) => {
      // The same vector the v3 gunbot package's GunbotPassword test checks.
      assert.strictEqual(
        Gunbot.encryptPassword("hunter2-long-password!", "0123456789abcdefXX"),
        "ENC:AGJJSTs7qs1sZ7bV55UlBBd2MIGj2/Wh5t8iXTRXLCw="
      )
      const fake = await start({ password: "pw-1", gunthyWallet: "0123456789abcdef-wallet" })
      assert.strictEqual(fake.encryptedPassword(), Gunbot.encryptPassword("pw-1", "0123456789abcdef-wallet"))
      const plain = await login(fake, "pw-1")
      assert.deepStrictEqual([plain.status, plain.body], [401, {
        status: "error",
        message: "Invalid password",
        code: 401
      }])
      const missing = await login(fake, "")
      assert.deepStrictEqual([missing.status, missing.body], [400, { status: "error", message: "Invalid input" }])
      const ok = await login(fake)
      assert.strictEqual(ok.status, 200)
      assert.strictEqual((ok.body as { status: string }).status, "success")
      assert.deepStrictEqual([fake.counters.logins, fake.counters.failedLogins, fake.counters.requests], [1, 1, 3])
      assert.deepStrictEqual(fake.env(), {
        GUNBOT_URL: fake.url,
        GUNBOT_PASSWORD: "pw-1",
        GUNBOT_WALLET: "0123456789abcdef-wallet"
      })
    }))

  it("tokens: HS256 with the fake's secret, iat/exp on its clock, exp switchable", () =>
    withFakes(async (start) => {
      const fake = await start({ now: () => 1_700_000_000_000, tokenLifetimeSeconds: 300 })
      const token = tokenOf((await login(fake)).body)
      const [head, body, signature] = token.split(".")
      assert.strictEqual(
        createHmac("sha256", fake.jwtSecret).update(`${head}.${body}`).digest("base64url"),
        signature
      )
      const claims = claimsOf(token)
      assert.deepStrictEqual([claims.iat, claims.exp, claims.jti], [1_700_000_000, 1_700_000_300, 1])
      fake.setTokenLifetime(60)
      assert.strictEqual(claimsOf(tokenOf((await login(fake)).body)).exp, 1_700_000_060)
      const noExp = await start({ includeExp: false })
      assert.isUndefined(claimsOf(tokenOf((await login(noExp)).body)).exp)
    }))

  it("protected routes: 401 ErrorResponse without a valid token; revoke, expire and a password change", () =>
    withFakes(async (start) => {
      let now = 1_700_000_000_000
      const fake = await start({ now: () => now, tokenLifetimeSeconds: 60 })
      const status = (token: string) => call(`${fake.url}/api/v1/auth/status`, { headers: bearer(token) })
      const anonymous = await call(`${fake.url}/api/v1/auth/status`)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [401, {
        status: "error",
        message: "Authentication required",
        code: 401
      }])
      const first = tokenOf((await login(fake)).body)
      assert.strictEqual((await status(first)).status, 200)
      assert.strictEqual((await status(`${first}x`)).status, 401, "a forged signature")
      now += 61_000
      assert.strictEqual((await status(first)).status, 401, "past exp on the fake's clock")
      const second = tokenOf((await login(fake)).body)
      fake.expireTokens()
      assert.strictEqual((await status(second)).status, 401)
      const third = tokenOf((await login(fake)).body)
      fake.revokeTokens()
      assert.strictEqual((await status(third)).status, 401)
      const fourth = tokenOf((await login(fake)).body)
      const old = fake.encryptedPassword()
      fake.changePassword("another")
      assert.strictEqual((await status(fourth)).status, 401, "a password change revokes the tokens")
      assert.strictEqual((await login(fake, old)).status, 401, "the old password is refused")
      assert.strictEqual(fake.password(), "another")
      assert.strictEqual((await login(fake)).status, 200)
      assert.deepStrictEqual([fake.counters.authorized, fake.counters.rejected], [1, 6])
      assert.strictEqual(fake.lastHeaders()["content-type"], "application/json")
    }))

  it("a wrong password's status is switchable: 400, or 200 with the ErrorResponse body", () =>
    withFakes(async (start) => {
      for (const wrongPasswordStatus of [400, 200] as const) {
        const fake = await start({ wrongPasswordStatus })
        const refused = await login(fake, "ENC:d3Jvbmc=")
        assert.deepStrictEqual([refused.status, (refused.body as { status: string }).status], [
          wrongPasswordStatus,
          "error"
        ])
        assert.strictEqual(fake.counters.failedLogins, 1)
      }
    }))

  it("balances by POST with Gunbot's keys; orders under data, top level only when switched", () =>
    withFakes(async (start) => {
      const fake = await start()
      const token = tokenOf((await login(fake)).body)
      const balances = await call(`${fake.url}/api/v1/balances`, { method: "POST", headers: bearer(token) })
      assert.deepStrictEqual((balances.body as Array<unknown>)[0], {
        Asset: "USDT",
        Exchange: "binance",
        "Available Qty": "1000.00000000",
        "On Order": "0.00000000"
      })
      const post = (f: Gunbot.GunbotFake, path: string, body: unknown) =>
        call(`${f.url}${path}`, {
          method: "POST",
          headers: { ...bearer(token), "content-type": "application/json" },
          body: JSON.stringify(body)
        })
      const limit = { exch: "binance", pair: "USDT-BTC", amt: 1, price: 2 }
      assert.deepStrictEqual((await post(fake, "/api/v1/trade/buy", { data: limit })).body, {
        status: "success",
        message: "Order sent"
      })
      assert.strictEqual(
        (await post(fake, "/api/v1/trade/sell/market", { data: { ...limit, price: null } })).status,
        200
      )
      const noPrice = await post(fake, "/api/v1/trade/sell", { data: { ...limit, price: undefined } })
      assert.deepStrictEqual([noPrice.status, noPrice.body], [400, { status: "error", message: "Invalid input" }])
      assert.strictEqual((await post(fake, "/api/v1/trade/buy", limit)).status, 400)
      assert.deepStrictEqual(fake.orders(), [
        { route: "/api/v1/trade/buy", ...limit },
        { route: "/api/v1/trade/sell/market", ...limit, price: undefined }
      ])
      const lenient = await start({ acceptTopLevelOrder: true, password: fake.password() })
      const other = tokenOf((await login(lenient)).body)
      const accepted = await call(`${lenient.url}/api/v1/trade/buy/market`, {
        method: "POST",
        headers: { ...bearer(other), "content-type": "application/json" },
        body: JSON.stringify({ exch: "binance", pair: "USDT-ETH", amt: 3 })
      })
      assert.strictEqual(accepted.status, 200)
      assert.strictEqual(lenient.orders().length, 1)
    }))

  it("an unknown route: Express's 404 page, a 404 ErrorResponse, or the web app's page under 200", () =>
    withFakes(async (start) => {
      const html = await start()
      const page = await call(`${html.url}/api/v1/balances`)
      assert.deepStrictEqual([page.status, page.contentType], [404, "text/html; charset=utf-8"])
      assert.include(String(page.body), "<pre>Cannot GET /api/v1/balances</pre>")
      const json = await start({ unknownRoute: "json" })
      const refused = await call(`${json.url}/api/v1/pnl`, { method: "POST" })
      assert.deepStrictEqual([refused.status, refused.body], [404, {
        status: "error",
        message: "Not found",
        code: 404
      }])
      const spa = await start({ unknownRoute: "spa" })
      const app = await call(`${spa.url}/gui/api/v1/auth/login`, { method: "POST" })
      assert.deepStrictEqual([app.status, app.contentType], [200, "text/html; charset=utf-8"])
      assert.include(String(app.body), "<div id=\"root\">")
      assert.deepStrictEqual([html.counters.notFound, json.counters.notFound, spa.counters.notFound], [1, 1, 1])
    }))

  it("fault controls: a status with Retry-After and a body, invalid JSON, a dropped connection", () =>
    withFakes(async (start) => {
      const fake = await start()
      fake.failNext(1, 429, { retryAfter: "3", body: { status: "error", message: "slow down" } })
      const limited = await fetch(`${fake.url}/api/v1/auth/login`, { method: "POST", body: "{}" }).then(async (r) => ({
        status: r.status,
        retryAfter: r.headers.get("retry-after"),
        body: await r.json()
      }))
      assert.deepStrictEqual(limited, { status: 429, retryAfter: "3", body: { status: "error", message: "slow down" } })
      fake.invalidJsonNext(1)
      assert.strictEqual(typeof (await login(fake)).body, "string")
      fake.dropNext(1)
      assert.strictEqual((await login(fake)).status, 0)
      assert.strictEqual((await login(fake)).status, 200)
      assert.deepStrictEqual([fake.counters.requests, fake.counters.logins], [4, 1])
    }))
})
