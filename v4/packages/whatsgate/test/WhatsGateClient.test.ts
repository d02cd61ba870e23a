import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import { SecretScan, TestEnv, WhatsGateFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import { classify } from "../src/internal/response.js"
import { WhatsGateAuth } from "../src/WhatsGateAuth.js"
import * as WhatsGateClient from "../src/WhatsGateClient.js"

// The v4 workspace has no `@effect/platform-node`: effect 4's own `fetch` client, over real loopback sockets.
const Http = FetchHttpClient.layer

/** A fake, and a client whose token source a test can rotate. */
const setup = (options: WhatsGateFake.Options & { readonly clientOptions?: Partial<WhatsGateClient.Options> } = {}) =>
  Effect.gen(function*() {
    const fake = yield* WhatsGateFake.make({ token: SecretScan.sentinel("wg-token"), ...options })
    const source = { token: fake.token(), reads: 0 }
    const layer = WhatsGateClient.layer({
      url: fake.url,
      device: fake.device,
      token: Effect.sync(() => {
        source.reads += 1
        return Redacted.make(source.token)
      }),
      ...options.clientOptions
    }).pipe(Layer.provide(Http))
    const context = yield* Layer.build(layer)
    return {
      fake,
      source,
      context,
      client: Context.get(context, WhatsGateClient.WhatsGateClient),
      auth: Context.get(context, WhatsGateAuth)
    }
  })

/** Polls with short real waits, for I/O to happen; never for a timer. */
const ioUntil = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 2_000 && !condition(); i++) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
    assert.isTrue(condition(), "condition reached")
  })

