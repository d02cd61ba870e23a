/**
 * §3: a shared record belongs to one account. Records of another account copied
 * under this account's key (plain and sealed), garbage, a key of another Redis
 * type and a generation that is not a number are never served: each is
 * reported, counted and replaced by the next commit, after which the fleet
 * shares the new record again (no renewal left falling back for ever).
 */
import * as Coordination from "@authfx/core/Coordination"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Redis } from "ioredis"
import * as Encryption from "../src/Encryption.js"
import type * as RedisCoordination from "../src/RedisCoordination.js"
import { freshPrefix, leaseKey, recordKey, redisUrl, replica, type ReplicaOptions } from "./utils/fleet.js"
import * as Tokens from "./utils/tokens.js"

const token = (session: { readonly accessToken: Redacted.Redacted<string> }) => Redacted.value(session.accessToken)
const [accountA, accountB] = ["account-a", "account-b"] as const

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
  Metric.withAttributes(Coordination.unreadableRecords, { provider: "tokens", reason })
const repairs = Metric.withAttributes(Coordination.repairs, { provider: "tokens" })
const fallbacks = Metric.withAttributes(Coordination.fallbacks, { provider: "tokens" })

/** Starts a replica of `account` with its own scope, closed with the test's. */
const start = (options: ReplicaOptions) =>
  Effect.gen(function*() {
    const r = yield* replica(options)
    yield* Effect.addFinalizer(() => r.kill)
    return r
  })

/**
 * Puts something unusable at account A's record key, then has two replicas of A ask for a session: the first logs in
 * (it never serves what was there), replaces the record, and the second adopts it.
 */
const repaired = (
  what: string,
  reason: string,
  plant: (client: Redis, recordA: string, prefix: string) => Effect.Effect<void, unknown, Scope.Scope>,
  options: { readonly cipher?: boolean } = {}
) =>
  it.live(`${what}: never served, replaced by the next commit, counted (${reason})`, () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      const cipher = options.cipher ? yield* Encryption.aesGcm(Encryption.generateKey()) : undefined
      const coordination = cipher === undefined ? {} : { cipher }
      const client = yield* admin()
      const recordA = recordKey(prefix, accountA)
      yield* plant(client, recordA, prefix)
      const planted = yield* Effect.promise(() => client.type(recordA))
      assert.notStrictEqual(planted, "none")
      const before = { unreadable: yield* count(unreadable(reason)), repairs: yield* count(repairs) }
      const fallbacksBefore = yield* count(fallbacks)
      const loginsBefore = fake.counters.logins

      const a1 = yield* start({ fakeUrl: fake.url, prefix, account: accountA, coordination })
      const session = yield* a1.auth.session
      assert.strictEqual(session.account, accountA, "a session of account A")
      assert.strictEqual(fake.counters.logins - loginsBefore, 1)
      // Replaced: a readable record of A, one generation up at least.
      assert.strictEqual(yield* Effect.promise(() => client.type(recordA)), "hash")
      const g = Number(yield* Effect.promise(() => client.hget(recordA, "g")))
      assert.isTrue(Number.isSafeInteger(g) && g >= 1)
      // And shared again: a second replica of A adopts it, no login, no fallback.
      const a2 = yield* start({ fakeUrl: fake.url, prefix, account: accountA, coordination })
      assert.strictEqual(token(yield* a2.auth.session), token(session))
      assert.strictEqual(fake.counters.logins - loginsBefore, 1)
      const renewed = yield* a2.auth.refresh
      assert.strictEqual(token(yield* a1.auth.refresh), token(renewed), "a renewal after the repair is adopted")
      assert.strictEqual((yield* count(fallbacks)) - fallbacksBefore, 0, "no renewal ran without the fleet")
      assert.strictEqual((yield* count(unreadable(reason))) - before.unreadable, 1)
      assert.strictEqual((yield* count(repairs)) - before.repairs, 1)
      assert.isTrue(logs.some((line) => /record cannot be used/.test(line)))
      for (const line of logs) assert.notInclude(line, token(session))
    }).pipe(
      Effect.provide(Logger.layer([Logger.make(({ message }) => void logs.push(String(message)))]))
    )
  })

/** Account B logs in through the fleet, and its record is copied under A's key with a generation A would adopt. */
const copyOfB = (client: Redis, recordA: string, prefix: string, coordination: RedisCoordination.Options) =>
  Effect.gen(function*() {
    const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
    const b = yield* replica({ fakeUrl: fake.url, prefix, account: accountB, coordination })
    const session = yield* b.auth.session
    assert.strictEqual(session.account, accountB)
    yield* b.kill
    const recordB = recordKey(prefix, accountB)
    const payload = yield* Effect.promise(() => client.hget(recordB, "p"))
    assert.isString(payload)
    yield* Effect.promise(() => client.hset(recordA, "g", "7", "p", payload!))
  })

