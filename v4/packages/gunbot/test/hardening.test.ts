/**
 * The v3 reliability suite's cases for Gunbot (packages/reliability: faults, hardening, badInput), run against the
 * v4 client and the v4 `GunbotFake` over loopback with effect 4's `FetchHttpClient`: faults the fake injects after
 * one successful call, bounded exchanges and sizes, redirects to another origin, and random answers from a server
 * that is not Gunbot. Each case checks the outcome is typed (never a defect), the sends are bounded, and the next
 * call succeeds once the fault clears.
 */
import { GunbotFake, SecretScan } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import * as GunbotClient from "../src/GunbotClient.js"

const Http = FetchHttpClient.layer
const MiB = 1024 * 1024

/** Three quick retries, as the v3 reliability suite's subjects use: the cases count sends, not wait. */
const quickRetry = Schedule.max([Schedule.spaced("5 millis"), Schedule.recurs(3)])

/** `success`, `Tag(reason)` for a typed failure, `DEFECT` for anything else (the cases assert it never is). */
const outcome = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) return "success"
    const error = Cause.findErrorOption(exit.cause)
    if (error._tag === "None") return Cause.hasInterruptsOnly(exit.cause) ? "INTERRUPTED" : "DEFECT"
    const e = error.value as { readonly _tag?: string; readonly reason?: unknown }
    return typeof e.reason === "string" ? `${e._tag}(${e.reason})` : String(e._tag)
  })

const subject = (
  options: { readonly url?: string; readonly retry?: Schedule.Schedule<unknown, unknown> | false } = {}
) =>
  Effect.gen(function*() {
    const fake = yield* GunbotFake.make({ password: SecretScan.sentinel("gb") })
    const context = yield* Layer.build(
      GunbotClient.layer({
        url: options.url ?? fake.url,
        password: Redacted.make(fake.password()),
        gunthyWallet: Redacted.make(fake.gunthyWallet),
        retry: options.retry ?? quickRetry
      }).pipe(Layer.provide(Http))
    )
    const client = Context.get(context, GunbotClient.GunbotClient)
    return { fake, client, call: client.status }
  })

/** Another origin that records what reaches it. */
const otherOrigin = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly seen: Array<string>; readonly close: () => void }>((resume) => {
    const seen: Array<string> = []
    const server = createServer((request: IncomingMessage, response) => {
      seen.push(`${request.method} ${request.url} ${JSON.stringify(request.headers)}`)
      request.resume()
      response.end("{}")
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, seen, close: () => server.close() }))
    })
  }),
  (other) => Effect.sync(other.close)
)

