import { GunbotFake, SecretScan, TestEnv } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
import * as GunbotAuthModule from "../src/GunbotAuth.js"
import { GunbotAuth } from "../src/GunbotAuth.js"
import * as GunbotClient from "../src/GunbotClient.js"

// The v4 workspace has no `@effect/platform-node` (v3's tests use undici): effect 4's own `fetch` client, over real
// loopback sockets.
const Http = FetchHttpClient.layer

/** A short real wait, for I/O to happen; never for a timer (those move with the TestClock). */
const io = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

/** A Gunbot fake on the test's clock, and a client for it. */
const setup = (
  options: GunbotFake.Options & { readonly client?: Partial<GunbotClient.Options & GunbotAuthModule.Options> } = {}
) =>
  Effect.gen(function*() {
    const clock = yield* Clock.Clock
    const fake = yield* GunbotFake.make({
      password: SecretScan.sentinel("gb-password"),
      now: () => clock.currentTimeMillisUnsafe(),
      ...options
    })
    const context = yield* Layer.build(
      GunbotClient.layer({
        url: fake.url,
        password: Redacted.make(fake.password()),
        gunthyWallet: Redacted.make(fake.gunthyWallet),
        ...options.client
      }).pipe(Layer.provide(Http))
    )
    return {
      fake,
      context,
      client: Context.get(context, GunbotClient.GunbotClient),
      auth: Context.get(context, GunbotAuth)
    }
  })

/** `Tag(reason)` of the failure of a result, for a short assertion. */
const failureOf = <A, E>(result: Result.Result<A, E>) => {
  assert.isTrue(Result.isFailure(result), "the call failed")
  const error = (result as Result.Failure<A, E>).failure as { readonly _tag: string; readonly reason?: string }
  return `${error._tag}(${error.reason})`
}