describe.skipIf(redisUrl === undefined)("a record belongs to one account", () => {
  it.live("a record of account B copied under account A's key (plain): A never gets B's session", () =>
    Effect.gen(function*() {
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      const client = yield* admin()
      const b = yield* start({ fakeUrl: fake.url, prefix, account: accountB })
      const sessionB = yield* b.auth.session
      const recordA = recordKey(prefix, accountA)
      const payload = yield* Effect.promise(() => client.hget(recordKey(prefix, accountB), "p"))
      // The copy is newer than anything A holds: without the account check A would adopt it as it is.
      yield* Effect.promise(() => client.hset(recordA, "g", "9", "p", payload!))
      const a = yield* start({ fakeUrl: fake.url, prefix, account: accountA })
      const sessionA = yield* a.auth.session
      assert.strictEqual(sessionA.account, accountA)
      assert.notStrictEqual(token(sessionA), token(sessionB))
      assert.strictEqual(fake.counters.logins, 2)
      // A's renewal does not pick B's up either, and B keeps its own.
      assert.strictEqual((yield* a.auth.refresh).account, accountA)
      assert.strictEqual((yield* b.auth.session).account, accountB)
      // A's key now holds A's record, generation above the copy's.
      assert.isAbove(Number(yield* Effect.promise(() => client.hget(recordA, "g"))), 9)
      assert.include(yield* Effect.promise(() => client.hget(recordA, "p")), accountA)
    }))

  repaired(
    "a record of account B copied under A's key",
    "account",
    (client, recordA, prefix) => copyOfB(client, recordA, prefix, {})
  )
  it.live("sealed: a record of account B copied under A's key does not open (the key and account are bound)", () =>
    Effect.gen(function*() {
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      const client = yield* admin()
      // One encryption key for the whole fleet: only the additional data tells the records apart.
      const cipher = yield* Encryption.aesGcm(Encryption.generateKey())
      const b = yield* start({ fakeUrl: fake.url, prefix, account: accountB, coordination: { cipher } })
      const sessionB = yield* b.auth.session
      const sealed = yield* Effect.promise(() => client.hget(recordKey(prefix, accountB), "p"))
      assert.match(sealed!, /^a2\./)
      const recordA = recordKey(prefix, accountA)
      yield* Effect.promise(() => client.hset(recordA, "g", "9", "p", sealed!))
      const before = yield* count(unreadable("sealed"))
      const a = yield* start({ fakeUrl: fake.url, prefix, account: accountA, coordination: { cipher } })
      const sessionA = yield* a.auth.session
      assert.strictEqual(sessionA.account, accountA)
      assert.notStrictEqual(token(sessionA), token(sessionB))
      assert.strictEqual((yield* count(unreadable("sealed"))) - before, 1)
      // The same cipher opens B's own record under B's key.
      yield* b.kill
      const b2 = yield* start({ fakeUrl: fake.url, prefix, account: accountB, coordination: { cipher } })
      assert.strictEqual(token(yield* b2.auth.session), token(sessionB))
    }))
  repaired(
    "a sealed record of account B copied under A's key",
    "sealed",
    (client, recordA, prefix) =>
      Effect.gen(function*() {
        // The replicas of the test get a cipher of their own; B's record is sealed under yet another: both fail to
        // open it, as a copy under the same key would (see above).
        const cipher = yield* Encryption.aesGcm(Encryption.generateKey())
        yield* copyOfB(client, recordA, prefix, { cipher })
      }),
    { cipher: true }
  )
  repaired(
    "garbage in the record",
    "garbage",
    (client, recordA) => Effect.asVoid(Effect.promise(() => client.hset(recordA, "g", "3", "p", "{not json")))
  )
  repaired(
    "a record of an earlier format (no account)",
    "garbage",
    (client, recordA) =>
      Effect.asVoid(
        Effect.promise(() =>
          client.hset(recordA, "g", "3", "p", JSON.stringify({ account: accountA, accessToken: "x" }))
        )
      )
  )
  repaired(
    "a list at the record key",
    "backend",
    (client, recordA) => Effect.asVoid(Effect.promise(() => client.rpush(recordA, "a", "b")))
  )
  repaired(
    "a string at the record key",
    "backend",
    (client, recordA) => Effect.asVoid(Effect.promise(() => client.set(recordA, "garbage")))
  )
  repaired(
    "a generation that is not a number",
    "backend",
    (client, recordA) => Effect.asVoid(Effect.promise(() => client.hset(recordA, "g", "seven", "p", "{}")))
  )
  repaired(
    "a record of 2 MiB",
    "backend",
    (client, recordA) =>
      Effect.asVoid(Effect.promise(() => client.hset(recordA, "g", "3", "p", "x".repeat(2 * 1024 * 1024))))
  )
  repaired(
    "a hash without a generation",
    "backend",
    (client, recordA) => Effect.asVoid(Effect.promise(() => client.hset(recordA, "p", "{}")))
  )

  it.live("a hash at the lease key: replaced by a lease, renewals go through the fleet", () =>
    Effect.gen(function*() {
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      const client = yield* admin()
      const lease = leaseKey(prefix, accountA)
      yield* Effect.promise(() => client.hset(lease, "f", "v"))
      const before = yield* count(fallbacks)
      const [a1, a2] = [
        yield* start({ fakeUrl: fake.url, prefix, account: accountA }),
        yield* start({ fakeUrl: fake.url, prefix, account: accountA })
      ]
      const session = yield* a1.auth.session
      assert.strictEqual(token(yield* a2.auth.session), token(session))
      assert.strictEqual(fake.counters.logins, 1)
      assert.strictEqual((yield* count(fallbacks)) - before, 0)
    }))

  it.live("a lease without an expiry: given one, so it lapses instead of blocking the fleet for ever", () =>
    Effect.gen(function*() {
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      const client = yield* admin()
      const lease = leaseKey(prefix, accountA)
      const a = yield* start({ fakeUrl: fake.url, prefix, account: accountA })
      const first = yield* a.auth.session
      yield* Effect.promise(() => client.set(lease, "somebody"))
      const before = yield* count(fallbacks)
      // A renewal while the session is still valid: without an expiry on the lease it would wait out `maxWait`.
      const started = Date.now()
      const renewed = yield* a.auth.refresh
      assert.isBelow(Date.now() - started, 3_000)
      assert.notStrictEqual(token(renewed), token(first))
      assert.strictEqual((yield* count(fallbacks)) - before, 0, "renewed through the fleet once the lease lapsed")
      assert.notStrictEqual(yield* Effect.promise(() => client.pttl(lease)), -1)
    }))
})
