/**
 * Servers that misbehave the way real ones do: bodies that stall after the
 * headers, bodies too large to hold, redirects to another origin, issuers whose
 * sessions are expired on arrival, and request bodies JSON cannot encode. Each
 * case records a measured figure for RELIABILITY.md.
 */
import { SecretScan } from "@authfx/testkit"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import * as Outcome from "../src/Outcome.js"
import * as Report from "../src/Report.js"
import { adapters, type Subject, withTimeout } from "../src/Subjects.js"

const capture = SecretScan.makeCapture()
const secrets: Array<string> = []
const values: Array<unknown> = []
const clients = [
  { name: "undici", layer: NodeHttpClient.layerUndici },
  { name: "fetch", layer: FetchHttpClient.layer }
] as const

const outcome = Outcome.make(values)

/** Another origin on loopback that records whatever reaches it. */
const otherOrigin = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly seen: Array<IncomingHttpHeaders>; readonly close: () => void }>(
    (resume) => {
      const seen: Array<IncomingHttpHeaders> = []
      const server = createServer((req, res) => {
        seen.push(req.headers)
        res.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          seen,
          close: () => {
            server.closeAllConnections()
            server.close()
          }
        })))
    }
  ),
  (other) => Effect.sync(other.close)
)

const MiB = 1024 * 1024

const warm = (subject: Subject) =>
  Effect.gen(function*() {
    secrets.push(...subject.secrets())
    assert.strictEqual(yield* outcome(subject.call), "success", "warm")
  })

const recovers = (subject: Subject) =>
  Effect.gen(function*() {
    subject.faults.clearFaults()
    assert.strictEqual(yield* outcome(subject.call), "success", "recovers once the fault clears")
  })

