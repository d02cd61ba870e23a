/**
 * The engine's own figures on the v4 line, measured as the v3 line's bench
 * measures them (packages/bench/src/engine.ts): a cached hit inside an Effect
 * loop, heap per idle instance (on the live clock, and on a clock of the
 * user's own, where each pending renewal is a sleeping fiber), build + first
 * token + close, and heap growth over open/close cycles.
 */
import type * as AuthError from "@authfx/core/AuthError"
import type * as Provider from "@authfx/core/Provider"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"

export interface Session {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: number
}
export interface Bench extends Provider.Provider<"bench", Session, AuthError.TransportError> {}

/** A login that does no I/O: what is measured is the engine. */
export const memorySession = Effect.sync((): Session => ({
  token: Redacted.make("bench-token"),
  expiresAt: Date.now() + 3_600_000
}))

/** An engine with the in-memory login. */
export const memoryEngine = SessionEngine.make<Bench>({
  provider: "bench",
  acquire: memorySession,
  expiresAt: (s) => s.expiresAt
})

export const gc = () => (globalThis as { gc?: () => void }).gc?.()
const now = () => performance.now()
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** ns per call of `effect`, the best of five rounds of `n` calls inside one Effect. */
export const nsPerCall = <A, E>(effect: Effect.Effect<A, E>, n: number) =>
  Effect.gen(function*() {
    const round = Effect.gen(function*() {
      const start = now()
      for (let i = 0; i < n; i++) yield* effect
      return ((now() - start) * 1e6) / n
    })
    yield* round
    const rounds: Array<number> = []
    for (let r = 0; r < 5; r++) rounds.push(yield* round)
    return Math.min(...rounds)
  })

/** A cached session vs a bare Effect.succeed vs Effect.cachedInvalidateWithTTL. */
export const cachedHit = Effect.scoped(Effect.gen(function*() {
  const auth = yield* memoryEngine
  yield* auth.session
  const [locking] = yield* Effect.cachedInvalidateWithTTL(memorySession, Duration.hours(1))
  yield* locking
  const n = 200_000
  return {
    authfx: yield* nsPerCall(auth.session, n),
    bare: yield* nsPerCall(Effect.succeed(1), n),
    locking: yield* nsPerCall(locking, n)
  }
}))

/** Heap per idle engine, `count` of them alive at once, each holding a session and its pending renewal. */
export const heapPerEngine = (count: number) =>
  Effect.gen(function*() {
    // The array that keeps the engines is allocated before the heap is read: it is the harness's, not theirs.
    const kept: Array<unknown> = new Array(count).fill(null)
    gc()
    gc()
    const before = process.memoryUsage().heapUsed
    const scope = yield* Scope.make()
    for (let i = 0; i < count; i++) {
      const auth = yield* Scope.provide(memoryEngine, scope)
      yield* auth.session
      kept[i] = auth
    }
    gc()
    gc()
    const per = (process.memoryUsage().heapUsed - before) / count
    yield* Scope.close(scope, Exit.void)
    kept.length = 0
    gc()
    return per
  })

/**
 * A clock of the user's own: the live clock's time and sleeps, but another object, so that the engines built on it
 * keep a fiber sleeping until each renewal instead of a slot in the live clock's shared timer.
 */
export const ownClock = (live: Clock.Clock): Clock.Clock => ({
  currentTimeMillisUnsafe: () => live.currentTimeMillisUnsafe(),
  currentTimeMillis: live.currentTimeMillis,
  currentTimeNanosUnsafe: () => live.currentTimeNanosUnsafe(),
  currentTimeNanos: live.currentTimeNanos,
  monotonicTimeNanosUnsafe: () => live.monotonicTimeNanosUnsafe(),
  monotonicTimeNanos: live.monotonicTimeNanos,
  sleep: (duration) => live.sleep(duration)
})

/** `heapPerEngine` on a clock of the user's own (the engine's fallback when its clock is not the live one). */
export const heapPerEngineOwnClock = (count: number) =>
  Effect.flatMap(
    Clock.clockWith(Effect.succeed),
    (live) => heapPerEngine(count).pipe(Effect.provideService(Clock.Clock, ownClock(live)))
  )

const cycle = Effect.scoped(Effect.flatMap(memoryEngine, (auth) => auth.session))

/** µs per run of `effect`, median of five rounds of 2,000 after one warm-up round. */
const usPerRun = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const n = 2_000
    const rounds: Array<number> = []
    for (let r = 0; r < 6; r++) {
      const start = now()
      for (let i = 0; i < n; i++) yield* effect
      if (r > 0) rounds.push(((now() - start) * 1000) / n)
    }
    return median(rounds)
  })

/** µs per build + first token + close, median of five rounds of 2,000. */
export const buildCost = usPerRun(cycle)

/** The floor of the build figure: a plain `acquireRelease` in a scope of its own, measured alike. */
export const acquireReleaseCost = usPerRun(
  Effect.scoped(Effect.acquireRelease(Effect.sync(() => ({ token: "bench" })), () => Effect.void))
)

/** Heap after 10,000 open/acquire/close cycles minus before (after 1,000 warm-up cycles). */
export const cycleGrowth = Effect.gen(function*() {
  for (let i = 0; i < 1_000; i++) yield* cycle
  gc()
  gc()
  const start = process.memoryUsage().heapUsed
  for (let i = 0; i < 10_000; i++) yield* cycle
  gc()
  gc()
  return process.memoryUsage().heapUsed - start
})
