import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/testing/TestClock"
import { CredentialsRejected, TransportError } from "../src/AuthError.js"
import * as Policy from "../src/Policy.js"
import { waitUntil } from "./utils/harness.js"

const flaky = (failures: ReadonlyArray<TransportError | CredentialsRejected>) => {
  let calls = 0
  const effect = Effect.suspend(() => {
    const failure = failures[calls]
    calls += 1
    return failure === undefined ? Effect.succeed("ok") : Effect.fail(failure)
  })
  return { effect, calls: () => calls }
}

const unavailable = new TransportError({ provider: "t", reason: "ServerError", status: 503 })

describe("Policy", () => {
  it.effect("retryTransient retries transport failures with backoff", () =>
    Effect.gen(function*() {
      const f = flaky([unavailable, unavailable])
      const fiber = yield* Effect.forkChild(f.effect.pipe(Policy.retryTransient()))
      yield* waitUntil(() => f.calls() === 1)
      yield* TestClock.adjust(Duration.seconds(10))
      assert.strictEqual(yield* Fiber.join(fiber), "ok")
      assert.strictEqual(f.calls(), 3)
    }))

  it.effect("retryTransient never retries a rejected credential", () =>
    Effect.gen(function*() {
      const f = flaky([new CredentialsRejected({ provider: "t", reason: "WrongPassword" })])
      const error = yield* Effect.flip(f.effect.pipe(Policy.retryTransient()))
      assert.strictEqual(error._tag, "CredentialsRejected")
      assert.strictEqual(f.calls(), 1)
    }))

  it.effect("Retry-After is honoured: no retry before it has passed", () =>
    Effect.gen(function*() {
      const limited = new TransportError({ provider: "t", reason: "RateLimited", status: 429, retryAfterMillis: 2_000 })
      const f = flaky([limited])
      const fiber = yield* Effect.forkChild(f.effect.pipe(Policy.retryTransient()))
      yield* waitUntil(() => f.calls() === 1)
      yield* TestClock.adjust(Duration.millis(1_999))
      assert.strictEqual(f.calls(), 1)
      yield* TestClock.adjust(Duration.millis(1))
      assert.strictEqual(yield* Fiber.join(fiber), "ok")
      assert.strictEqual(f.calls(), 2)
    }))

  it.effect("a Retry-After longer than the limit ends the retries", () =>
    Effect.gen(function*() {
      const limited = new TransportError({
        provider: "t",
        reason: "RateLimited",
        status: 429,
        retryAfterMillis: 3_600_000
      })
      const f = flaky([limited])
      const error = yield* Effect.flip(f.effect.pipe(Policy.retryTransient()))
      assert.strictEqual(error, limited)
      assert.strictEqual(f.calls(), 1)
    }))

  it.effect("retries are bounded", () =>
    Effect.gen(function*() {
      const f = flaky(Array.from({ length: 100 }, () => unavailable))
      const fiber = yield* Effect.forkChild(
        f.effect.pipe(Policy.retryTransient(Policy.transientSchedule({ times: 2 })))
      )
      yield* TestClock.adjust(Duration.minutes(5))
      const exit = yield* Fiber.await(fiber)
      assert.strictEqual(exit._tag, "Failure")
      assert.strictEqual(f.calls(), 3)
    }))

  it.effect("timeout fails with a typed TransportError", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.never.pipe(Policy.timeout("t", "5 seconds")))
      yield* TestClock.adjust(Duration.seconds(5))
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(error.reason, "Timeout")
    }))
})
