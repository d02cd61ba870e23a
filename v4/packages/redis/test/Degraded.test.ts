import * as Coordination from "@authfx/core/Coordination"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import { Redis } from "ioredis"
import * as Encryption from "../src/Encryption.js"
import * as RedisCoordination from "../src/RedisCoordination.js"
import { freshPrefix, recordKey, redisUrl, replica } from "./utils/fleet.js"
import * as Server from "./utils/server.js"
import * as Tokens from "./utils/tokens.js"

const token = (session: { readonly accessToken: Redacted.Redacted<string> }) => Redacted.value(session.accessToken)
const fallbacks = Coordination.fallbacks.pipe(Metric.withAttributes({ provider: "tokens" }))

describe.skipIf(redisUrl === undefined)("a Redis that fails", () => {
  it.live("stalled, then gone: callers keep working, renewals fall back locally, bounded, logged, counted", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(Effect.promise(() => Server.start()), (s) => Effect.promise(s.stop))
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      const replicas = yield* Effect.forEach(
        [0, 1],
        () => replica({ fakeUrl: fake.url, prefix, url: server.url, coordination: { commandTimeout: "200 millis" } })
      )
      yield* Effect.addFinalizer(() => Effect.forEach(replicas, (r) => r.kill, { discard: true }))
      const first = yield* replicas[0]!.auth.session
      assert.strictEqual(token(yield* replicas[1]!.auth.session), token(first))
      assert.strictEqual(fake.counters.logins, 1)
      const before = (yield* Metric.value(fallbacks)).count

      // Stalled: every command times out.
      server.signal("SIGSTOP")
      for (const r of replicas) assert.strictEqual(token(yield* r.auth.session), token(first))
      let started = Date.now()
      const renewed = yield* Effect.forEach(replicas, (r) => r.auth.refresh, { concurrency: "unbounded" })
      assert.isAtMost(Date.now() - started, 2_000)
      for (const s of renewed) assert.notStrictEqual(token(s), token(first))
      assert.strictEqual((yield* Metric.value(fallbacks)).count - before, 2)

      // Gone: commands fail at once.
      server.signal("SIGCONT")
      server.signal("SIGKILL")
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      started = Date.now()
      const again = yield* Effect.forEach(replicas, (r) => r.auth.refresh, { concurrency: "unbounded" })
      assert.isAtMost(Date.now() - started, 1_500)
      for (const r of replicas) assert.strictEqual(token(yield* r.auth.session), token(again[replicas.indexOf(r)]!))
      assert.strictEqual((yield* Metric.value(fallbacks)).count - before, 4)
      assert.isTrue(logs.some((line) => /coordination unavailable/.test(line)))
      // No record, no token, in any log line.
      for (const line of logs) for (const s of [first, ...renewed, ...again]) assert.notInclude(line, token(s))
    }).pipe(
      Effect.provide(Logger.layer([Logger.make(({ message }) => void logs.push(String(message)))]))
    )
  })

  it.live("records sealed with AES-GCM: shared, and no token readable in Redis", () =>
    Effect.gen(function*() {
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const prefix = freshPrefix()
      const key = Encryption.generateKey()
      const cipher = yield* Encryption.aesGcm(key)
      const replicas = yield* Effect.forEach([0, 1], () =>
        replica({ fakeUrl: fake.url, prefix, coordination: { cipher } }))
      yield* Effect.addFinalizer(() =>
        Effect.forEach(replicas, (r) => r.kill, { discard: true })
      )
      const first = yield* replicas[0]!.auth.session
      assert.strictEqual(token(yield* replicas[1]!.auth.session), token(first))
      assert.strictEqual(fake.counters.logins, 1)
      const client = new Redis({ path: redisUrl!.slice("unix://".length) })
      const stored = yield* Effect.promise(() => client.hget(recordKey(prefix), "p")).pipe(
        Effect.ensuring(Effect.sync(() => client.disconnect()))
      )
      assert.match(stored ?? "", /^a2\./)
      assert.notInclude(stored ?? "", token(first))
      assert.notInclude(stored ?? "", Redacted.value(first.refreshToken))

      // A replica with another key cannot open it: it logs in again rather than use it.
      const other = yield* replica({
        fakeUrl: fake.url,
        prefix,
        coordination: { cipher: yield* Encryption.aesGcm(Encryption.generateKey()) }
      })
      yield* Effect.addFinalizer(() => other.kill)
      assert.notStrictEqual(token(yield* other.auth.session), token(first))
    }))

  it.live("a Redis that is not there when the replicas start: they build, renew locally, bounded, counted", () =>
    Effect.gen(function*() {
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60 })
      const url = `unix://${redisUrl!.slice("unix://".length)}.absent`
      const before = (yield* Metric.value(fallbacks)).count
      const started = Date.now()
      const replicas = yield* Effect.forEach(
        [0, 1],
        () => replica({ fakeUrl: fake.url, prefix: freshPrefix(), url, coordination: { commandTimeout: "200 millis" } })
      )
      yield* Effect.addFinalizer(() => Effect.forEach(replicas, (r) => r.kill, { discard: true }))
      for (const r of replicas) yield* r.auth.session
      assert.isAtMost(Date.now() - started, 5_000)
      assert.strictEqual(fake.counters.logins, 2)
      assert.strictEqual((yield* Metric.value(fallbacks)).count - before, 2)
      const error = yield* Effect.flip(RedisCoordination.check({ url }))
      assert.strictEqual(error.reason, "Unavailable")
    }))

  it.effect("a key that is not 32 bytes is a typed error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Encryption.aesGcm(Redacted.make("c2hvcnQ=")))
      assert.strictEqual(error._tag, "CoordinationError")
      assert.strictEqual(error.reason, "Crypto")
    }))
})