describe("hardening", () => {
  for (const adapter of adapters) {
    describe(adapter.provider, () => {
      it.live("headers, then a body that stalls: TransportError(Timeout) at the caller's bound", () =>
        Effect.scoped(Effect.gen(function*() {
          const subject = yield* adapter.make()
          yield* warm(subject)
          subject.faults.stallBodyNext(1)
          const start = Date.now()
          const got = yield* outcome(withTimeout(subject, 300))
          const elapsed = Date.now() - start
          assert.strictEqual(got, "TransportError(Timeout)")
          assert.isBelow(elapsed, 3_000)
          Report.record({
            section: "Bounded exchanges",
            provider: adapter.provider,
            case: "200 headers, then the body stalls (caller's bound 300 ms)",
            outcome: `${got} after ${elapsed} ms`,
            sends: undefined
          })
          yield* recovers(subject)
        })).pipe(Effect.provide(capture.layer), Effect.provide(NodeHttpClient.layerUndici)))

      it.live("a stalled acquisition: every one of 10 waiters ends with TransportError(Timeout)", () =>
        Effect.scoped(Effect.gen(function*() {
          const subject = yield* adapter.make()
          secrets.push(...subject.secrets())
          // The first request of a fresh client is its acquisition (a login, a page read; WhatsGate reads its
          // token without a request, so its first API call stalls instead).
          subject.faults.stallBodyNext(adapter.provider === "whatsgate" ? 10 : 1)
          const start = Date.now()
          const results = yield* Effect.all(Array.from({ length: 10 }, () => outcome(withTimeout(subject, 300))), {
            concurrency: "unbounded"
          })
          const elapsed = Date.now() - start
          assert.deepStrictEqual([...new Set(results)], ["TransportError(Timeout)"])
          Report.record({
            section: "Bounded exchanges",
            provider: adapter.provider,
            case: "the acquisition's body stalls, 10 callers waiting (bound 300 ms each)",
            outcome: `10 × TransportError(Timeout) within ${elapsed} ms`,
            sends: subject.requests()
          })
          // A caller whose bound ended before its request reached the fake leaves that request's stall queued (seen
          // on a loaded machine), and the next call would stall until the client's 30 s default: cleared here.
          subject.faults.clearFaults()
          // The acquisition itself runs on until its own bound (30 s for logins and page reads); a connection
          // that breaks ends it sooner, and the next caller starts a new one.
          subject.faults.dropConnections()
          // Whoever joins the cut acquisition gets its typed end (a body cut short is `Decode`); the next
          // caller logs in afresh.
          yield* outcome(subject.call)
          yield* recovers(subject)
        })).pipe(Effect.provide(capture.layer), Effect.provide(NodeHttpClient.layerUndici)))

      for (const declareLength of [false, true]) {
        it.live(`a 64 MiB body ${declareLength ? "with" : "without"} Content-Length: ProtocolError(TooLarge)`, () =>
          Effect.scoped(Effect.gen(function*() {
            const subject = yield* adapter.make()
            yield* warm(subject)
            subject.faults.oversizeNext(1, 64 * MiB, { declareLength })
            const got = yield* outcome(subject.call)
            assert.strictEqual(got, "ProtocolError(TooLarge)")
            // Give the fake's pending writes a moment to settle, then count what it managed to send.
            yield* Effect.sleep(Duration.millis(50))
            const written = subject.faults.oversizeBytesWritten()
            assert.isBelow(written, 32 * MiB, "the rest of the body was not read")
            Report.record({
              section: "Sizes",
              provider: adapter.provider,
              case: `64 MiB body ${declareLength ? "declared by Content-Length" : "of unknown length"} (bound 8 MiB)`,
              outcome: `${got}; ${(written / MiB).toFixed(1)} MiB left the fake before the client closed`,
              sends: undefined
            })
            yield* recovers(subject)
          })).pipe(Effect.provide(capture.layer), Effect.provide(NodeHttpClient.layerUndici)))
      }

      for (const client of clients) {
        it.live(`a redirect to another origin (${client.name}): nothing reaches it`, () =>
          Effect.scoped(Effect.gen(function*() {
            const other = yield* otherOrigin
            const subject = yield* adapter.make()
            yield* warm(subject)
            subject.faults.redirectNext(1, `${other.url}/collect?from=authfx`, 302)
            const got = yield* outcome(subject.call)
            assert.notStrictEqual(got, "success")
            assert.strictEqual(other.seen.length, 0, "the other origin saw no request")
            Report.record({
              section: "Origins",
              provider: adapter.provider,
              case: `302 to another origin, ${client.name} client`,
              outcome: `${got}; requests seen by the other origin: ${other.seen.length}`,
              sends: undefined
            })
            yield* recovers(subject)
          })).pipe(Effect.provide(capture.layer), Effect.provide(client.layer)))
      }

      it.live("a request body JSON cannot encode is a typed error, and nothing is sent", () =>
        Effect.scoped(Effect.gen(function*() {
          const subject = yield* adapter.make()
          yield* warm(subject)
          if (subject.post === undefined) return
          const before = subject.requests()
          const got = yield* outcome(subject.post({ data: { exch: "binance", pair: "USDT-BTC", amt: 10n ** 18n } }))
          assert.strictEqual(got, "ProtocolError(Unencodable)")
          assert.strictEqual(subject.requests() - before, 0)
          Report.record({
            section: "Request bodies",
            provider: adapter.provider,
            case: "a bigint in the JSON body",
            outcome: got,
            sends: subject.requests() - before
          })
        })).pipe(Effect.provide(capture.layer), Effect.provide(NodeHttpClient.layerUndici)))

      it.scoped("an issuer whose sessions expire on arrival: bounded logins per minute, typed errors", () =>
        Effect.gen(function*() {
          // The client's clock (TestClock) starts at the fake's wall time, then only moves when told. The fake issues
          // and checks its tokens on the wall clock, which runs on while the TestClock stands still during a call: the
          // client's clock is kept a second (the resolution of a token's `exp`) ahead of it, or a token issued by a
          // login that took a few wall-clock milliseconds on a loaded machine could look valid to the client, be
          // sent, be refused, and put the client under the rejection floor.
          const ahead = Effect.gen(function*() {
            const wall = Date.now() + 1_000
            if (wall > (yield* Clock.currentTimeMillis)) yield* TestClock.setTime(wall)
          })
          yield* ahead
          const subject = yield* adapter.make()
          if (subject.issueUnusable === undefined) return
          yield* warm(subject)
          yield* ahead
          subject.issueUnusable()
          subject.revoke()
          const before = subject.acquisitions()
          const outcomes = new Map<string, number>()
          // A caller every 100 ms for a minute.
          for (let i = 0; i < 600; i++) {
            const got = yield* outcome(subject.call)
            outcomes.set(got, (outcomes.get(got) ?? 0) + 1)
            yield* TestClock.adjust(Duration.millis(100))
            yield* ahead
          }
          const logins = subject.acquisitions() - before
          assert.isAtMost(logins, 7, "the first, then a floor of 1 s doubling while sessions arrive unusable")
          assert.isAtLeast(outcomes.get("ProtocolError(UnusableSession)") ?? 0, 590)
          Report.record({
            section: "Unusable sessions",
            provider: adapter.provider,
            case: "every token issued with exp equal to iat; a caller every 100 ms for 60 s",
            outcome: `${logins} logins in the minute; callers: ${
              [...outcomes].map(([k, n]) => `${n} × ${k}`).join(", ")
            }`,
            sends: undefined
          })
        }).pipe(Effect.provide(capture.layer), Effect.provide(NodeHttpClient.layerUndici)))
    })
  }

  it("no secret reached a log line, a span or an error of any case above", () => {
    const found = SecretScan.scan(secrets, { capture, values })
    assert.deepStrictEqual(found, [])
    Report.record({
      section: "Secrets",
      provider: "all",
      case: `${secrets.length} sentinel secrets, ${capture.logs.length} log lines, ${values.length} errors scanned`,
      outcome: "none found",
      sends: undefined
    })
  })
})

afterAll(() =>
  Report.flush(
    "Hardening",
    "Servers misbehaving as real ones do, against each HTTP provider's client over loopback (Node's undici client unless a case names `fetch`). A stalled body or acquisition ends at the caller's bound; a body over the 8 MiB default ends with `TooLarge` without reading the rest (the figure is what the fake got onto the socket before the client closed it, kernel buffers included); a redirect to another origin is never followed, with either client; a body JSON cannot encode fails before anything is sent; an issuer whose tokens expire on arrival gets a bounded number of logins (measured under `TestClock`, one caller every 100 ms)."
  )
)
