import { SecretScan } from "@authfx/testkit"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Outcome from "../src/Outcome.js"
import * as Report from "../src/Report.js"
import { adapters, type Subject, withTimeout } from "../src/Subjects.js"

const Http = NodeHttpClient.layerUndici
const capture = SecretScan.makeCapture()
const secrets: Array<string> = []
const values: Array<unknown> = []

const outcome = Outcome.make(values)

interface Cell {
  readonly name: string
  /** Run against a warm subject (one call already succeeded); returns the outcome text. */
  readonly run: (subject: Subject) => Effect.Effect<string>
}

const recovers = (subject: Subject) =>
  Effect.gen(function*() {
    subject.faults.clearFaults()
    assert.strictEqual(yield* outcome(subject.call), "success", "recovers once the fault clears")
  })

const expectOneOf = (got: string, allowed: ReadonlyArray<string>) =>
  assert.isTrue(allowed.some((a) => got.startsWith(a)), `${got} is one of ${allowed.join(", ")}`)

const cells: ReadonlyArray<Cell> = [
  {
    name: "connection reset mid-response, once",
    run: (s) =>
      Effect.gen(function*() {
        s.faults.dropNext(1)
        const got = yield* outcome(s.call)
        assert.strictEqual(got, "success")
        return got
      })
  },
  {
    name: "connection reset on every attempt",
    run: (s) =>
      Effect.gen(function*() {
        s.faults.dropNext(100)
        const got = yield* outcome(s.call)
        assert.strictEqual(got, "TransportError(Network)")
        return got
      })
  },
  {
    name: "no answer within the caller's timeout",
    run: (s) =>
      Effect.gen(function*() {
        s.faults.setDelay(400)
        const got = yield* outcome(withTimeout(s, 100))
        expectOneOf(got, ["TransportError(Timeout)"])
        return got
      })
  },
  ...[500, 502, 503].flatMap((status): ReadonlyArray<Cell> => [
    {
      name: `${status} once, then 200`,
      run: (s) =>
        Effect.gen(function*() {
          s.faults.failNext(1, status)
          const got = yield* outcome(s.call)
          assert.strictEqual(got, "success")
          return got
        })
    },
    {
      name: `${status} on every attempt`,
      run: (s) =>
        Effect.gen(function*() {
          s.faults.failNext(100, status)
          const got = yield* outcome(s.call)
          expectOneOf(got, ["TransportError(ServerError)"])
          return got
        })
    }
  ]),
  {
    name: "429 with Retry-After: 1",
    run: (s) =>
      Effect.gen(function*() {
        s.faults.failNext(1, 429, { retryAfter: "1" })
        const start = Date.now()
        const got = yield* outcome(s.call)
        assert.strictEqual(got, "success")
        assert.isAtLeast(Date.now() - start, 950, "waited for Retry-After")
        return got
      })
  },
  {
    name: "429 without Retry-After",
    run: (s) =>
      Effect.gen(function*() {
        s.faults.failNext(1, 429)
        const got = yield* outcome(s.call)
        assert.strictEqual(got, "success")
        return got
      })
  },
  {
    name: "truncated body",
    run: (s) =>
      Effect.gen(function*() {
        s.faults.truncateNext(100)
        const got = yield* outcome(s.call)
        expectOneOf(got, ["ProtocolError", "TransportError"])
        return got
      })
  },
  {
    name: "invalid JSON",
    run: (s) =>
      Effect.gen(function*() {
        s.faults.invalidJsonNext(1)
        const got = yield* outcome(s.call)
        assert.strictEqual(got, "ProtocolError(Decode)")
        return got
      })
  },
  {
    name: "valid JSON of the wrong shape",
    run: (s) =>
      Effect.gen(function*() {
        s.faults.wrongShapeNext(1)
        const got = yield* outcome(s.call)
        assert.strictEqual(got, "ProtocolError(Decode)")
        return got
      })
  },
  {
    name: "session revoked mid-burst (100 concurrent calls)",
    run: (s) =>
      Effect.gen(function*() {
        const before = s.acquisitions()
        s.revoke()
        const results = yield* Effect.all(Array.from({ length: 100 }, () => outcome(s.call)), {
          concurrency: "unbounded"
        })
        assert.deepStrictEqual([...new Set(results)], ["success"])
        assert.strictEqual(s.acquisitions() - before, 1, "one renewal")
        return "100 successes, 1 renewal"
      })
  }
]

