/**
 * Many accounts in one process: heap per idle account and heap growth over
 * acquire/evict cycles, for `Keyed` (core) and for Octokit auth-app's LRU of
 * installation tokens, the peer that holds the most accounts per instance.
 */
import * as Keyed from "@authfx/core/Keyed"
import { createAppAuth } from "@octokit/auth-app"
import { request as octokitRequest } from "@octokit/request"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { Lru } from "toad-cache"
import { memoryEngine } from "./authfx.js"
import { cannedInstallationFetch } from "./peers.js"

const gc = () => {
  const f = (globalThis as { gc?: () => void }).gc
  f?.()
  f?.()
}
const heapUsed = () => process.memoryUsage().heapUsed

/** Heap per idle account with `count` accounts alive, each with its session. */
export const authfxPerAccount = (count: number) =>
  Effect.gen(function*() {
    gc()
    const before = heapUsed()
    const scope = yield* Scope.make()
    const accounts = yield* Scope.extend(Keyed.make({ lookup: () => memoryEngine }), scope)
    for (let i = 0; i < count; i++) yield* accounts.use(`account-${i}`, (auth) => auth.session)
    gc()
    const per = (heapUsed() - before) / count
    yield* Scope.close(scope, Exit.void)
    return per
  })

/** Heap growth over `cycles` uses of new accounts at `capacity` (each evicts the least recently used). */
export const authfxCycles = (cycles: number, capacity: number) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const accounts = yield* Scope.extend(Keyed.make({ lookup: () => memoryEngine, capacity }), scope)
    const warmup = Math.min(cycles / 10, 100_000)
    for (let i = 0; i < warmup; i++) yield* accounts.use(`account-${i}`, (auth) => auth.session)
    gc()
    const before = heapUsed()
    const start = performance.now()
    for (let i = warmup; i < cycles; i++) yield* accounts.use(`account-${i}`, (auth) => auth.session)
    const seconds = (performance.now() - start) / 1000
    gc()
    const growth = heapUsed() - before
    yield* Scope.close(scope, Exit.void)
    return { growth, seconds, cycles: cycles - warmup }
  })

// The app JWT is canned (`createJwt`) so that the figures are the cache's: with the default signer every
// installation token costs an RSA signature (about 2 ms here). `capacity` swaps Octokit's own LRU (toad-cache,
// 15,000 entries) for the same class with fewer entries, so evictions start sooner.
const makeOctokit = (capacity?: number) =>
  createAppAuth({
    appId: 1,
    createJwt: async () => ({ jwt: "app.jwt.bench", expiresAt: new Date(Date.now() + 600_000).toISOString() }),
    request: octokitRequest.defaults({ request: { fetch: cannedInstallationFetch } }),
    ...(capacity === undefined ? {} : { cache: new Lru<string>(capacity, 1000 * 60 * 59) })
  })

/** Heap per cached installation token in one Octokit auth instance (its LRU holds up to 15,000). */
export const octokitPerAccount = async (count: number) => {
  gc()
  const before = heapUsed()
  const auth = makeOctokit()
  for (let i = 0; i < count; i++) await auth({ type: "installation", installationId: i + 1 })
  gc()
  const per = (heapUsed() - before) / count
  void auth
  return per
}

/** Heap growth over `cycles` new installations through an Octokit LRU of `capacity` entries. */
export const octokitCycles = async (cycles: number, capacity: number) => {
  const auth = makeOctokit(capacity)
  const warmup = Math.min(cycles / 10, 100_000)
  for (let i = 0; i < warmup; i++) await auth({ type: "installation", installationId: i + 1 })
  gc()
  const before = heapUsed()
  const start = performance.now()
  for (let i = warmup; i < cycles; i++) await auth({ type: "installation", installationId: i + 1 })
  const seconds = (performance.now() - start) / 1000
  gc()
  return { growth: heapUsed() - before, seconds, cycles: cycles - warmup }
}

export interface HitTimes {
  readonly medianUs: number
  readonly p99Us: number
}

export interface KeyedHit {
  /** Each hit an `Effect.runPromise` of its own, as a request handler calls it. */
  readonly promise: { readonly keyed: HitTimes; readonly direct: HitTimes }
  /** Each hit a `yield*` inside one Effect. */
  readonly effect: { readonly keyed: HitTimes; readonly direct: HitTimes }
  readonly samples: number
}

const percentiles = (samples: Array<number>): HitTimes => {
  samples.sort((a, b) => a - b)
  return {
    medianUs: samples[Math.floor(samples.length / 2)]! * 1000,
    p99Us: samples[Math.floor(samples.length * 0.99)]! * 1000
  }
}

/**
 * A hit on an idle account of `Keyed` (`accounts.use(key, (auth) => auth.session)`, nobody holding the account
 * before or after) beside the same account's engine used directly (`auth.session`), 1,000 idle accounts alive:
 * each hit timed on its own, blocks of 1,000 keyed and 1,000 direct hits alternating, 20 blocks after 2 warm-up
 * blocks each; median and 99th percentile.
 */
export const keyedHit = Effect.gen(function*() {
  const scope = yield* Scope.make()
  const accounts = yield* Scope.extend(Keyed.make({ lookup: () => memoryEngine }), scope)
  for (let i = 0; i < 1_000; i++) yield* accounts.use(`account-${i}`, (auth) => auth.session)
  const key = "account-500"
  const auth = yield* accounts.use(key, Effect.succeed)
  const keyed = accounts.use(key, (a) => a.session)
  const direct = auth.session
  const blocks = 20
  const block = 1_000
  const now = () => performance.now()
  const byPromise = { keyed: [] as Array<number>, direct: [] as Array<number> }
  const byEffect = { keyed: [] as Array<number>, direct: [] as Array<number> }
  const promiseBlock = (effect: Effect.Effect<unknown, unknown>, into: Array<number> | undefined) =>
    Effect.promise(async () => {
      for (let i = 0; i < block; i++) {
        const start = now()
        await Effect.runPromise(effect)
        into?.push(now() - start)
      }
    })
  const effectBlock = (effect: Effect.Effect<unknown, unknown>, into: Array<number> | undefined) =>
    Effect.gen(function*() {
      for (let i = 0; i < block; i++) {
        const start = now()
        yield* effect
        into?.push(now() - start)
      }
    })
  for (let b = 0; b < blocks + 2; b++) {
    const warm = b < 2
    yield* promiseBlock(keyed, warm ? undefined : byPromise.keyed)
    yield* promiseBlock(direct, warm ? undefined : byPromise.direct)
    yield* effectBlock(keyed, warm ? undefined : byEffect.keyed)
    yield* effectBlock(direct, warm ? undefined : byEffect.direct)
  }
  yield* Scope.close(scope, Exit.void)
  return {
    promise: { keyed: percentiles(byPromise.keyed), direct: percentiles(byPromise.direct) },
    effect: { keyed: percentiles(byEffect.keyed), direct: percentiles(byEffect.direct) },
    samples: blocks * block
  } satisfies KeyedHit
})
