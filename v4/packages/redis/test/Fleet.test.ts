import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { Redis } from "ioredis"
import { freshPrefix, recordKey, redisUrl, type Replica, replica } from "./utils/fleet.js"
import * as Tokens from "./utils/tokens.js"

const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))
const token = (session: { readonly accessToken: Redacted.Redacted<string> }) => Redacted.value(session.accessToken)

/** Waits (bounded) until `check` holds. */
const until = (check: Effect.Effect<boolean>, what: string, millis = 10_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + millis
    while (!(yield* check)) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`${what} not reached within ${millis} ms`))
      yield* sleep(5)
    }
  })

const admin = () => {
  const client = new Redis({ path: redisUrl!.slice("unix://".length), lazyConnect: true })
  client.on("error", () => {})
  return Effect.acquireRelease(
    Effect.as(Effect.promise(() => client.connect()), client),
    (c) => Effect.sync(() => c.disconnect())
  )
}

/** Builds `n` replicas and has each obtain the fleet's first session (one login for all). */
const fleet = (n: number, make: (i: number) => Effect.Effect<Replica>) =>
  Effect.gen(function*() {
    const replicas: Array<Replica> = []
    for (let i = 0; i < n; i++) replicas.push(yield* make(i))
    yield* Effect.addFinalizer(() => Effect.forEach(replicas, (r) => r.kill, { discard: true }))
    const first = yield* replicas[0]!.auth.session
    for (const r of replicas.slice(1)) assert.strictEqual(token(yield* r.auth.session), token(first))
    return { replicas, first }
  })