describe("GunbotClient", () => {
  it.effect("login, then status", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup()
      const status = yield* client.status
      assert.deepStrictEqual([status.status, status.message], ["success", "Authenticated"])
      const balances = yield* client.balances
      assert.deepStrictEqual(balances[0], {
        asset: "USDT",
        exchange: "binance",
        availableQty: "1000.00000000",
        onOrder: "0.00000000"
      })
      const order = yield* client.buy({ exch: "binance", pair: "USDT-BTC", amt: 0.1, price: 65000 })
      assert.strictEqual(order.message, "Order sent")
      assert.deepStrictEqual([fake.counters.logins, fake.counters.rejected], [1, 0])
    }).pipe(Effect.provide(Http)))

  it.effect("a token about to expire is replaced by a new login before exp: no request fails", () =>
    Effect.gen(function*() {
      // 5-minute tokens: renewed at 80%, i.e. every 4 minutes, over 15 minutes.
      const { client, fake } = yield* setup({ tokenLifetimeSeconds: 300 })
      for (let t = 0; t < 900; t += 15) {
        yield* client.status
        yield* TestClock.adjust(Duration.seconds(15))
        // Let a background login that the clock move started finish its I/O.
        yield* io(5)
      }
      assert.strictEqual(fake.counters.rejected, 0)
      // 0, then about every 240 s (±5% jitter): four or five logins, all before expiry.
      assert.isAtLeast(fake.counters.logins, 4)
      assert.isAtMost(fake.counters.logins, 5)
    }).pipe(Effect.provide(Http)))

  it.effect("a revoked token: one re-login, one replay", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup()
      yield* client.status
      fake.revokeTokens()
      yield* client.status
      assert.deepStrictEqual([fake.counters.logins, fake.counters.rejected, fake.counters.authorized], [2, 1, 2])
    }).pipe(Effect.provide(Http)))

  it.effect("1,000 concurrent calls on a cold start: one login", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup()
      const results = yield* Effect.all(Array.from({ length: 1000 }, () => Effect.result(client.status)), {
        concurrency: "unbounded"
      })
      assert.strictEqual(results.filter(Result.isSuccess).length, 1000)
      assert.strictEqual(fake.counters.logins, 1)
    }).pipe(Effect.provide(Http)), 180_000) // 1,000 fetch exchanges: about 2 s alone, much longer on a loaded 2-core machine

  it.effect("the password changed on Gunbot: CredentialsRejected (WrongPassword), no loop", () =>
    Effect.gen(function*() {
      for (const wrongPasswordStatus of [401, 400, 200] as const) {
        const { client, fake } = yield* setup({ wrongPasswordStatus })
        yield* client.status
        fake.changePassword("another-password")
        const error = yield* Effect.flip(client.status)
        assert.strictEqual(error._tag, "CredentialsRejected")
        if (error._tag === "CredentialsRejected") assert.strictEqual(error.reason, "WrongPassword")
        assert.strictEqual(fake.counters.failedLogins, 1)
        const again = yield* Effect.flip(client.status)
        assert.strictEqual(again._tag, "CredentialsRejected")
        assert.strictEqual(fake.counters.failedLogins, 2)
      }
    }).pipe(Effect.provide(Http)))

  it.effect("a token without exp is kept until a 401", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ includeExp: false })
      yield* client.status
      yield* TestClock.adjust(Duration.days(30))
      yield* client.status
      assert.strictEqual(fake.counters.logins, 1)
      fake.expireTokens()
      yield* client.status
      assert.strictEqual(fake.counters.logins, 2)
    }).pipe(Effect.provide(Http)))

  it.effect("a wallet under 16 bytes fails typed before any request", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const error = yield* Effect.flip(
        Layer.build(
          GunbotClient.layer({ url: fake.url, password: Redacted.make("pw"), gunthyWallet: Redacted.make("short") })
            .pipe(Layer.provide(Http))
        )
      )
      // Configured in code: the error names the option, not a variable the application never used.
      assert.deepStrictEqual([error._tag, error.key], ["ConfigurationError", "gunthyWallet"])
      assert.notInclude(error.message, "GUNBOT_")
      assert.strictEqual(fake.counters.requests, 0)
      const badUrl = yield* Effect.flip(
        Layer.build(
          GunbotClient.layer({ url: "localhost:3000", password: Redacted.make("ENC:x") }).pipe(Layer.provide(Http))
        )
      )
      assert.strictEqual(badUrl.key, "url")
      assert.notInclude(badUrl.message, "GUNBOT_")
    }))

  it.effect("an already encrypted password is sent as it is", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const context = yield* Layer.build(
        GunbotClient.layer({ url: fake.url, password: Redacted.make(fake.encryptedPassword()) }).pipe(
          Layer.provide(Http)
        )
      )
      yield* Context.get(context, GunbotClient.GunbotClient).status
      assert.strictEqual(fake.counters.logins, 1)
    }))

  it.effect("layerConfig reads GUNBOT_URL, GUNBOT_PASSWORD and GUNBOT_WALLET", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const env = fake.env()
      yield* TestEnv.set(env)
      const context = yield* Layer.build(GunbotClient.layerConfig().pipe(Layer.provide(Http)))
      assert.strictEqual((yield* Context.get(context, GunbotClient.GunbotClient).status).message, "Authenticated")
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)))

  it.effect("a missing variable is a ConfigurationError naming it", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const withoutUrl = yield* Effect.flip(
        Layer.build(GunbotClient.layerConfig().pipe(Layer.provide(Http))).pipe(
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromEnvRecord({ GUNBOT_PASSWORD: "x", GUNBOT_WALLET: fake.gunthyWallet })
          )
        )
      )
      assert.deepStrictEqual([withoutUrl._tag, withoutUrl.key], ["ConfigurationError", "GUNBOT_URL"])
      const withoutPassword = yield* Effect.flip(
        Layer.build(GunbotClient.layerConfig().pipe(Layer.provide(Http))).pipe(
          Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({ GUNBOT_URL: fake.url }))
        )
      )
      assert.deepStrictEqual([withoutPassword._tag, withoutPassword.key], ["ConfigurationError", "GUNBOT_PASSWORD"])
      assert.strictEqual(fake.counters.requests, 0)
    }))

  it.effect("errors name a variable only when the value came from it: layerConfig's, and the options in code", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      yield* TestEnv.set({ ...fake.env(), GUNBOT_WALLET: "short" })
      const fromEnv = yield* Effect.flip(Layer.build(GunbotClient.layerConfig().pipe(Layer.provide(Http))))
      assert.strictEqual(fromEnv.key, "GUNBOT_WALLET")
      // A wrong password read from the environment: the rejection says which variables to check.
      yield* TestEnv.set({ ...fake.env(), GUNBOT_PASSWORD: "wrong-password" })
      const built = yield* Layer.build(GunbotClient.layerConfig({ retry: false }).pipe(Layer.provide(Http)))
      const rejected = yield* Effect.flip(Context.get(built, GunbotClient.GunbotClient).status)
      assert.include(rejected.message, "check GUNBOT_PASSWORD and GUNBOT_WALLET")
      // The same in code: the options are named, no variable.
      const inCode = yield* Layer.build(
        GunbotClient.layer({
          url: fake.url,
          password: Redacted.make("wrong-password"),
          gunthyWallet: Redacted.make(fake.gunthyWallet),
          retry: false
        }).pipe(Layer.provide(Http))
      )
      const refused = yield* Effect.flip(Context.get(inCode, GunbotClient.GunbotClient).status)
      assert.include(refused.message, "check password and gunthyWallet")
      assert.notInclude(refused.message, "GUNBOT_")
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)))

  it.effect("Gunbot's ErrorResponse and malformed answers are typed", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ client: { retry: false } })
      const invalid = yield* Effect.flip(client.post("/trade/buy", { data: { pair: 1 } }, Schema.Unknown))
      assert.strictEqual(invalid._tag, "GunbotApiError")
      if (invalid._tag === "GunbotApiError") assert.strictEqual(invalid.description, "Invalid input")
      fake.wrongShapeNext(1)
      assert.strictEqual((yield* Effect.flip(client.status))._tag, "ProtocolError")
      fake.invalidJsonNext(1)
      assert.strictEqual((yield* Effect.flip(client.status))._tag, "ProtocolError")
      fake.failNext(1, 503)
      assert.strictEqual((yield* Effect.flip(client.status))._tag, "TransportError")
    }).pipe(Effect.provide(Http)))

  it.effect("the password, the wallet and the JWT appear in no log, span, event or error", () =>
    Effect.gen(function*() {
      const capture = SecretScan.makeCapture()
      const seen: Array<unknown> = []
      const secrets: Array<string> = []
      const { auth, client, context, fake } = yield* setup({ tokenLifetimeSeconds: 60 }).pipe(
        Effect.provide(capture.layer)
      )
      // The program runs with the layers provided, and is where logs and dumps are rendered (effect 4 sets no
      // fiber-wide reference from a built layer).
      yield* Effect.gen(function*() {
        secrets.push(fake.password(), fake.gunthyWallet, fake.encryptedPassword())
        const events = yield* Effect.forkChild(Stream.runCollect(auth.events))
        yield* client.status
        const session = yield* auth.session
        secrets.push(Redacted.value(session.token))
        seen.push(session)
        yield* Effect.logDebug("session", session)
        fake.revokeTokens()
        yield* client.status
        fake.changePassword("changed")
        seen.push(yield* Effect.flip(client.status))
        seen.push(events)
        assert.isTrue(capture.spans.some((s) => s.name === "GunbotAuth.acquire"))
        assert.isAbove(capture.logs.length, 0)
        yield* SecretScan.assertClean(secrets, { capture, values: seen })
      }).pipe(Effect.provide(capture.layer), Effect.provide(context))
    }).pipe(Effect.provide(Http)))

  it.effect("a GUNBOT_URL ending in /api/v1 (the SDK's base path) is normalised, not doubled", () =>
    Effect.gen(function*() {
      const { fake } = yield* setup()
      const context = yield* Layer.build(
        GunbotClient.layer({
          url: `${fake.url}/api/v1/`,
          password: Redacted.make(fake.password()),
          gunthyWallet: Redacted.make(fake.gunthyWallet)
        }).pipe(Layer.provide(Http))
      )
      assert.strictEqual((yield* Context.get(context, GunbotClient.GunbotClient).status).message, "Authenticated")
      assert.strictEqual(fake.counters.logins, 1)
    }))

  it.effect("the official SDK's request shapes: balances by POST (an array), an order under `data`", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ client: { retry: false } })
      const asGet = yield* Effect.flip(client.get("/balances", Schema.Unknown))
      assert.strictEqual(asGet._tag, "ProtocolError", "a GET of /balances is a typed error (404)")
      assert.include(asGet.message, "GET /api/v1/balances")
      const topLevel = yield* Effect.flip(
        client.post("/trade/buy", { exch: "binance", pair: "USDT-BTC", amt: 0.1, price: 1 }, Schema.Unknown)
      )
      assert.strictEqual(topLevel._tag, "GunbotApiError")
    }).pipe(Effect.provide(Http)))
})

