/**
 * No secret of the fleet — access and refresh tokens, the record key, the
 * Redis password — appears in a log line, a span (`<provider>.coordinate`),
 * an error, or the rendering of a value the package hands out, through the
 * paths that log: records that do not open, a Redis that refuses the
 * password, `check`.
 */
import * as Coordination from "@authfx/core/Coordination"
import { SecretScan } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Encryption from "../src/Encryption.js"
import * as RedisCoordination from "../src/RedisCoordination.js"
import { freshPrefix, redisUrl, replica } from "./utils/fleet.js"
import * as Server from "./utils/server.js"
import * as Tokens from "./utils/tokens.js"

const secretsOf = (session: Tokens.TokenSession) => [
  Redacted.value(session.accessToken),
  Redacted.value(session.refreshToken)
]

describe.skipIf(redisUrl === undefined)("secrets on the fleet", () => {
  it.live("tokens, the record key and the Redis password appear in no log, span, error or value", () => {
    const capture = SecretScan.makeCapture()
    return Effect.gen(function*() {
      const password = SecretScan.sentinel("redis-password")
      const wrong = SecretScan.sentinel("wrong-password")
      const server = yield* Effect.acquireRelease(
        Effect.promise(() => Server.start(["--requirepass", password])),
        (s) => Effect.promise(s.stop)
      )
      const fake = yield* Tokens.make({ accessLifetimeSeconds: 60, singleUseRefreshToken: true })
      const prefix = freshPrefix()
      const key = Encryption.generateKey()
      const cipher = yield* Encryption.aesGcm(key)
      const other = yield* Encryption.aesGcm(Encryption.generateKey())
      const seen: Array<unknown> = [key, cipher, other]
      const secrets: Array<string> = [Redacted.value(key), password, wrong]

      // Two replicas sharing sealed records; a third with another key, which cannot open them and logs so.
      const coordination = { url: server.url, redis: { password }, cipher }
      const a = yield* replica({ fakeUrl: fake.url, prefix, coordination })
      const b = yield* replica({ fakeUrl: fake.url, prefix, coordination })
      const c = yield* replica({ fakeUrl: fake.url, prefix, coordination: { ...coordination, cipher: other } })
      // A fourth with a wrong password: refused, logged as such, renewing locally.
      const d = yield* replica({
        fakeUrl: fake.url,
        prefix,
        coordination: { url: server.url, redis: { password: wrong } }
      })
      yield* Effect.addFinalizer(() => Effect.forEach([a, b, c, d], (r) => r.kill, { discard: true }))
      const sessions = [yield* a.auth.session, yield* b.auth.session, yield* c.auth.session, yield* d.auth.session]
      sessions.push(yield* b.auth.refresh, yield* c.auth.refresh)
      assert.strictEqual(Redacted.value(sessions[1]!.accessToken), Redacted.value(sessions[0]!.accessToken))
      for (const session of sessions) secrets.push(...secretsOf(session))
      seen.push(
        ...sessions,
        a.backend.stats,
        yield* Effect.flip(RedisCoordination.check({
          url: server.url,
          redis: { password: wrong }
        }))
      )
      // The error a cipher gives for a record that does not open.
      seen.push(yield* Effect.flip(other.open(yield* cipher.seal("{\"token\":\"x\"}", "aad"), "aad")))
      seen.push(new Coordination.CoordinationError({ operation: "tryLease", reason: "Timeout" }))

      assert.isTrue(capture.logs.some((line) => /does not open with this key/.test(line)), "the unopenable record")
      assert.isTrue(capture.logs.some((line) => /refused the credentials/.test(line)), "the refused password")
      assert.isTrue(capture.spans.some((span) => span.name === "tokens.coordinate"))
      yield* SecretScan.assertClean(secrets, { capture, values: seen })
    }).pipe(Effect.provide(capture.layer))
  })
})