describe("GunbotClient fault matrix (v3 reliability cases)", () => {
  const cells: ReadonlyArray<
    readonly [string, (fake: GunbotFake.GunbotFake) => void, ReadonlyArray<string>]
  > = [
    ["connection reset mid-response, once", (f) => f.dropNext(1), ["success"]],
    ["connection reset on every attempt", (f) => f.dropNext(100), ["TransportError(Network)"]],
    ...[500, 502, 503].flatMap((status) =>
      [
        [`${status} once, then 200`, (f: GunbotFake.GunbotFake) => f.failNext(1, status), ["success"]],
        [`${status} on every attempt`, (f: GunbotFake.GunbotFake) => f.failNext(100, status), [
          "TransportError(ServerError)"
        ]]
      ] as const
    ),
    ["429 without Retry-After", (f) => f.failNext(1, 429), ["success"]],
    ["truncated body", (f) => f.truncateNext(100), ["ProtocolError", "TransportError"]],
    ["invalid JSON", (f) => f.invalidJsonNext(1), ["ProtocolError(Decode)"]],
    ["valid JSON of the wrong shape", (f) => f.wrongShapeNext(1), ["ProtocolError(Decode)"]]
  ]
  for (const [name, inject, allowed] of cells) {
    it.live(name, () =>
      Effect.gen(function*() {
        const { call, fake } = yield* subject()
        assert.strictEqual(yield* outcome(call), "success", "warm")
        const before = fake.counters.requests
        inject(fake)
        const got = yield* outcome(call)
        assert.isTrue(allowed.some((a) => got.startsWith(a)), `${got} is one of ${allowed.join(", ")}`)
        // Bounded: the first attempt and three retries.
        assert.isAtMost(fake.counters.requests - before, 4, "bounded sends")
        fake.clearFaults()
        assert.strictEqual(yield* outcome(call), "success", "recovers once the fault clears")
      }), 20_000)
  }

  it.live("429 with Retry-After: 1 is waited for, then succeeds", () =>
    Effect.gen(function*() {
      const { call, fake } = yield* subject()
      yield* call
      fake.failNext(1, 429, { retryAfter: "1" })
      const start = Date.now()
      assert.strictEqual(yield* outcome(call), "success")
      assert.isAtLeast(Date.now() - start, 950, "waited for Retry-After")
    }))

  it.live("the login meets 503 then 200: one retried login, then the call", () =>
    Effect.gen(function*() {
      const { call, fake } = yield* subject()
      fake.failNext(1, 503)
      assert.strictEqual(yield* outcome(call), "success")
      assert.deepStrictEqual([fake.counters.logins, fake.counters.requests], [1, 3])
    }))

  it.live("connection refused: a typed TransportError", () =>
    Effect.gen(function*() {
      const { call } = yield* subject({ url: "http://127.0.0.1:9" })
      assert.strictEqual(yield* outcome(call), "TransportError(Network)")
    }))

  it.live("session expired mid-burst (100 concurrent calls): 100 successes, one renewal", () =>
    Effect.gen(function*() {
      const { call, fake } = yield* subject()
      yield* call
      fake.expireTokens()
      const results = yield* Effect.all(Array.from({ length: 100 }, () => outcome(call)), { concurrency: "unbounded" })
      assert.deepStrictEqual([...new Set(results)], ["success"])
      assert.strictEqual(fake.counters.logins, 2)
    }))

  it.live("the caller that started the login is interrupted: it completes once for the others", () =>
    Effect.gen(function*() {
      const { call, fake } = yield* subject()
      fake.setDelay(50)
      const first = yield* Effect.forkChild(call)
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(first)
      fake.setDelay(0)
      const results = yield* Effect.all(Array.from({ length: 10 }, () => outcome(call)), { concurrency: "unbounded" })
      assert.deepStrictEqual([...new Set(results)], ["success"])
      assert.strictEqual(fake.counters.logins, 1)
    }))
})

describe("GunbotClient bounds and origins (v3 reliability cases)", () => {
  for (const declareLength of [false, true]) {
    it.live(
      `a 64 MiB body ${declareLength ? "with" : "without"} Content-Length: ProtocolError(TooLarge)`,
      () =>
        Effect.gen(function*() {
          const { call, fake } = yield* subject()
          yield* call
          fake.oversizeNext(1, 64 * MiB, { declareLength })
          assert.strictEqual(yield* outcome(call), "ProtocolError(TooLarge)")
          yield* Effect.sleep(Duration.millis(50))
          assert.isBelow(fake.oversizeBytesWritten(), 32 * MiB, "the rest of the body was not read")
          assert.strictEqual(yield* outcome(call), "success")
        }),
      20_000
    )
  }

  it.live("a 64 MiB login answer: ProtocolError(TooLarge), the rest not read", () =>
    Effect.gen(function*() {
      const { call, fake } = yield* subject({ retry: false })
      fake.oversizeNext(1, 64 * MiB)
      assert.strictEqual(yield* outcome(call), "ProtocolError(TooLarge)")
      yield* Effect.sleep(Duration.millis(50))
      assert.isBelow(fake.oversizeBytesWritten(), 32 * MiB)
    }), 20_000)

  it.live("a redirect to another origin, on a call and on the login: nothing reaches it", () =>
    Effect.gen(function*() {
      const other = yield* otherOrigin
      const { call, fake } = yield* subject()
      yield* call
      fake.redirectNext(1, `${other.url}/collect?from=authfx`, 302)
      assert.notStrictEqual(yield* outcome(call), "success")
      // The login: the encrypted password must not follow a redirect either.
      fake.revokeTokens()
      fake.redirectNext(1, `${other.url}/api/v1/auth/login`, 307)
      assert.notStrictEqual(yield* outcome(call), "success")
      assert.deepStrictEqual(other.seen, [], "the other origin saw no request")
      fake.clearFaults()
      assert.strictEqual(yield* outcome(call), "success")
    }))

  it.live("a request body JSON cannot encode is a typed error, and nothing is sent", () =>
    Effect.gen(function*() {
      const { call, client, fake } = yield* subject()
      yield* call
      const before = fake.counters.requests
      const got = yield* outcome(
        client.post("/trade/buy", { data: { exch: "binance", pair: "USDT-BTC", amt: 10n ** 18n } }, Schema.Unknown)
      )
      assert.strictEqual(got, "ProtocolError(Unencodable)")
      assert.strictEqual(fake.counters.requests - before, 0)
    }))
})

