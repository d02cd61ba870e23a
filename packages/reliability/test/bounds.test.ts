/**
 * Bounds the documentation promises, held on every provider and under
 * concurrency: each HTTP client's default timeout against a body that stalls
 * (no bound set by the caller), a keyed map's capacity while evicted accounts
 * are still closing, and the inbound buffer of a nandbox subscriber that does
 * not read while the server floods frames.
 */
import * as Keyed from "@authfx/core/Keyed"
import { NandboxConnection } from "@authfx/nandbox"
import { NandboxFake, TestEnv } from "@authfx/testkit"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Outcome from "../src/Outcome.js"
import * as Report from "../src/Report.js"
import { adapters } from "../src/Subjects.js"

const outcome = Outcome.make([])
const io = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

describe("bounds", () => {
  for (const adapter of adapters) {
    it.scoped(`${adapter.provider}: a body that stalls after the headers, no bound set by the caller (TestClock)`, () =>
      Effect.gen(function*() {
        const subject = yield* adapter.make({ retry: false })
        assert.strictEqual(yield* outcome(subject.call), "success", "warm")
        const before = subject.requests()
        subject.faults.stallBodyNext(1)
        const call = yield* Effect.fork(outcome(subject.call))
        // Real I/O: the request reaches the fake, which sends its headers and the start of a body, then nothing.
        for (let i = 0; i < 400 && subject.requests() === before; i++) yield* io(5)
        yield* io(20)
        yield* TestClock.adjust("29 seconds")
        const early = yield* Fiber.poll(call)
        yield* TestClock.adjust("2 seconds")
        yield* io(5)
        const ended = yield* Fiber.poll(call)
        // Every provider, Terabox included (TeraboxClient's `timeout`), has a 30 s default.
        assert.isTrue(Option.isNone(early), "still waiting before the 30 s default")
        assert.isTrue(Option.isSome(ended), "ended by the 30 s default")
        const got = Option.isSome(ended)
          ? ended.value._tag === "Success" ? ended.value.value : "failed"
          : "still waiting"
        assert.strictEqual(got, "TransportError(Timeout)")
        Report.record({
          section: "Default timeouts",
          provider: adapter.provider,
          case: "200 headers, then the body stalls; no bound set by the caller, no retry (TestClock)",
          outcome: `${got} at the 30 s default`,
          sends: subject.requests() - before
        })
        yield* Fiber.interrupt(call)
      }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
  }

  it.scopedLive("Keyed: 1,000 accounts at capacity 10, 50 callers at a time, closes that take a while", () =>
    Effect.gen(function*() {
      let alive = 0
      let maxAlive = 0
      const accounts = yield* Keyed.make({
        capacity: 10,
        lookup: (key: string) =>
          Effect.gen(function*() {
            alive++
            maxAlive = Math.max(maxAlive, alive)
            yield* Effect.addFinalizer(() => Effect.ensuring(io(1), Effect.sync(() => alive--)))
            return key
          })
      })
      const results = yield* Effect.forEach(
        Array.from({ length: 1_000 }, (_, i) => `account-${i}`),
        (key) => Effect.either(accounts.use(key, (service) => Effect.as(Effect.yieldNow(), service))),
        { concurrency: 50 }
      )
      const served = results.filter(Either.isRight).length
      const refused = results.filter((r) => Either.isLeft(r) && r.left._tag === "CapacityExceeded").length
      assert.isAtMost(maxAlive, 10)
      assert.strictEqual(served + refused, 1_000)
      Report.record({
        section: "Hard bounds",
        provider: "core (Keyed)",
        case: "1,000 accounts at capacity 10, 50 callers at a time, each close taking ~1 ms",
        outcome: `at most ${maxAlive} alive (built and not fully closed); ${served} served, ${refused} ` +
          "CapacityExceeded (every account alive held at that moment)",
        sends: undefined
      })
    }))

  it.scopedLive(
    "nandbox: a subscriber that does not read while the server floods 39,000 frames",
    () =>
      Effect.gen(function*() {
        const fake = yield* NandboxFake.make()
        const context = yield* Layer.build(
          NandboxConnection.layer({
            url: fake.url,
            token: Redacted.make(fake.token()),
            reconnect: Schedule.spaced("20 millis")
          }).pipe(Layer.provide(NodeSocket.layerWebSocketConstructor))
        )
        const connection = Context.get(context, NandboxConnection.NandboxConnection)
        let readerGot = 0
        let stalledGot = 0
        yield* Effect.fork(
          Stream.runForEach(connection.inbound, () => Effect.zipRight(Effect.sync(() => stalledGot++), Effect.never))
        )
        yield* Effect.fork(Stream.runForEach(connection.inbound, () => Effect.sync(() => readerGot++)))
        // The fake broadcasts to authenticated sockets only: wait for the authentication rather than a fixed 50 ms.
        yield* TestEnv.until(() => fake.counters.authentications === 1, "authenticated")
        const frames = 39_000
        const text = "z".repeat(600)
        const started = Date.now()
        // In bursts of 500, under the buffer of the subscriber that reads (which catches up between them).
        for (let sent = 0; sent < frames; sent += 500) {
          for (let i = sent; i < sent + 500; i++) fake.broadcast({ method: "message", n: i, text })
          for (let i = 0; i < 2_000 && readerGot < sent + 500; i++) yield* io(2)
        }
        const elapsed = Date.now() - started
        const dropped = yield* connection.inboundDropped
        const buffered = frames - stalledGot - dropped
        const frameBytes = JSON.stringify({ method: "message", n: 10_000, text }).length
        assert.strictEqual(readerGot, frames)
        assert.strictEqual(buffered, 1_000)
        Report.record({
          section: "Hard bounds",
          provider: "nandbox",
          case:
            `frames buffered for a stalled subscriber: ${frames} frames of ~${frameBytes} B flooded in ${elapsed} ms ` +
            "(defaults: inboundCapacity 1,000, inboundMaxBytes 4 MiB)",
          outcome: `${buffered} frames (~${(buffered * frameBytes / 1_048_576).toFixed(2)} MiB) buffered for it, ` +
            `${dropped} dropped for it and counted; the subscriber that reads got all ${readerGot}`,
          sends: undefined
        })
      }),
    60_000
  )
})

afterAll(() =>
  Report.flush(
    "Bounds",
    "Bounds the documentation promises, measured where they could break: each HTTP client's default timeout against a body that stalls after the headers with no bound from the caller (under `TestClock`), `Keyed`'s capacity while evicted accounts are still closing, and the inbound buffer of a nandbox subscriber that does not read while the fake floods frames."
  )
)
