import { GunbotFake, SecretScan, TestEnv } from "@authfx/testkit"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as GunbotAuthModule from "../src/GunbotAuth.js"
import { GunbotAuth } from "../src/GunbotAuth.js"
import * as GunbotClient from "../src/GunbotClient.js"

const Http = NodeHttpClient.layerUndici

/** A Gunbot fake on the test's clock, and a client for it. */
const setup = (
  options: GunbotFake.Options & { readonly client?: Partial<GunbotClient.Options & GunbotAuthModule.Options> } = {}
) =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const fake = yield* GunbotFake.make({
      password: SecretScan.sentinel("gb-password"),
      now: () => clock.unsafeCurrentTimeMillis(),
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
    return { fake, client: Context.get(context, GunbotClient.GunbotClient), auth: Context.get(context, GunbotAuth) }
  })

const Balances = Schema.Array(Schema.Struct({
  exchange: Schema.String,
  asset: Schema.String,
  availableQty: Schema.String,
  onOrder: Schema.String
}))

describe("GunbotClient", () => {
  it.scoped("login, then status", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup()
      const status = yield* client.status
      assert.deepStrictEqual([status.status, status.message], ["success", "Authenticated"])
      const balances = yield* client.post("/balances", {}, Balances)
      assert.deepStrictEqual([...new Set(balances.map((b) => b.exchange))], ["binance"])
      const order = yield* client.post(
        "/trade/buy",
        { data: { exch: "binance", pair: "USDT-BTC", amt: 0.1, price: 65000 } },
        Schema.Struct({ message: Schema.String })
      )
      assert.strictEqual(order.message, "Order placed")
      assert.deepStrictEqual([fake.counters.logins, fake.counters.rejected], [1, 0])
    }).pipe(Effect.provide(Http)))

  it.scoped("a token about to expire is replaced by a new login before exp: no request fails", () =>
    Effect.gen(function*() {
      // 5-minute tokens: renewed at 80%, i.e. every 4 minutes, over 15 minutes.
      const { client, fake } = yield* setup({ tokenLifetimeSeconds: 300 })
      for (let t = 0; t < 900; t += 15) {
        yield* client.status
        yield* TestClock.adjust(Duration.seconds(15))
        // Let a background login that the clock move started finish its I/O.
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
      }
      assert.strictEqual(fake.counters.rejected, 0)
      // 0, then about every 240 s (±5% jitter): four or five logins, all before expiry.
      assert.isAtLeast(fake.counters.logins, 4)
      assert.isAtMost(fake.counters.logins, 5)
    }).pipe(Effect.provide(Http)))

  it.scoped("a revoked token: one re-login, one replay", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup()
      yield* client.status
      fake.revokeTokens()
      yield* client.status
      assert.deepStrictEqual([fake.counters.logins, fake.counters.rejected, fake.counters.authorized], [2, 1, 2])
    }).pipe(Effect.provide(Http)))

  it.scoped("1,000 concurrent calls on a cold start: one login", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup()
      const results = yield* Effect.all(Array.from({ length: 1000 }, () => Effect.either(client.status)), {
        concurrency: "unbounded"
      })
      assert.strictEqual(results.filter((r) => r._tag === "Right").length, 1000)
      assert.strictEqual(fake.counters.logins, 1)
    }).pipe(Effect.provide(Http)), 60_000)

  it.scoped("the password changed on Gunbot: CredentialsRejected (WrongPassword), no loop", () =>
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

  it.scoped("a token without exp is kept until a 401", () =>
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

  it.scoped("a wallet under 16 bytes fails typed before any request", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const error = yield* Effect.flip(
        Layer.build(
          GunbotClient.layer({ url: fake.url, password: Redacted.make("pw"), gunthyWallet: Redacted.make("short") })
            .pipe(Layer.provide(Http))
        )
      )
      assert.deepStrictEqual([error._tag, error.key], ["ConfigurationError", "GUNBOT_WALLET"])
      assert.strictEqual(fake.counters.requests, 0)
      const badUrl = yield* Effect.flip(
        Layer.build(
          GunbotClient.layer({ url: "localhost:3000", password: Redacted.make("ENC:x") }).pipe(Layer.provide(Http))
        )
      )
      assert.strictEqual(badUrl.key, "GUNBOT_URL")
    }))

  it.scoped("an already encrypted password is sent as it is", () =>
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

  it.scoped("layerConfig reads GUNBOT_URL, GUNBOT_PASSWORD and GUNBOT_WALLET", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const env = fake.env()
      yield* TestEnv.set(env)
      const context = yield* Layer.build(GunbotClient.layerConfig().pipe(Layer.provide(Http)))
      assert.strictEqual((yield* Context.get(context, GunbotClient.GunbotClient).status).message, "Authenticated")
    }))

  it.scoped("Gunbot's ErrorResponse and malformed answers are typed", () =>
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

  it.scoped("the password, the wallet and the JWT appear in no log, span, event or error", () =>
    Effect.gen(function*() {
      const capture = SecretScan.makeCapture()
      const seen: Array<unknown> = []
      const secrets: Array<string> = []
      yield* Effect.gen(function*() {
        const { auth, client, fake } = yield* setup({ tokenLifetimeSeconds: 60 })
        secrets.push(fake.password(), fake.gunthyWallet, fake.encryptedPassword())
        const events = yield* Effect.fork(Stream.runCollect(auth.events))
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
      }).pipe(Effect.provide(capture.layer))
      assert.isTrue(capture.spans.some((s) => s.name === "GunbotAuth.acquire"))
      yield* SecretScan.assertClean(secrets, { capture, values: seen })
    }).pipe(Effect.provide(Http)))

  it.scoped("a GUNBOT_URL ending in /api/v1 (the SDK's base path) is normalised, not doubled", () =>
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

  it.scoped("the official SDK's request shapes: balances by POST (an array), an order under `data`", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ client: { retry: false } })
      const asGet = yield* Effect.flip(client.get("/balances", Schema.Unknown))
      assert.include(["GunbotApiError", "ProtocolError"], asGet._tag, "a GET of /balances is a typed error (404)")
      const topLevel = yield* Effect.flip(
        client.post("/trade/buy", { exch: "binance", pair: "USDT-BTC", amt: 0.1, price: 1 }, Schema.Unknown)
      )
      assert.strictEqual(topLevel._tag, "GunbotApiError")
    }).pipe(Effect.provide(Http)))
})