describe.skipIf(redisUrl === undefined)("fleet on a real Redis", () => {
  it.live("8 replicas x 1,000 callers at expiry, single-use rotating refresh tokens: one refresh for all", () =>
    Effect.gen(function*() {
      const fake = yield* Tokens.make({ singleUseRefreshToken: true, accessLifetimeSeconds: 3 })
      const prefix = freshPrefix()
      // Renewal due at expiry itself: the callers find the session stale and all go to the slow path together.
      const { first, replicas } = yield* fleet(
        8,
        () =>
          replica({
            fakeUrl: fake.url,
            prefix,
            engine: { refreshAt: 1, refreshJitter: 0, refreshMargin: 0, expirySkew: 0 },
            // 8,000 fibers in one process stall its event loop for long stretches: a lease and command timeout far
            // above those stalls (in production, a lease above the provider call's timeout plus a margin).
            coordination: { lease: "5 seconds", commandTimeout: "5 seconds" }
          })
      )
      assert.deepStrictEqual([fake.counters.logins, fake.counters.refreshes], [1, 0])
      yield* until(Effect.map(replicas[0]!.auth.current, Option.isNone), "the session went stale")
      const results = yield* Effect.forEach(
        replicas.flatMap((r) => Array.from({ length: 1_000 }, () => r.auth.session)),
        Effect.result,
        { concurrency: "unbounded" }
      )
      const failures = results.filter(Result.isFailure).length
      const tokens = new Set(results.filter(Result.isSuccess).map((r) => token(r.success)))
      assert.deepStrictEqual(
        { refreshes: fake.counters.refreshes, logins: fake.counters.logins, refused: fake.counters.refusedRefreshes },
        { refreshes: 1, logins: 1, refused: 0 }
      )
      assert.strictEqual(failures, 0)
      assert.strictEqual(tokens.size, 1)
      assert.isFalse(tokens.has(token(first)))
      // Every replica holds the record's generation: 1 (the login), 2 (the refresh).
      const client = yield* admin()
      assert.strictEqual(
        yield* Effect.promise(() => client.hget(recordKey(prefix), "g")),
        "2"
      )
    }))

  const killedMidRefresh = (when: "before the answer" | "after rotation, before the commit") =>
    it.live(`holder killed ${when}: survivors converge within lease + 500 ms, callers never fail`, () =>
      Effect.gen(function*() {
        const fake = yield* Tokens.make({ singleUseRefreshToken: true, accessLifetimeSeconds: 30 })
        const prefix = freshPrefix()
        const held = yield* Deferred.make<void>()
        const committing = yield* Deferred.make<void>()
        let armed = false
        const { first, replicas } = yield* fleet(4, (i) =>
          replica({
            fakeUrl: fake.url,
            prefix,
            wrap: i > 0 ? undefined : (backend) => ({
              ...backend,
              tryLease: (...args) =>
                Effect.tap(
                  backend.tryLease(...args),
                  (a) => armed && a.held ? Deferred.succeed(held, undefined) : Effect.void
                ),
              // The crash point of the second case: the provider rotated, the commit never reaches Redis.
              commit: (...args) =>
                armed ? Effect.andThen(Deferred.succeed(committing, undefined), Effect.never) : backend.commit(...args)
            })
          }))
        const [holder, ...survivors] = replicas
        const loginsBefore = fake.counters.logins
        const requestsBefore = fake.counters.requests
        armed = true
        // Callers on the survivors the whole time: none may fail or get an expired session.
        let calls = 0
        const callers = yield* Effect.forkScoped(Effect.forEach(survivors, (r) =>
          Effect.gen(function*() {
            while (true) {
              const s = yield* r.auth.session
              assert.isAbove(s.accessExpiresAt, Date.now())
              calls++
              yield* sleep(5)
            }
          }), { concurrency: "unbounded", discard: true }))
        if (when === "before the answer") fake.setDelay(300)
        yield* Effect.forkDetach(holder!.auth.refresh)
        yield* Deferred.await(held)
        const renewals = yield* Effect.forkScoped(
          Effect.forEach(survivors, (r) => r.auth.refresh, { concurrency: "unbounded" })
        )
        if (when === "before the answer") {
          yield* until(Effect.sync(() => fake.counters.requests > requestsBefore), "the request reached the fake")
          yield* sleep(100)
        } else {
          yield* Deferred.await(committing)
          assert.strictEqual(fake.counters.refreshes, 1, "the provider rotated the refresh token")
        }
        const killedAt = Date.now()
        yield* holder!.kill
        fake.clearFaults()
        const sessions = yield* Fiber.join(renewals)
        const converged = Date.now() - killedAt
        assert.isAtMost(converged, 500 + 500, `converged after ${converged} ms`)
        assert.strictEqual(new Set(sessions.map(token)).size, 1)
        assert.notStrictEqual(token(sessions[0]!), token(first))
        if (when === "before the answer") {
          assert.isAtMost(fake.counters.refusedRefreshes, 1)
          assert.isAtMost(fake.counters.logins - loginsBefore, 1)
        } else {
          // The rotated token died with the holder: the next holder is refused once, then logs in once.
          assert.deepStrictEqual([fake.counters.refusedRefreshes, fake.counters.logins - loginsBefore], [1, 1])
        }
        yield* Fiber.interrupt(callers)
        assert.isAbove(calls, 0)
        const callerExit = yield* Fiber.await(callers)
        assert.isTrue(Exit.hasInterrupts(callerExit), "no caller failed")
      }))
  killedMidRefresh("before the answer")
  killedMidRefresh("after rotation, before the commit")

  it.live("the record lost (a Redis restarted empty): still one refresh, generations keep rising", () =>
    Effect.gen(function*() {
      const fake = yield* Tokens.make({ singleUseRefreshToken: true, accessLifetimeSeconds: 30 })
      const prefix = freshPrefix()
      const { first, replicas } = yield* fleet(3, () => replica({ fakeUrl: fake.url, prefix }))
      const client = yield* admin()
      const record = recordKey(prefix)
      assert.strictEqual(yield* Effect.promise(() => client.del(record)), 1)
      const sessions = yield* Effect.forEach(replicas, (r) => r.auth.refresh, { concurrency: "unbounded" })
      assert.strictEqual(new Set(sessions.map(token)).size, 1)
      assert.notStrictEqual(token(sessions[0]!), token(first))
      assert.deepStrictEqual([fake.counters.refreshes, fake.counters.refusedRefreshes, fake.counters.logins], [1, 0, 1])
      assert.strictEqual(yield* Effect.promise(() => client.hget(record, "g")), "2")
    }))

  it.live("the pub/sub connection dropped: waiting replicas converge within lease + poll", () =>
    Effect.gen(function*() {
      const fake = yield* Tokens.make({ singleUseRefreshToken: true, accessLifetimeSeconds: 30 })
      const prefix = freshPrefix()
      const { first, replicas } = yield* fleet(4, () =>
        replica({
          fakeUrl: fake.url,
          prefix,
          // Dropped for good: the subscriber reconnects but never subscribes again.
          coordination: { redis: { autoResubscribe: false }, lease: "500 millis", poll: "100 millis" }
        }))
      const client = yield* admin()
      yield* Effect.promise(() => client.client("KILL", "TYPE", "pubsub"))
      yield* until(
        Effect.map(Effect.promise(() => client.pubsub("NUMPAT")), (n) => Number(n) === 0),
        "the subscriptions are gone"
      )
      fake.setDelay(200)
      const started = Date.now()
      const sessions = yield* Effect.forEach(replicas, (r) => r.auth.refresh, { concurrency: "unbounded" })
      const elapsed = Date.now() - started
      assert.strictEqual(new Set(sessions.map(token)).size, 1)
      assert.notStrictEqual(token(sessions[0]!), token(first))
      assert.deepStrictEqual([fake.counters.refreshes, fake.counters.refusedRefreshes], [1, 0])
      // The holder's call (200 ms) plus at most one poll interval, well within lease + poll.
      assert.isAtMost(elapsed, 500 + 100 + 200, `converged after ${elapsed} ms`)
    }))
})