/** Random answers: a status, a body (JSON of any shape, text, HTML, Gunbot-like bodies), a Retry-After. */
const Answer = Schema.Struct({
  status: Schema.Literals([200, 200, 201, 204, 301, 400, 401, 403, 404, 422, 429, 500, 503]),
  body: Schema.Union([
    Schema.Literals(["", "<!DOCTYPE html><html><body>maintenance</body></html>", "null", "[]", "{}", "not json"]),
    Schema.Struct({ status: Schema.Literals(["success", "error"]), token: Schema.Union([Schema.String, Schema.Int]) }),
    Schema.Struct({ status: Schema.String, message: Schema.String, code: Schema.optional(Schema.Int) }),
    Schema.Array(Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Number])))
  ]),
  retryAfter: Schema.optional(Schema.Literals(["0", "1", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"]))
})

describe("bad input: random answers never cause a defect", () => {
  it.live("40 random servers in place of Gunbot: every outcome typed", () =>
    Effect.gen(function*() {
      const samples = yield* Arbitrary.sampleEffect(
        Arbitrary.schema(Schema.Array(Answer).check(Schema.isMinLength(1), Schema.isMaxLength(4))),
        { count: 40, seed: 42 }
      )
      const seen = new Map<string, number>()
      for (const answers of samples) {
        const got = yield* Effect.scoped(Effect.gen(function*() {
          let index = 0
          const server = yield* Effect.acquireRelease(
            Effect.callback<{ readonly url: string; readonly close: () => void }>((resume) => {
              const s = createServer((request, response) => {
                request.resume()
                const a = answers[Math.min(index++, answers.length - 1)]!
                const body = typeof a.body === "string" ? a.body : JSON.stringify(a.body)
                response.writeHead(a.status, {
                  "content-type": "application/json",
                  ...(a.retryAfter !== undefined ? { "retry-after": a.retryAfter } : {})
                })
                response.end(a.status === 204 ? undefined : body)
              })
              s.listen(0, "127.0.0.1", () =>
                resume(Effect.succeed({
                  url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
                  close: () => s.close()
                })))
            }),
            (s) => Effect.sync(s.close)
          )
          const context = yield* Layer.build(
            GunbotClient.layer({ url: server.url, password: Redacted.make("ENC:x"), retry: false }).pipe(
              Layer.provide(Http)
            )
          )
          return yield* outcome(
            Context.get(context, GunbotClient.GunbotClient).status.pipe(Effect.timeout("5 seconds"))
          )
        }))
        assert.notStrictEqual(got, "DEFECT", JSON.stringify(answers))
        seen.set(got, (seen.get(got) ?? 0) + 1)
      }
      assert.isAbove(seen.size, 2, `a variety of outcomes: ${JSON.stringify([...seen])}`)
    }).pipe(Effect.provide(Logger.layer([]))), 60_000)
})
