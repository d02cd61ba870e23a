import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/testing/TestClock"
import { inspect } from "node:util"
import * as SessionEngine from "../src/SessionEngine.js"
import * as SessionState from "../src/SessionState.js"
import { makeHarness, SENTINEL } from "./utils/harness.js"

describe("SessionState", () => {
  it.effect("before the first login: not authenticated, generation 0, nothing else", () =>
    Effect.gen(function*() {
      const h = yield* makeHarness({ lifetimeMillis: 60_000 })
      const state = yield* h.auth.state
      assert.instanceOf(state, SessionState.SessionState)
      assert.isFalse(state.authenticated)
      assert.strictEqual(state.generation, 0)
      assert.strictEqual(state.provider, "test")
      assert.isUndefined(state.acquiredAt)
      assert.isUndefined(state.expiresAt)
      assert.isUndefined(state.lastFailure)
      assert.isFalse(state.closed)
      assert.strictEqual(h.acquires(), 0, "reading the state never logs in")
    }))

  it.effect("with a session: since when, until when, when it renews, which generation", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust(Duration.seconds(100))
      const h = yield* makeHarness({ lifetimeMillis: 60_000, refreshJitter: 0 })
      yield* h.auth.session
      const state = yield* h.auth.state
      assert.isTrue(state.authenticated)
      assert.strictEqual(state.generation, 1)
      assert.strictEqual(state.acquiredAt, 100_000)
      assert.strictEqual(state.expiresAt, 160_000)
      assert.strictEqual(state.renewsAt, 100_000 + 30_000, "80% of the lifetime, capped by the 30 s margin")
      // Dropped (rejected): no longer authenticated, and the state says so.
      yield* h.auth.invalidate(yield* h.auth.session)
      assert.isFalse((yield* h.auth.state).authenticated)
    }))

  it.effect("the last failure is kept as tag and message, and a session that never expires has no expiry", () =>
    Effect.gen(function*() {
      const h = yield* makeHarness({ lifetimeMillis: undefined })
      h.failNext(1, "rejected")
      yield* Effect.result(h.auth.session)
      const failed = yield* h.auth.state
      assert.isFalse(failed.authenticated)
      assert.match(failed.lastFailure!.error, /^CredentialsRejected/)
      yield* h.auth.session
      const ok = yield* h.auth.state
      assert.isTrue(ok.authenticated)
      assert.isUndefined(ok.expiresAt)
      assert.isUndefined(ok.renewsAt)
      assert.isDefined(ok.lastFailure, "kept for diagnosis")
    }))

  it.effect("an account is named; the state renders without a secret with String, JSON, inspect and encodes", () =>
    Effect.gen(function*() {
      const h = yield* makeHarness({ lifetimeMillis: 60_000, account: "ops" })
      yield* h.auth.session
      h.failNext(1, "rejected")
      yield* h.auth.refresh.pipe(Effect.result)
      const state = yield* h.auth.state
      assert.strictEqual(state.account, "ops")
      const encoded = yield* Schema.encodeEffect(SessionState.SessionState)(state)
      for (
        const rendered of [String(state), JSON.stringify(state), inspect(state, { depth: 8 }), JSON.stringify(encoded)]
      ) {
        assert.notInclude(rendered, SENTINEL)
        assert.include(rendered, "ops")
      }
    }))

  it.effect("closed once the scope has closed", () =>
    Effect.gen(function*() {
      const auth = yield* Effect.scoped(
        SessionEngine.make({ provider: "p", acquire: Effect.succeed({ token: Redacted.make(SENTINEL) }) })
      )
      const state = yield* auth.state
      assert.isTrue(state.closed)
      assert.isFalse(state.authenticated)
    }))
})
