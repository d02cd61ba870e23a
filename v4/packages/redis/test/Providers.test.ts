/** v3's provider fleet test: Gunbot and Terabox replicas, each with its own Redis connections, share one session. */
import * as Coordination from "@authfx/core/Coordination"
import * as GunbotAuth from "@authfx/gunbot/GunbotAuth"
import * as TeraboxAuth from "@authfx/terabox/TeraboxAuth"
import * as TeraboxClient from "@authfx/terabox/TeraboxClient"
import { GunbotFake, TeraboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as RedisCoordination from "../src/RedisCoordination.js"
import { freshPrefix, redisUrl } from "./utils/fleet.js"

/** A coordination of its own per replica: its own Redis connections, as separate processes would have. */
const coordination = (prefix: string) =>
  Effect.map(
    RedisCoordination.makeBackend({ url: redisUrl!, prefix }),
    (backend) => Layer.succeed(Coordination.Coordination, Coordination.make(backend, { lease: "2 seconds" }))
  )

describe.skipIf(redisUrl === undefined)("Gunbot and Terabox replicas share their session", () => {
  it.live("Gunbot: 4 replicas, one login; a forced renewal on each, one more login", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const prefix = freshPrefix()
      const replicas = yield* Effect.forEach([0, 1, 2, 3], () =>
        Effect.gen(function*() {
          const context = yield* Layer.build(
            GunbotAuth.layer({
              url: fake.url,
              password: Redacted.make(fake.password()),
              gunthyWallet: Redacted.make(fake.gunthyWallet),
              retry: false
            }).pipe(
              Layer.provide(FetchHttpClient.layer),
              Layer.provide(yield* coordination(prefix))
            )
          )
          return Context.get(context, GunbotAuth.GunbotAuth)
        }))
      const first = yield* Effect.forEach(replicas, (auth) => auth.session, { concurrency: "unbounded" })
      assert.strictEqual(new Set(first.map((s) => Redacted.value(s.token))).size, 1)
      assert.strictEqual(fake.counters.logins, 1)
      const renewed = yield* Effect.forEach(replicas, (auth) => auth.refresh, { concurrency: "unbounded" })
      assert.strictEqual(new Set(renewed.map((s) => Redacted.value(s.token))).size, 1)
      assert.strictEqual(fake.counters.logins, 2)
    }))

  it.live("Terabox: 3 replicas, one homepage read; a rejected jsToken re-read once for all", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make()
      const prefix = freshPrefix()
      const replicas = yield* Effect.forEach([0, 1, 2], () =>
        Effect.gen(function*() {
          const context = yield* Layer.build(
            TeraboxClient.layer({ url: fake.url, ndus: Redacted.make(fake.ndus()), retry: false }).pipe(
              Layer.provide(FetchHttpClient.layer),
              Layer.provide(yield* coordination(prefix))
            )
          )
          return Context.get(context, TeraboxAuth.TeraboxAuth)
        }))
      const first = yield* Effect.forEach(replicas, (auth) => auth.session, { concurrency: "unbounded" })
      assert.strictEqual(new Set(first.map((s) => Redacted.value(s.jsToken))).size, 1)
      const pages = fake.counters.pages
      fake.rotateJsToken()
      // Each replica meets the rejection with its own copy of the session: one re-read between them.
      for (const [i, auth] of replicas.entries()) yield* auth.invalidate(first[i]!)
      const renewed = yield* Effect.forEach(replicas, (auth) => auth.session, { concurrency: "unbounded" })
      assert.strictEqual(new Set(renewed.map((s) => Redacted.value(s.jsToken))).size, 1)
      assert.strictEqual(Redacted.value(renewed[0]!.jsToken), fake.jsToken())
      assert.strictEqual(fake.counters.pages - pages, 1)
    }))
})
