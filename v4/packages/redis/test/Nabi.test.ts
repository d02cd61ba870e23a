/**
 * The Nabi-specific details of v3's fleet tests, on the v4 Nabi and its fake: a fleet of replicas of one wallet
 * behind single-use rotating refresh tokens (the record at `nabi/<address>`), and two wallets of one key whose
 * records are copied under each other's key, plain and sealed — a replica never serves another wallet's session.
 */
import * as Coordination from "@authfx/core/Coordination"
import { NabiFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { Redis } from "ioredis"
import * as Encryption from "../src/Encryption.js"
import { freshPrefix, redisUrl } from "./utils/fleet.js"
import { recordKey, replica, type ReplicaOptions, twoWallets } from "./utils/nabi.js"

const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))
const token = (session: { readonly accessToken: Redacted.Redacted<string> }) => Redacted.value(session.accessToken)
const [walletA, walletB] = twoWallets.map((w) => w.address) as [string, string]

const admin = () => {
  const client = new Redis({ path: redisUrl!.slice("unix://".length), lazyConnect: true })
  client.on("error", () => {})
  return Effect.acquireRelease(
    Effect.as(Effect.promise(() => client.connect()), client),
    (c) => Effect.sync(() => c.disconnect())
  )
}

const count = (metric: Metric.Counter<number>) => Effect.map(Metric.value(metric), (state) => state.count)
const unreadable = (reason: string) =>
  Metric.withAttributes(Coordination.unreadableRecords, { provider: "nabi", reason })

/** Starts a replica with its own scope, closed with the test's. */
const start = (options: ReplicaOptions) =>
  Effect.gen(function*() {
    const r = yield* replica(options)
    yield* Effect.addFinalizer(() => r.kill)
    return r
  })

/** Waits (bounded) until `check` holds. */
const until = (check: Effect.Effect<boolean>, what: string, millis = 10_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + millis
    while (!(yield* check)) {
      if (Date.now() > deadline) return yield* Effect.die(`${what} not reached within ${millis} ms`)
      yield* sleep(5)
    }
  })

describe.skipIf(redisUrl === undefined)("Nabi replicas on a real Redis", () => {
  it.live("8 replicas x 1,000 callers at expiry, single-use rotating refresh tokens: one refresh for all", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make({ singleUseRefreshToken: true, accessLifetimeSeconds: 3 })
      const prefix = freshPrefix()
      const replicas = yield* Effect.forEach([0, 1, 2, 3, 4, 5, 6, 7], () =>
        start({
          fakeUrl: fake.url,
          prefix,
          // Renewal due at expiry itself: the callers find the session stale and all go to the slow path together.
          engine: { refreshAt: 1, refreshJitter: 0, refreshMargin: 0, expirySkew: 0 },
          // 8,000 fibers in one process stall its event loop for long stretches: a lease and command timeout far
          // above those stalls (in production, a lease above the provider call's timeout plus a margin).
          coordination: { lease: "5 seconds", commandTimeout: "5 seconds" }
        }))
      const first = yield* replicas[0]!.auth.session
      for (const r of replicas.slice(1)) assert.strictEqual(token(yield* r.auth.session), token(first))
      assert.deepStrictEqual([fake.counters.logins, fake.counters.refreshes], [1, 0])
      yield* until(Effect.map(replicas[0]!.auth.current, Option.isNone), "the session went stale")
      const results = yield* Effect.forEach(
        replicas.flatMap((r) => Array.from({ length: 1_000 }, () => r.auth.session)),
        Effect.result,
        { concurrency: "unbounded" }
      )
      const tokens = new Set(results.filter(Result.isSuccess).map((r) => token(r.success)))
      assert.deepStrictEqual(
        { refreshes: fake.counters.refreshes, logins: fake.counters.logins, refused: fake.counters.refusedRefreshes },
        { refreshes: 1, logins: 1, refused: 0 }
      )
      assert.strictEqual(results.filter(Result.isFailure).length, 0)
      assert.strictEqual(tokens.size, 1)
      assert.isFalse(tokens.has(token(first)))
      // The record is the wallet's: generation 1 (the login), 2 (the refresh).
      const client = yield* admin()
      assert.strictEqual(yield* Effect.promise(() => client.hget(recordKey(prefix), "g")), "2")
    }))

  it.live("a record of wallet B copied under wallet A's key (plain): A never gets B's session", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make({ accounts: twoWallets, accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      const client = yield* admin()
      const b = yield* start({ fakeUrl: fake.url, prefix, address: walletB })
      const sessionB = yield* b.auth.session
      const recordA = recordKey(prefix, walletA)
      const payload = yield* Effect.promise(() => client.hget(recordKey(prefix, walletB), "p"))
      // The copy is newer than anything A holds: without the account check A would adopt it as it is.
      yield* Effect.promise(() => client.hset(recordA, "g", "9", "p", payload!))
      const before = yield* count(unreadable("account"))
      const a = yield* start({ fakeUrl: fake.url, prefix, address: walletA })
      const sessionA = yield* a.auth.session
      assert.strictEqual(sessionA.address, walletA)
      assert.notStrictEqual(token(sessionA), token(sessionB))
      assert.strictEqual(fake.counters.logins, 2)
      assert.strictEqual((yield* count(unreadable("account"))) - before, 1)
      // A's renewal does not pick B's up either, and B keeps its own.
      assert.strictEqual((yield* a.auth.refresh).address, walletA)
      assert.strictEqual((yield* b.auth.session).address, walletB)
      // A's key now holds A's record, generation above the copy's.
      assert.isAbove(Number(yield* Effect.promise(() => client.hget(recordA, "g"))), 9)
      assert.include(yield* Effect.promise(() => client.hget(recordA, "p")), walletA)
    }))

  it.live("sealed: a record of wallet B copied under A's key does not open (the key and account are bound)", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make({ accounts: twoWallets, accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      const client = yield* admin()
      const cipher = yield* Encryption.aesGcm(Encryption.generateKey())
      const b = yield* start({ fakeUrl: fake.url, prefix, address: walletB, coordination: { cipher } })
      const sessionB = yield* b.auth.session
      const sealed = yield* Effect.promise(() => client.hget(recordKey(prefix, walletB), "p"))
      assert.match(sealed!, /^a2\./)
      assert.notInclude(sealed!, walletB)
      const recordA = recordKey(prefix, walletA)
      yield* Effect.promise(() => client.hset(recordA, "g", "9", "p", sealed!))
      const before = yield* count(unreadable("sealed"))
      const a = yield* start({ fakeUrl: fake.url, prefix, address: walletA, coordination: { cipher } })
      const sessionA = yield* a.auth.session
      assert.strictEqual(sessionA.address, walletA)
      assert.notStrictEqual(token(sessionA), token(sessionB))
      assert.strictEqual((yield* count(unreadable("sealed"))) - before, 1)
      assert.strictEqual(fake.counters.logins, 2)
    }))
})