describe("GunbotClient routes (OpenAPI specification)", () => {
  it.effect("balances: Gunbot's keys (Asset, Exchange, Available Qty, On Order) decoded and renamed", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({
        balances: [
          { Asset: "PEPE", Exchange: "binance", "Available Qty": "15837566.43915128", "On Order": "0.00000000" },
          { Asset: "XRP", Exchange: "bybit", "Available Qty": "548.11945544", "On Order": "12.5" }
        ]
      })
      const balances = yield* client.balances
      assert.deepStrictEqual(balances, [
        { asset: "PEPE", exchange: "binance", availableQty: "15837566.43915128", onOrder: "0.00000000" },
        { asset: "XRP", exchange: "bybit", availableQty: "548.11945544", onOrder: "12.5" }
      ])
    }).pipe(Effect.provide(Http)))

  it.effect("the lowercase keys the fake used to invent do not decode: a ProtocolError", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ client: { retry: false } })
      fake.failNext(1, 200, { body: [{ exchange: "binance", asset: "USDT", availableQty: "1" }] })
      const error = yield* Effect.flip(client.balances)
      assert.deepStrictEqual([error._tag, error._tag === "ProtocolError" && error.reason], ["ProtocolError", "Decode"])
    }).pipe(Effect.provide(Http)))

  it.effect("buy, sell, buyMarket and sellMarket send { data: { exch, pair, amt, price } } to their routes", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup()
      yield* client.buy({ exch: "binance", pair: "USDT-BTC", amt: 0.001, price: 100000 })
      yield* client.sell({ exch: "binance", pair: "USDT-BTC", amt: 0.001, price: 105000 })
      yield* client.buyMarket({ exch: "binance", pair: "USDT-ETH", amt: 1 })
      const sent = yield* client.sellMarket({ exch: "bybit", pair: "USDT-ETH", amt: 1, price: 3000 })
      assert.deepStrictEqual(sent, { status: "success", message: "Order sent" })
      assert.deepStrictEqual(fake.orders(), [
        { route: "/api/v1/trade/buy", exch: "binance", pair: "USDT-BTC", amt: 0.001, price: 100000 },
        { route: "/api/v1/trade/sell", exch: "binance", pair: "USDT-BTC", amt: 0.001, price: 105000 },
        { route: "/api/v1/trade/buy/market", exch: "binance", pair: "USDT-ETH", amt: 1, price: undefined },
        { route: "/api/v1/trade/sell/market", exch: "bybit", pair: "USDT-ETH", amt: 1, price: 3000 }
      ])
    }).pipe(Effect.provide(Http)))

  it.effect("a limit order without a price: Gunbot's BadRequest as GunbotApiError naming the route", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ client: { retry: false } })
      const error = yield* Effect.flip(client.buy({ exch: "binance", pair: "USDT-BTC", amt: 1, price: Number.NaN }))
      assert.strictEqual(error._tag, "GunbotApiError")
      if (error._tag === "GunbotApiError") {
        assert.deepStrictEqual([error.status, error.description, error.route], [
          400,
          "Invalid input",
          "POST /api/v1/trade/buy"
        ])
      }
      assert.deepStrictEqual(fake.orders(), [])
    }).pipe(Effect.provide(Http)))

  it.effect("an order at the top level is refused by default, accepted when the fake is switched", () =>
    Effect.gen(function*() {
      const order = { exch: "binance", pair: "USDT-BTC", amt: 1, price: 1 }
      const strict = yield* setup({ client: { retry: false } })
      assert.strictEqual(
        (yield* Effect.flip(strict.client.post("/trade/buy", order, Schema.Unknown)))._tag,
        "GunbotApiError"
      )
      const lenient = yield* setup({ acceptTopLevelOrder: true })
      yield* lenient.client.post("/trade/buy", order, Schema.Unknown)
      assert.strictEqual(lenient.fake.orders().length, 1)
    }).pipe(Effect.provide(Http)))

  it.effect("an unknown route: 404 page, 404 ErrorResponse or an HTML page under 200 — each typed, naming the route", () =>
    Effect.gen(function*() {
      const html = yield* setup({ client: { retry: false } })
      const page = yield* Effect.flip(html.client.post("/balance", {}, Schema.Unknown))
      assert.strictEqual(page._tag, "ProtocolError")
      if (page._tag === "ProtocolError") assert.deepStrictEqual([page.reason, page.status], ["UnexpectedStatus", 404])
      assert.include(page.message, "no such API route: POST /api/v1/balance")
      assert.strictEqual(html.fake.counters.notFound, 1)
      // Catchable as such, and not retried (one request).
      const caught = yield* html.client.get("/nope?x=1", Schema.Unknown).pipe(
        Effect.catchTag("ProtocolError", (error) => Effect.succeed(error.status))
      )
      assert.deepStrictEqual([caught, html.fake.counters.notFound], [404, 2])

      const json = yield* setup({ unknownRoute: "json", client: { retry: false } })
      const refused = yield* Effect.flip(json.client.get("/pnl/nothing", Schema.Unknown))
      assert.strictEqual(refused._tag, "GunbotApiError")
      if (refused._tag === "GunbotApiError") {
        assert.deepStrictEqual([refused.status, refused.route], [404, "GET /api/v1/pnl/nothing"])
      }
      assert.include(refused.message, "GET /api/v1/pnl/nothing")

      const spa = yield* setup({ unknownRoute: "spa", client: { retry: false } })
      const app = yield* Effect.flip(spa.client.post("/balance", {}, Schema.Unknown))
      assert.strictEqual(app._tag, "ProtocolError")
      if (app._tag === "ProtocolError") assert.deepStrictEqual([app.reason, app.status], ["Decode", 200])
      assert.include(app.message, "POST /api/v1/balance answered an HTML page")
    }).pipe(Effect.provide(Http)))

  it.effect("a url that is not a Gunbot origin: the login's 404 page is a ProtocolError saying so", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const context = yield* Layer.build(
        GunbotClient.layer({
          url: `${fake.url}/gui`,
          password: Redacted.make(fake.password()),
          gunthyWallet: Redacted.make(fake.gunthyWallet),
          retry: false
        }).pipe(Layer.provide(Http))
      )
      const error = yield* Effect.flip(Context.get(context, GunbotClient.GunbotClient).status)
      assert.strictEqual(error._tag, "ProtocolError")
      if (error._tag === "ProtocolError") {
        assert.deepStrictEqual([error.reason, error.status], ["UnexpectedStatus", 404])
      }
      assert.include(error.message, "POST /api/v1/auth/login")
      assert.include(error.message, "url is not a Gunbot GUI origin")
      assert.notInclude(error.message, "GUNBOT_URL")
      assert.strictEqual(fake.counters.notFound, 1)
    }))

  it.effect("an API call whose body stalls after the headers ends at the default 30 s bound (TestClock)", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ client: { retry: false } })
      yield* client.status
      const before = fake.counters.requests
      fake.stallBodyNext(1)
      const call = yield* Effect.forkChild(Effect.result(client.status))
      // Real I/O: the request reaches the fake, which sends its headers and the start of a body, then nothing.
      yield* TestEnv.until(() => fake.counters.requests > before, "the stalled request")
      yield* io(20)
      yield* TestClock.adjust("29 seconds")
      assert.isUndefined(call.pollUnsafe(), "still waiting before the bound")
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(failureOf(yield* Fiber.join(call)), "TransportError(Timeout)")
      fake.clearFaults()
      yield* client.status
    }).pipe(Effect.provide(Http)))

  it.effect("a configured timeout bounds every call: get, post and the raw http client", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ client: { retry: false, timeout: "2 seconds" } })
      yield* client.status
      const stalled = <A, E>(call: Effect.Effect<A, E>) =>
        Effect.gen(function*() {
          const before = fake.counters.requests
          fake.stallBodyNext(1)
          const fiber = yield* Effect.forkChild(Effect.result(call))
          yield* TestEnv.until(() => fake.counters.requests > before, "the stalled request")
          yield* io(20)
          yield* TestClock.adjust("3 seconds")
          return failureOf(yield* Fiber.join(fiber))
        })
      assert.strictEqual(yield* stalled(client.get("/auth/status", Schema.Unknown)), "TransportError(Timeout)")
      assert.strictEqual(yield* stalled(client.post("/balances", {}, Schema.Unknown)), "TransportError(Timeout)")
      assert.strictEqual(
        yield* stalled(Effect.flatMap(client.http.get("/auth/status"), (response) => response.text)),
        "TransportError(Timeout)"
      )
    }).pipe(Effect.provide(Http)))
})
