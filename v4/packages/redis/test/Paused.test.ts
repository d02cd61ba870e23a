/**
 * §4: a slow Redis never leaves the fleet waiting on a dead lease, and a
 * Redis that refuses the credentials says so.
 */
import * as Coordination from "@authfx/core/Coordination"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import { Redis } from "ioredis"
import * as RedisCoordination from "../src/RedisCoordination.js"
import { freshPrefix, leaseKey, redisUrl, replica } from "./utils/fleet.js"
import * as Server from "./utils/server.js"
import * as Tokens from "./utils/tokens.js"

const token = (session: { readonly accessToken: Redacted.Redacted<string> }) => Redacted.value(session.accessToken)
const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))
const count = (metric: Metric.Counter<number>) => Effect.map(Metric.value(metric), (state) => state.count)
const errors = (reason: string) => Metric.withAttributes(Coordination.errors, { provider: "tokens", reason })

const server = (extra: ReadonlyArray<string> = []) =>
  Effect.acquireRelease(Effect.promise(() => Server.start(extra)), (s) => Effect.promise(s.stop))

const connect = (url: string, options: { readonly password?: string } = {}) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const client = new Redis({ path: url.slice("unix://".length), lazyConnect: true, ...options })
      client.on("error", () => {})
      return client
    }),
    (client) => Effect.sync(() => client.disconnect())
  ).pipe(Effect.tap((client) => Effect.promise(() => client.connect())))

/** Collects the messages of log lines (their annotations too) while `effect` runs. */
const logged = (logs: Array<string>) =>
  Effect.provide(
    Logger.layer([
      Logger.make(({ fiber, message }) =>
        void logs.push(`${String(message)} ${JSON.stringify(fiber.getRef(References.CurrentLogAnnotations))}`)
      )
    ])
  )

describe.skipIf(redisUrl === undefined)("a slow Redis", () => {
  it.live("paused under a lease command: its lease is released when Redis resumes, nobody waits on it", () =>
    Effect.gen(function*() {
      const redis = yield* server()
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      // A long lease: without the release, the lease taken when Redis resumes would hold the others for 10 s.
      const coordination = { commandTimeout: "200 millis", lease: "10 seconds", poll: "100 millis" } as const
      const replicas = yield* Effect.forEach(
        [0, 1],
        () => replica({ fakeUrl: fake.url, prefix, url: redis.url, coordination })
      )
      yield* Effect.addFinalizer(() => Effect.forEach(replicas, (r) => r.kill, { discard: true }))
      const first = yield* replicas[0]!.auth.session
      assert.strictEqual(token(yield* replicas[1]!.auth.session), token(first))

      redis.signal("SIGSTOP")
      // The lease command reaches the stopped server, the client gives up on it and renews locally.
      const local = yield* replicas[0]!.auth.refresh
      assert.notStrictEqual(token(local), token(first))
      yield* sleep(300)
      redis.signal("SIGCONT")
      const resumed = Date.now()
      const client = yield* connect(redis.url)
      const lease = leaseKey(prefix)
      while ((yield* Effect.promise(() => client.exists(lease))) === 1) {
        assert.isBelow(Date.now() - resumed, 2_000, "the orphaned lease is released")
        yield* sleep(10)
      }
      // The other replica's renewal takes the lease at once: no wait on a dead lease.
      const started = Date.now()
      const renewed = yield* replicas[1]!.auth.refresh
      const waited = Date.now() - started
      assert.isBelow(waited, 1_000, `waited ${waited} ms`)
      assert.notStrictEqual(token(renewed), token(first))
      assert.strictEqual(yield* Effect.promise(() => client.exists(lease)), 0)
    }))

  it.live("a lease nobody keeps alive and an expired session: the replica waits at most 2 s, then renews", () =>
    Effect.gen(function*() {
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      const client = yield* connect(redisUrl!)
      // What a lease command run after the client gave up on it leaves (from a connection that is gone since).
      yield* Effect.promise(() => client.set(leaseKey(prefix), "gone", "PX", 10_000))
      const r = yield* replica({ fakeUrl: fake.url, prefix, coordination: { lease: "10 seconds" } })
      yield* Effect.addFinalizer(() => r.kill)
      const started = Date.now()
      const session = yield* r.auth.session
      const waited = Date.now() - started
      assert.isAtLeast(waited, 1_900)
      assert.isBelow(waited, 3_000, `waited ${waited} ms`)
      assert.isAbove(session.accessExpiresAt, Date.now())
      assert.strictEqual(fake.counters.logins, 1)
    }))
})

describe.skipIf(redisUrl === undefined)("a Redis that refuses the credentials", () => {
  const password = "correct-horse-battery-staple-7d1f"
  const wrong = "not-the-password-4c2e"

  it.live("a wrong password: CoordinationError Authentication, logged and counted as such, renewals local", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const redis = yield* server(["--requirepass", password])
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const before = yield* count(errors("Authentication"))
      const r = yield* replica({
        fakeUrl: fake.url,
        prefix: freshPrefix(),
        url: redis.url,
        coordination: { redis: { password: wrong } }
      })
      yield* Effect.addFinalizer(() => r.kill)
      const session = yield* r.auth.session
      assert.strictEqual(fake.counters.logins, 1)
      assert.isAtLeast((yield* count(errors("Authentication"))) - before, 1)
      assert.isTrue(logs.some((line) => /refused the credentials/.test(line) && /WRONGPASS/.test(line)))
      assert.isFalse(logs.some((line) => /not reachable/.test(line)), "not reported as an outage")
      for (const line of logs) {
        assert.notInclude(line, wrong)
        assert.notInclude(line, password)
        assert.notInclude(line, token(session))
      }

      const wrongPassword = yield* Effect.flip(RedisCoordination.check({ url: redis.url, redis: { password: wrong } }))
      assert.strictEqual(wrongPassword.reason, "Authentication")
      assert.notInclude(wrongPassword.message, wrong)
      const none = yield* Effect.flip(RedisCoordination.check({ url: redis.url }))
      assert.strictEqual(none.reason, "Authentication")
      assert.match(none.message, /NOAUTH/)
      yield* RedisCoordination.check({ url: redis.url, redis: { password } })
      // A Redis that is not there is another matter.
      yield* Effect.promise(() => redis.stop())
      const gone = yield* Effect.flip(RedisCoordination.check({ url: redis.url, redis: { password } }))
      assert.strictEqual(gone.reason, "Unavailable")
    }).pipe(logged(logs))
  })

  it.live("an ACL user without the script commands: Authentication (NOPERM), not Unavailable", () =>
    Effect.gen(function*() {
      const client = yield* connect(redisUrl!)
      const user = `limited-${freshPrefix()}`
      yield* Effect.promise(() =>
        client.call("ACL", "SETUSER", user, "on", `>${password}`, "~*", "-@all", "+ping", "+hello", "+auth")
      )
      yield* Effect.addFinalizer(() => Effect.promise(() => client.call("ACL", "DELUSER", user)))
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const before = yield* count(errors("Authentication"))
      const r = yield* replica({
        fakeUrl: fake.url,
        prefix: freshPrefix(),
        coordination: { redis: { username: user, password } }
      })
      yield* Effect.addFinalizer(() => r.kill)
      yield* r.auth.session
      assert.strictEqual(fake.counters.logins, 1)
      assert.isAtLeast((yield* count(errors("Authentication"))) - before, 1)
      const refused = yield* Effect.flip(
        RedisCoordination.check({ url: redisUrl!, redis: { username: user, password } })
      )
      assert.strictEqual(refused.reason, "Authentication")
      assert.match(refused.message, /NOPERM/)
    }))
})
