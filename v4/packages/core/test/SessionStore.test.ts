import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as KeyValueStore from "effect/persistence/KeyValueStore"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/testing/TestClock"
import * as AuthMetrics from "../src/AuthMetrics.js"
import * as SessionStore from "../src/SessionStore.js"
import { type HarnessOptions, makeHarness, TestSessionSchema } from "./utils/harness.js"

const withStore = (store: SessionStore.SessionStore, options: HarnessOptions = {}) =>
  makeHarness({
    lifetimeMillis: 60_000,
    persistence: { store, key: SessionStore.key("test", "account-1"), schema: TestSessionSchema },
    ...options
  })

const failingStore: SessionStore.SessionStore = {
  load: (key) => Effect.fail(new SessionStore.SessionStoreError({ operation: "load", key })),
  save: (key) => Effect.fail(new SessionStore.SessionStoreError({ operation: "save", key })),
  remove: (key) => Effect.fail(new SessionStore.SessionStoreError({ operation: "remove", key }))
}

describe("SessionStore", () => {
  it.effect("a restart with a KeyValueStore reuses the session: zero logins", () =>
    Effect.gen(function*() {
      const kv = yield* Effect.provide(
        Effect.gen(function*() {
          return yield* KeyValueStore.KeyValueStore
        }),
        KeyValueStore.layerMemory
      )
      const store = SessionStore.fromKeyValueStore(kv)

      const first = yield* Scope.make()
      const before = yield* withStore(store).pipe(Scope.provide(first))
      const original = yield* before.auth.session
      yield* Effect.yieldNow
      yield* Scope.close(first, Exit.void)
      assert.strictEqual(before.acquires(), 1)
      const keys = yield* kv.keys
      // One entry, under a key safe for a file name, holding the session's encoding.
      assert.deepStrictEqual(keys, ["authfx_test_account-1"])
      assert.include(yield* kv.get(keys[0]!), "sentinel-secret")

      const second = yield* Scope.make()
      const after = yield* withStore(store).pipe(Scope.provide(second))
      const restored = yield* after.auth.session
      assert.strictEqual(after.acquires(), 0)
      assert.strictEqual(restored.id, original.id)
      assert.strictEqual(Redacted.value(restored.token), Redacted.value(original.token))
      yield* Scope.close(second, Exit.void)
    }))

  it.effect("an expired stored session is not used, but is the basis of a refresh", () =>
    Effect.gen(function*() {
      const store = SessionStore.makeMemory()
      const scope = yield* Scope.make()
      const first = yield* withStore(store).pipe(Scope.provide(scope))
      yield* first.auth.session
      yield* Effect.yieldNow
      yield* Scope.close(scope, Exit.void)
      yield* TestClock.adjust(Duration.minutes(5))
      const second = yield* withStore(store)
      assert.isTrue(Option.isNone(yield* second.auth.current))
      const renewed = yield* second.auth.session
      assert.strictEqual(renewed.via, "refresh")
      assert.strictEqual(second.acquires(), 0)
      assert.strictEqual(second.refreshes(), 1)
    }))

  it.effect("a failing store is logged and never breaks authentication", () =>
    Effect.gen(function*() {
      const h = yield* withStore(failingStore)
      const session = yield* h.auth.session
      assert.strictEqual(session.id, 1)
      yield* Effect.yieldNow
      assert.strictEqual((yield* h.auth.session).id, 1)
    }))

  it.effect("a corrupt stored value is ignored", () =>
    Effect.gen(function*() {
      const store = SessionStore.makeMemory()
      yield* store.save(SessionStore.key("test", "account-1"), "{not json")
      const h = yield* withStore(store)
      assert.strictEqual((yield* h.auth.session).id, 1)
      assert.strictEqual(h.acquires(), 1)
    }))

  it.effect("metrics count acquisitions, refreshes, rejections and failures per provider", () =>
    Effect.gen(function*() {
      const counter = (metric: Metric.Counter<number>) =>
        metric.pipe(Metric.withAttributes({ provider: "test" }), Metric.value)
      const before = {
        acquisitions: (yield* counter(AuthMetrics.acquisitions)).count,
        refreshes: (yield* counter(AuthMetrics.refreshes)).count,
        rejections: (yield* counter(AuthMetrics.rejections)).count,
        failures: (yield* counter(AuthMetrics.failures)).count
      }
      const h = yield* makeHarness({ lifetimeMillis: 60_000 })
      const s = yield* h.auth.session
      yield* h.auth.invalidate(s)
      h.failNext(1)
      yield* Effect.result(h.auth.session)
      yield* h.auth.session
      assert.strictEqual((yield* counter(AuthMetrics.acquisitions)).count - before.acquisitions, 1)
      assert.strictEqual((yield* counter(AuthMetrics.refreshes)).count - before.refreshes, 1)
      assert.strictEqual((yield* counter(AuthMetrics.rejections)).count - before.rejections, 1)
      assert.strictEqual((yield* counter(AuthMetrics.failures)).count - before.failures, 1)
      const gauge = yield* AuthMetrics.secondsToExpiry.pipe(
        Metric.withAttributes({ provider: "test" }),
        Metric.value
      )
      assert.strictEqual(gauge.value, 60)
    }))
})