describe("fault matrix", () => {
  for (const adapter of adapters) {
    describe(adapter.provider, () => {
      it.live("connection refused: a typed TransportError", () =>
        Effect.scoped(Effect.gen(function*() {
          const subject = yield* adapter.make({ url: "http://127.0.0.1:9" })
          secrets.push(...subject.secrets())
          const got = yield* outcome(subject.call)
          expectOneOf(got, ["TransportError(Network)"])
          Report.record({
            section: "Faults",
            provider: adapter.provider,
            case: "connection refused",
            outcome: got,
            sends: subject.requests()
          })
        })).pipe(Effect.provide(capture.layer), Effect.provide(Http)))

      for (const cell of cells) {
        it.live(cell.name, () =>
          Effect.scoped(Effect.gen(function*() {
            const subject = yield* adapter.make()
            assert.strictEqual(yield* outcome(subject.call), "success", "warm")
            const before = subject.requests()
            const got = yield* cell.run(subject)
            const sends = subject.requests() - before
            // Bounded: the first attempt and three retries (no cell but the burst is refused, so none is replayed).
            if (!cell.name.includes("burst")) assert.isAtMost(sends, 4, "bounded sends")
            Report.record({ section: "Faults", provider: adapter.provider, case: cell.name, outcome: got, sends })
            yield* recovers(subject)
            secrets.push(...subject.secrets())
          })).pipe(Effect.provide(capture.layer), Effect.provide(Http)), 20_000)
      }

      if (adapter.provider === "gunbot" || adapter.provider === "nabi") {
        it.live("session expired mid-burst (100 concurrent calls)", () =>
          Effect.scoped(Effect.gen(function*() {
            const subject = yield* adapter.make()
            yield* outcome(subject.call)
            const before = subject.acquisitions()
            subject.expire!()
            const results = yield* Effect.all(Array.from({ length: 100 }, () => outcome(subject.call)), {
              concurrency: "unbounded"
            })
            assert.deepStrictEqual([...new Set(results)], ["success"])
            assert.strictEqual(subject.acquisitions() - before, 1)
            Report.record({
              section: "Faults",
              provider: adapter.provider,
              case: "session expired mid-burst (100 calls)",
              outcome: "100 successes, 1 renewal",
              sends: undefined
            })
            secrets.push(...subject.secrets())
          })).pipe(Effect.provide(capture.layer), Effect.provide(Http)))
      }

      it.live("the caller that started the acquisition is interrupted: it completes once for the others", () =>
        Effect.scoped(Effect.gen(function*() {
          const subject = yield* adapter.make()
          subject.faults.setDelay(50)
          const first = yield* Effect.fork(subject.call)
          yield* Effect.sleep("20 millis")
          yield* Fiber.interrupt(first)
          subject.faults.setDelay(0)
          const results = yield* Effect.all(Array.from({ length: 10 }, () => outcome(subject.call)), {
            concurrency: "unbounded"
          })
          assert.deepStrictEqual([...new Set(results)], ["success"])
          assert.strictEqual(subject.acquisitions(), 1)
          Report.record({
            section: "Faults",
            provider: adapter.provider,
            case: "caller interrupted during acquisition",
            outcome: "10 successes, 1 acquisition",
            sends: subject.requests()
          })
          secrets.push(...subject.secrets())
        })).pipe(Effect.provide(capture.layer), Effect.provide(Http)))
    })
  }

  it("no secret reached a log line, a span or an error of any case above", () => {
    const found = SecretScan.scan(secrets, { capture, values })
    assert.deepStrictEqual(found, [])
    assert.isAbove(capture.spans.length, 100)
    Report.record({
      section: "Secrets",
      provider: "all",
      case:
        `${secrets.length} sentinel secrets, ${capture.logs.length} log lines, ${capture.spans.length} spans, ${values.length} errors scanned`,
      outcome: "none found",
      sends: undefined
    })
  })
})

afterAll(() =>
  Report.flush(
    "Fault matrix",
    "Each HTTP provider's client against its fake, over loopback, with a fault injected by the fake after one successful call. \"requests\" counts what the fake received during the case (bounded: first attempt, three retries, a replay). Every case also checks that the next call succeeds once the fault clears, and that nothing failed with a defect."
  )
)