describe("WhatsGateClient", () => {
  it.effect("a call whose body stalls after the headers ends at the default 30 s bound (TestClock)", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ clientOptions: { retry: false } })
      yield* client.status()
      const before = fake.counters.requests
      fake.stallBodyNext(1)
      const call = yield* Effect.forkChild(Effect.result(client.status()))
      // Real I/O: the request reaches the fake, which sends its headers and the start of a body, then nothing.
      yield* ioUntil(() => fake.counters.requests > before)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      yield* TestClock.adjust("29 seconds")
      assert.isUndefined(call.pollUnsafe(), "still waiting before the bound")
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(call)
      assert.strictEqual(result._tag, "Failure")
      const error = (result as { readonly failure: { readonly _tag: string; readonly reason?: string } }).failure
      assert.strictEqual(`${error._tag}(${error.reason})`, "TransportError(Timeout)")
      fake.clearFaults()
      yield* client.status()
    }).pipe(Effect.provide(Http)))

  it.effect("every documented endpoint round-trips", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ devices: { "100200300": "connected", "555": "disconnected" } })
      assert.strictEqual(yield* client.sendText({ phone: "987654321", message: "hello" }), "Message sent successfully")
      assert.strictEqual(
        yield* client.sendImage({ phone: "987654321", media: "https://example.com/a.png", caption: "a" }),
        "Message sent successfully"
      )
      assert.strictEqual(
        yield* client.sendVideo({ phone: "987654321", media: "https://example.com/v.mp4" }),
        "Message sent successfully"
      )
      assert.strictEqual(yield* client.status(), "connected")
      assert.strictEqual(yield* client.status("555"), "disconnected")
      assert.match(yield* client.connect("555"), /^data:image\/png;base64,/)
      const balance = yield* client.balance()
      assert.deepStrictEqual([balance.remaining, balance.successful_count], [997, 3])
      const failed = yield* client.failedNumbers({ from: "2026-01-01", to: "2026-01-31" })
      assert.deepStrictEqual(failed, [{ number: "987654321", date: "2026-01-01T12:00:00Z" }])
      assert.strictEqual(yield* client.deleteDevice("555"), "Device deleted successfully")
      assert.deepStrictEqual(fake.messages.map((m) => m.kind), ["text", "image", "video"])
      assert.strictEqual(fake.counters.rejected + fake.counters.missing, 0)
    }).pipe(Effect.provide(Http)))

  it.effect("a regenerated token rotated in its source: one re-read, one replay, success", () =>
    Effect.gen(function*() {
      const { client, fake, source } = yield* setup()
      yield* client.status()
      source.token = fake.regenerateToken()
      assert.strictEqual(
        yield* client.sendText({ phone: "987654321", message: "after rotation" }),
        "Message sent successfully"
      )
      assert.strictEqual(source.reads, 2)
      assert.strictEqual(fake.counters.rejected, 1)
      assert.strictEqual(fake.counters.requests, 3)
    }).pipe(Effect.provide(Http)))

  it.effect("regenerated but not rotated: CredentialsRejected, and no more requests with the dead token", () =>
    Effect.gen(function*() {
      const { client, fake, source } = yield* setup()
      yield* client.status()
      fake.regenerateToken()
      const error = yield* Effect.flip(client.status())
      assert.strictEqual(error._tag, "CredentialsRejected")
      assert.include(error.message, "regenerate it in the WhatsGate dashboard")
      assert.strictEqual(fake.counters.requests, 2)
      assert.strictEqual(source.reads, 2)
      // Later calls re-read the source, and send nothing while it is unchanged.
      const again = yield* Effect.flip(client.sendText({ phone: "987654321", message: "x" }))
      assert.strictEqual(again._tag, "CredentialsRejected")
      assert.strictEqual(fake.counters.requests, 2)
      // Once the source is rotated, calls go through again.
      source.token = fake.token()
      assert.strictEqual(yield* client.status(), "connected")
    }).pipe(Effect.provide(Http)))

  it.effect("`an Access-Token is required` is CredentialsMissing, never retried", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make()
      const http = yield* HttpClient.HttpClient
      const response = yield* http.get(`${fake.url}/status/${fake.device}`)
      const error = yield* Effect.flip(classify(response))
      assert.strictEqual(error._tag, "CredentialsMissing")
      const wrong = yield* http.execute(
        HttpClientRequest.get(`${fake.url}/status/${fake.device}`).pipe(
          HttpClientRequest.setHeader("Access-Token", "x")
        )
      )
      assert.strictEqual((yield* Effect.flip(classify(wrong)))._tag, "SessionRejected")
    }).pipe(Effect.provide(Http)))

  it.effect("an empty token is CredentialsMissing before any request", () =>
    Effect.gen(function*() {
      const { client, fake, source } = yield* setup()
      source.token = "   "
      const error = yield* Effect.flip(client.status())
      assert.strictEqual(error._tag, "CredentialsMissing")
      assert.strictEqual(fake.counters.requests, 0)
    }).pipe(Effect.provide(Http)))

  it.effect("a non-URL is a ConfigurationError before any request", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Layer.build(WhatsGateClient.layer({ url: "not a url", token: Redacted.make("t") }).pipe(Layer.provide(Http)))
      )
      assert.strictEqual(error._tag, "ConfigurationError")
      // Configured in code: the option is named, not a variable the application never used.
      assert.strictEqual(error.key, "url")
      yield* TestEnv.set({ WHATSGATE_URL: "not a url", WHATSGATE_ACCESS_TOKEN: "t" })
      const fromEnv = yield* Effect.flip(Layer.build(WhatsGateClient.layerConfig().pipe(Layer.provide(Http))))
      assert.strictEqual(fromEnv.key, "WHATSGATE_URL")
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)))

  it.effect("429 with Retry-After: waits for it, then succeeds", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup()
      fake.failNext(1, 429, { retryAfter: "3" })
      const fiber = yield* Effect.forkChild(client.sendText({ phone: "987654321", message: "rate limited" }))
      yield* ioUntil(() => fake.counters.requests === 1)
      yield* TestClock.adjust(Duration.millis(2_900))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      assert.strictEqual(fake.counters.requests, 1)
      yield* TestClock.adjust(Duration.millis(100))
      yield* ioUntil(() => fiber.pollUnsafe() !== undefined)
      assert.strictEqual(yield* Fiber.join(fiber), "Message sent successfully")
      assert.strictEqual(fake.counters.sent, 1)
    }).pipe(Effect.provide(Http)))

  it.effect("5xx: reads recover after the schedule; a send is not repeated (at most once)", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup()
      fake.failNext(2, 503)
      const fiber = yield* Effect.forkChild(client.status())
      yield* ioUntil(() => fake.counters.requests === 1)
      for (let i = 0; i < 200 && fiber.pollUnsafe() === undefined; i++) {
        yield* TestClock.adjust(Duration.seconds(1))
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
      }
      assert.strictEqual(yield* Fiber.join(fiber), "connected")
      assert.strictEqual(fake.counters.requests, 3)
      fake.failNext(1, 500)
      const error = yield* Effect.flip(client.sendText({ phone: "987654321", message: "once" }))
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(fake.counters.requests, 4)
    }).pipe(Effect.provide(Http)))

  it.effect("malformed answers are ProtocolErrors", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ clientOptions: { retry: false } })
      fake.invalidJsonNext(1)
      const invalid = yield* Effect.flip(client.status())
      assert.strictEqual(invalid._tag, "ProtocolError")
      assert.include(invalid.message, "not valid JSON")
      fake.wrongShapeNext(1)
      const shape = yield* Effect.flip(client.balance())
      assert.strictEqual(shape._tag, "ProtocolError")
      assert.include(shape.message, ".success: missing")
      fake.truncateNext(1)
      const truncated = yield* Effect.flip(client.status())
      assert.oneOf(truncated._tag, ["ProtocolError", "TransportError"])
    }).pipe(Effect.provide(Http)))

  it.effect("business and validation errors carry WhatsGate's message, whatever their status", () =>
    Effect.gen(function*() {
      for (const businessErrorStatus of [200, 400]) {
        const { client } = yield* setup({ businessErrorStatus })
        const error = yield* Effect.flip(client.sendText({ phone: "12ab", message: "x" }))
        assert.strictEqual(error._tag, "WhatsGateApiError")
        if (error._tag === "WhatsGateApiError") {
          assert.deepStrictEqual([error.reason, error.status, error.description], [
            "Business",
            businessErrorStatus,
            "Invalid phone number format"
          ])
        }
      }
      const { client } = yield* setup()
      const tooLong = yield* Effect.flip(client.sendText({ phone: "987654321", message: "x".repeat(4001) }))
      assert.strictEqual(tooLong._tag, "WhatsGateApiError")
      if (tooLong._tag === "WhatsGateApiError") {
        assert.strictEqual(tooLong.reason, "Validation")
        assert.deepStrictEqual(Object.keys(tooLong.fields ?? {}), ["message"])
      }
      const unknown = yield* Effect.flip(client.status("nope"))
      assert.strictEqual(unknown._tag === "WhatsGateApiError" && unknown.reason, "NotFound")
      const noDevice = yield* Effect.flip(
        Effect.flatMap(setup({ clientOptions: { device: undefined } }), ({ client }) => client.status())
      )
      assert.strictEqual(noDevice._tag, "ConfigurationError")
      assert.strictEqual(
        noDevice.message,
        "whatsgate: device is missing: name a device in the call or configure a default one"
      )
    }).pipe(Effect.provide(Http)))

  it.effect("layerConfig reads WHATSGATE_* and re-reads the token after a rejection", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make()
      // `TestEnv.configProvider` reads the environment at each load, as a
      // process whose secret is rotated in place would see it (effect 4's default provider reads it once).
      const env = fake.env()
      yield* TestEnv.set(env)
      const context = yield* Layer.build(WhatsGateClient.layerConfig().pipe(Layer.provide(Http)))
      const client = Context.get(context, WhatsGateClient.WhatsGateClient)
      assert.strictEqual(yield* client.status(), "connected")
      process.env["WHATSGATE_ACCESS_TOKEN"] = fake.regenerateToken()
      assert.strictEqual(yield* client.status(), "connected")
      assert.strictEqual(fake.counters.rejected, 1)
      // Read from the environment, the errors name the variables: no device, and a token regenerated again.
      delete process.env["WHATSGATE_DEVICE"]
      const withoutDevice = yield* Layer.build(WhatsGateClient.layerConfig().pipe(Layer.provide(Http)))
      const noDevice = yield* Effect.flip(Context.get(withoutDevice, WhatsGateClient.WhatsGateClient).status())
      assert.include(noDevice.message, "WHATSGATE_DEVICE is missing")
      fake.regenerateToken()
      const stale = yield* Effect.flip(client.status())
      assert.include(stale.message, "update WHATSGATE_ACCESS_TOKEN")
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)))

  it.effect("configured in code, a token that stays rejected names the option, not WHATSGATE_ACCESS_TOKEN", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make()
      const context = yield* Layer.build(
        WhatsGateClient.layer({ url: fake.url, device: "1", token: Redacted.make(fake.token()) }).pipe(
          Layer.provide(Http)
        )
      )
      fake.regenerateToken()
      const error = yield* Effect.flip(Context.get(context, WhatsGateClient.WhatsGateClient).status())
      assert.strictEqual(error._tag, "CredentialsRejected")
      assert.include(error.message, "update token")
      assert.notInclude(error.message, "WHATSGATE_")
    }))

  it.effect("the token appears in no log, span, error or header dump", () =>
    Effect.gen(function*() {
      const capture = SecretScan.makeCapture()
      const seen: Array<unknown> = []
      const tokens: Array<string> = []
      const { auth, client, context, fake, source } = yield* setup().pipe(Effect.provide(capture.layer))
      // What the program runs with when `WhatsGateClient.layer` is provided to it: effect 4 sets no fiber-wide
      // reference from a built layer (v3's FiberRef did), so the program's context is where the redacted header
      // names are, and where logs and dumps are made.
      yield* Effect.gen(function*() {
        tokens.push(fake.token())
        yield* client.sendText({ phone: "987654321", message: "hello" })
        tokens.push(fake.regenerateToken())
        seen.push(yield* Effect.flip(client.status()))
        source.token = fake.token()
        yield* client.status()
        const session = yield* auth.session
        seen.push(session)
        yield* Effect.logDebug("session", session)
        yield* Effect.logDebug(
          "request",
          HttpClientRequest.get(fake.url).pipe(
            HttpClientRequest.setHeader("Access-Token", Redacted.value(session.token))
          )
        )
        fake.failNext(1, 503)
        yield* client.sendText({ phone: "987654321", message: "x" }).pipe(Effect.flip, Effect.map((e) => seen.push(e)))
        assert.isTrue(capture.spans.some((s) => s.name === "WhatsGateAuth.acquire"))
        assert.isTrue(
          capture.spans.some((s) => s.attributes.get("http.request.header.access-token") === "<redacted>")
        )
        assert.isAbove(capture.logs.length, 0)
        // Rendered inside the program, as its logger and tracer render them.
        yield* SecretScan.assertClean(tokens, { capture, values: seen })
      }).pipe(Effect.provide(capture.layer), Effect.provide(context))
    }).pipe(Effect.provide(Http)))

  it.effect("a WHATSGATE_URL without its /api path is normalised; a path of its own is kept", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* WhatsGateClient.validateUrl("https://acme.whatsgate.net"),
        "https://acme.whatsgate.net/api"
      )
      assert.strictEqual(
        yield* WhatsGateClient.validateUrl("https://acme.whatsgate.net/"),
        "https://acme.whatsgate.net/api"
      )
      assert.strictEqual(
        yield* WhatsGateClient.validateUrl("https://acme.whatsgate.net/api/"),
        "https://acme.whatsgate.net/api"
      )
      const bad = yield* Effect.flip(WhatsGateClient.validateUrl("whatsgate.net/api"))
      assert.strictEqual(bad._tag, "ConfigurationError")
    }))
})

