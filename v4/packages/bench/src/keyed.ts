/**
 * Many accounts in one process on the v4 line, measured as the v3 line's bench
 * does (packages/bench/src/keyed.ts): heap per idle `Keyed` account, and a
 * keyed hit beside the same engine's direct hit.
 */
import * as Keyed from "@authfx/core/Keyed"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { gc, memoryEngine } from "./engine.js"

const heapUsed = () => process.memoryUsage().heapUsed

/** Heap per idle account with `count` accounts alive, each with its session. */
export const perAccount = (count: number) =>
  Effect.gen(function*() {
    gc()
    gc()
    const before = heapUsed()
    const scope = yield* Scope.make()
    const accounts = yield* Scope.provide(Keyed.make({ lookup: () => memoryEngine }), scope)
    for (let i = 0; i < count; i++) yield* accounts.use(`account-${i}`, (auth) => auth.session)
    gc()
    gc()
    const per = (heapUsed() - before) / count
    yield* Scope.close(scope, Exit.void)
    return per
  })

export interface HitTimes {
  readonly medianUs: number
  readonly p99Us: number
}

const percentiles = (samples: Array<number>): HitTimes => {
  samples.sort((a, b) => a - b)
  return {
    medianUs: samples[Math.floor(samples.length / 2)]! * 1000,
    p99Us: samples[Math.floor(samples.length * 0.99)]! * 1000
  }
}

/**
 * A hit on an idle account (`accounts.use(key, (auth) => auth.session)`) beside the same account's engine used
 * directly (`auth.session`), 1,000 idle accounts alive, each hit a Promise caller (`Effect.runPromise`): blocks of
 * 1,000 of each alternating, 20 blocks after 2 warm-up blocks; median and 99th percentile.
 */
export const keyedHit = Effect.gen(function*() {
  const scope = yield* Scope.make()
  const accounts = yield* Scope.provide(Keyed.make({ lookup: () => memoryEngine }), scope)
  for (let i = 0; i < 1_000; i++) yield* accounts.use(`account-${i}`, (auth) => auth.session)
  const key = "account-500"
  const auth = yield* accounts.use(key, Effect.succeed)
  const keyed = accounts.use(key, (a) => a.session)
  const direct = auth.session
  const byPromise = { keyed: [] as Array<number>, direct: [] as Array<number> }
  const block = (effect: Effect.Effect<unknown, unknown>, into: Array<number> | undefined) =>
    Effect.promise(async () => {
      for (let i = 0; i < 1_000; i++) {
        const start = performance.now()
        await Effect.runPromise(effect)
        into?.push(performance.now() - start)
      }
    })
  for (let b = 0; b < 22; b++) {
    const warm = b < 2
    yield* block(keyed, warm ? undefined : byPromise.keyed)
    yield* block(direct, warm ? undefined : byPromise.direct)
  }
  yield* Scope.close(scope, Exit.void)
  return { keyed: percentiles(byPromise.keyed), direct: percentiles(byPromise.direct) }
})
