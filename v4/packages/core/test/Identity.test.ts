/**
 * A session belongs to one account, wherever it is stored: a `SessionStore`
 * entry of another account or key is never served (the v3 file also covers
 * `Coordination`'s shared record, not ported to the v4 line yet). Memory
 * store, `TestClock`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Provider from "../src/Provider.js"
import * as SessionEngine from "../src/SessionEngine.js"
import * as SessionStore from "../src/SessionStore.js"

interface TestSession {
  readonly owner: string
  readonly token: string
  readonly expiresAt: number
}
const TestSession = Schema.Struct({ owner: Schema.String, token: Schema.String, expiresAt: Schema.Number })
interface Test extends Provider.Provider<"test", TestSession, string> {}

/** A provider that issues sessions of `owner`, counting logins and refreshes. */
const provider = (owner: string, lifetime = 60_000) => {
  const counters = { logins: 0, refreshes: 0 }
  let serial = 0
  const issue = Effect.map(Clock.currentTimeMillis, (now): TestSession => ({
    owner,
    token: `${owner}-${++serial}`,
    expiresAt: now + lifetime
  }))
  return {
    counters,
    acquire: Effect.andThen(Effect.sync(() => void counters.logins++), issue),
    refresh: (_: TestSession) => Effect.andThen(Effect.sync(() => void counters.refreshes++), issue)
  }
}

describe("a stored session belongs to one account", () => {
  const persisted = (store: SessionStore.SessionStore, owner: string, key = SessionStore.key("test", owner)) =>
    Effect.gen(function*() {
      const p = provider(owner)
      const auth = yield* SessionEngine.make<Test>({
        provider: "test",
        acquire: p.acquire,
        expiresAt: (s) => s.expiresAt,
        persistence: { store, key, schema: TestSession, account: owner, belongsTo: (s) => s.owner === owner }
      })
      return { auth, counters: p.counters }
    })

  it.effect("an entry of account B copied under A's key is discarded; A's own is reused", () =>
    Effect.gen(function*() {
      const store = SessionStore.makeMemory()
      const b = yield* Effect.scoped(Effect.flatMap(persisted(store, "B"), (e) => e.auth.session))
      const entry = yield* store.load(SessionStore.key("test", "B"))
      assert.isTrue(Option.isSome(entry))
      assert.notInclude(Option.getOrThrow(entry), "\"A\"")
      yield* store.save(SessionStore.key("test", "A"), Option.getOrThrow(entry))
      const a = yield* persisted(store, "A")
      const session = yield* a.auth.session
      assert.strictEqual(session.owner, "A")
      assert.notStrictEqual(session.token, b.token)
      assert.strictEqual(a.counters.logins, 1)
      // A restart of A reuses A's entry.
      yield* Effect.yieldNow
      const again = yield* persisted(store, "A")
      assert.strictEqual((yield* again.auth.session).token, session.token)
      assert.strictEqual(again.counters.logins, 0)
    }))

  it.effect("an entry whose account field was rewritten, but whose session is B's, is discarded by belongsTo", () =>
    Effect.gen(function*() {
      const store = SessionStore.makeMemory()
      const now = yield* Clock.currentTimeMillis
      const key = SessionStore.key("test", "A")
      yield* store.save(
        key,
        JSON.stringify({ v: 2, key, account: "A", session: { owner: "B", token: "B-1", expiresAt: now + 60_000 } })
      )
      const a = yield* persisted(store, "A")
      assert.strictEqual((yield* a.auth.session).owner, "A")
      assert.strictEqual(a.counters.logins, 1)
    }))
})