describe("WhatsGateClient request shapes", () => {
  it.effect("every POST declares Content-Type: application/json (the fake refuses anything else); every call asks for JSON", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ devices: { "100200300": "connected", "555": "disconnected" } })
      yield* client.sendText({ phone: "987654321", message: "hello" })
      yield* client.sendImage({ phone: "987654321", media: "https://example.com/a.png" })
      yield* client.sendVideo({ phone: "987654321", media: "https://example.com/v.mp4" })
      yield* client.deleteDevice("555")
      yield* client.status()
      const posts = fake.requests().filter((r) => r.method === "POST")
      assert.deepStrictEqual(posts.map((r) => r.path), [
        "/api/send/text",
        "/api/send/image",
        "/api/send/video",
        "/api/delete"
      ])
      for (const post of posts) assert.strictEqual(post.contentType, "application/json")
      for (const request of fake.requests()) assert.strictEqual(request.accept, "application/json")
      assert.strictEqual(fake.counters.sent, 3)
    }).pipe(Effect.provide(Http)))

  it.effect("a 415 answer (a server refusing the body's type) is a typed WhatsGateApiError with its message", () =>
    Effect.gen(function*() {
      const { client, fake } = yield* setup({ clientOptions: { retry: false } })
      fake.failNext(1, 415, { body: { success: false, message: "Content-Type must be application/json" } })
      const error = yield* Effect.flip(client.sendText({ phone: "987654321", message: "hello" }))
      assert.strictEqual(error._tag, "WhatsGateApiError")
      if (error._tag === "WhatsGateApiError") {
        assert.deepStrictEqual([error.status, error.description], [415, "Content-Type must be application/json"])
      }
      assert.strictEqual(fake.counters.sent, 0)
    }).pipe(Effect.provide(Http)))

  it.effect("a WHATSGATE_URL without /api reaches the API under /api (against the fake)", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make()
      const bare = fake.url.replace(/\/api$/, "")
      assert.notInclude(bare, "/api")
      for (const url of [bare, `${bare}/`]) {
        const context = yield* Layer.build(
          WhatsGateClient.layer({ url, device: fake.device, token: Effect.succeed(Redacted.make(fake.token())) }).pipe(
            Layer.provide(Http)
          )
        )
        assert.strictEqual(
          yield* Context.get(context, WhatsGateClient.WhatsGateClient).sendText({ phone: "987654321", message: "x" }),
          "Message sent successfully"
        )
      }
      assert.deepStrictEqual(fake.requests().map((r) => r.path), ["/api/send/text", "/api/send/text"])
    }))
})

