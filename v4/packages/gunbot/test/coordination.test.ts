import * as Coordination from "@authfx/core/Coordination"
import { GunbotFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as GunbotAuth from "../src/GunbotAuth.js"

/** A replica: its own engine for the fake's instance, on `coordination` (or the one in `context`). */
const replica = (
  fake: GunbotFake.GunbotFake,
  options: Partial<GunbotAuth.Options> = {},
  context: Layer.Layer<never> = Layer.empty
) =>
  Effect.map(
    Layer.build(
      GunbotAuth.layer({
        url: fake.url,
        password: Redacted.make(fake.password()),
        gunthyWallet: Redacted.make(fake.gunthyWallet),
        retry: false,
        ...options
      }).pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(context))
    ),
    (built) => Context.get(built, GunbotAuth.GunbotAuth)
  )

const tokens = (sessions: ReadonlyArray<{ readonly token: Redacted.Redacted<string> }>) =>
  new Set(sessions.map((s) => Redacted.value(s.token))).size

describe("GunbotAuth: coordination", () => {
  it.live("replicas on one Coordination share one login, and a renewal", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const coordination = Coordination.make(Coordination.memoryBackend())
      const replicas = yield* Effect.forEach([0, 1, 2], () => replica(fake, { coordination }))
      const first = yield* Effect.forEach(replicas, (auth) => auth.session, { concurrency: "unbounded" })
      assert.strictEqual(tokens(first), 1)
      assert.strictEqual(fake.counters.logins, 1)
      const renewed = yield* Effect.forEach(replicas, (auth) => auth.refresh, { concurrency: "unbounded" })
      assert.strictEqual(tokens(renewed), 1)
      assert.strictEqual(fake.counters.logins, 2)
    }))

  it.live("the Coordination in the context is used by default; `false` works alone", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const shared = Coordination.layerMemory()
      const context = yield* Layer.build(shared)
      const inContext = Layer.succeedContext(context)
      const a = yield* replica(fake, {}, inContext)
      const b = yield* replica(fake, {}, inContext)
      assert.strictEqual(tokens([yield* a.session, yield* b.session]), 1)
      assert.strictEqual(fake.counters.logins, 1)
      const alone = yield* replica(fake, { coordination: false }, inContext)
      yield* alone.session
      assert.strictEqual(fake.counters.logins, 2)
    }))

  it.live("`account` keys the session: two accounts of a keyed service each log in", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const coordination = Coordination.make(Coordination.memoryBackend())
      const a = yield* replica(fake, { coordination, account: "a" })
      const a2 = yield* replica(fake, { coordination, account: "a" })
      const b = yield* replica(fake, { coordination, account: "b" })
      yield* a.session
      yield* a2.session
      assert.strictEqual(fake.counters.logins, 1)
      yield* b.session
      assert.strictEqual(fake.counters.logins, 2)
    }))

  it.live("a stored session of another password is never adopted", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const coordination = Coordination.make(Coordination.memoryBackend())
      const first = yield* replica(fake, { coordination })
      const before = yield* first.session
      // The password changes: a replica with the new one finds the old record under the same key and logs in.
      fake.changePassword("another-password")
      const second = yield* replica(fake, { coordination })
      const after = yield* second.session
      assert.notStrictEqual(Redacted.value(after.token), Redacted.value(before.token))
      assert.strictEqual(fake.counters.logins, 2)
      // While one with the new password adopts it: the record under that key is now the new password's.
      const third = yield* replica(fake, { coordination })
      assert.strictEqual(Redacted.value((yield* third.session).token), Redacted.value(after.token))
      assert.strictEqual(fake.counters.logins, 2)
    }))
})