// Keeps the secret-header registration visible in this package's API surface.
void AuthHttpClient.secretHeaders

describe("WhatsGateClient.keyed", () => {
  it.effect("one client per account, each with its own token and fake; an unknown account's configuration fails typed", () =>
    Effect.gen(function*() {
      const a = yield* WhatsGateFake.make()
      const b = yield* WhatsGateFake.make()
      const fakes: Record<string, WhatsGateFake.WhatsGateFake> = { a, b }
      const accounts = yield* WhatsGateClient.keyed({
        config: (account) => {
          const fake = fakes[account]
          return fake === undefined
            ? Effect.fail(`no account ${account}` as const)
            : Effect.succeed({ url: fake.url, device: fake.device, token: Redacted.make(fake.token()) })
        }
      })
      yield* accounts.use("a", (client) => client.sendText({ phone: "987654321", message: "to a" }))
      yield* accounts.use("b", (client) => client.sendText({ phone: "987654321", message: "to b" }))
      yield* accounts.use("b", (client) => client.status())
      assert.deepStrictEqual([a.counters.sent, b.counters.sent, a.counters.requests, b.counters.requests], [1, 1, 1, 2])
      assert.strictEqual(a.counters.rejected + b.counters.rejected, 0)
      assert.deepStrictEqual([...(yield* accounts.keys)].sort(), ["a", "b"])
      const missing = yield* Effect.flip(accounts.use("c", (client) => client.status()))
      assert.strictEqual(missing, "no account c")
    }).pipe(Effect.provide(Http)))
})
