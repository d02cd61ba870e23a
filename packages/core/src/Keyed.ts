/**
 * Many accounts in one process: a service per key (an account, a bot, a
 * wallet), built on first use, shared by every fiber that asks for that key,
 * and closed when it is evicted.
 *
 * Built on Effect's `RcMap`, which gives single flight per key (concurrent
 * first callers share one build), reference counting (a service in use is
 * never closed under its caller) and closing of the service's scope with
 * everything it started (fibers, timers, sockets). On top of it this module
 * adds the eviction policy:
 *
 * - `capacity`: when a new key would exceed it, the least recently used key
 *   that nobody holds is evicted first; if every key is held, the call fails
 *   with a typed `CapacityExceeded`.
 * - `idleTimeToLive`: a key nobody has held for that long is evicted by one
 *   sweeper per map. `RcMap`'s own idle timer is a fiber per idle entry (about
 *   8 KiB each, measured with 100,000 entries), which alone is four times the
 *   memory budget of an idle account, so the map is made without it and the
 *   sweeper does that work for all keys at once.
 * - a build that fails is not kept: the next call builds again.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as RcMap from "effect/RcMap"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { CurrentAccount } from "./CurrentAccount.js"

/**
 * Every key is held by a caller and a new one would exceed the capacity.
 *
 * @since 0.1.0
 * @category errors
 */
export class CapacityExceeded extends Schema.TaggedError<CapacityExceeded>("@authfx/core/CapacityExceeded")(
  "CapacityExceeded",
  { capacity: Schema.Number }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `all ${this.capacity} accounts are in use; none can be evicted for a new one`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Keyed<A, E> {
  /** The service of `key`, built on first use; held until the caller's scope closes. */
  readonly get: (key: string) => Effect.Effect<A, E | CapacityExceeded, Scope.Scope>
  /** Runs `f` with the service of `key`, held for the duration of `f`. */
  readonly use: <B, E2, R2>(
    key: string,
    f: (service: A) => Effect.Effect<B, E2, R2>
  ) => Effect.Effect<B, E | E2 | CapacityExceeded, R2>
  /** Evicts `key` now: closed at once if nobody holds it, otherwise when its last holder lets go. */
  readonly evict: (key: string) => Effect.Effect<void>
  /** The keys alive now, least recently used first. */
  readonly keys: Effect.Effect<ReadonlyArray<string>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<A, E, R> {
  /** Builds the service of a key, in a scope that closes when the key is evicted. */
  readonly lookup: (key: string) => Effect.Effect<A, E, R>
  /** The most keys alive at once (default: no bound). */
  readonly capacity?: number | undefined
  /** A key nobody has held for this long is evicted (default: never). */
  readonly idleTimeToLive?: Duration.DurationInput | undefined
}

interface Usage {
  holders: number
  lastUsed: number
}

/**
 * Makes a keyed map whose services live in the current scope; closing it
 * closes every service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, E, R>(
  options: Options<A, E, R>
): Effect.Effect<Keyed<A, E>, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const capacity = options.capacity ?? Number.POSITIVE_INFINITY
    const ttl = options.idleTimeToLive === undefined ? undefined : Duration.toMillis(options.idleTimeToLive)
    const map = yield* RcMap.make({ lookup: options.lookup, idleTimeToLive: Duration.infinity })
    // Insertion order is recency: a key is moved to the end whenever it is taken.
    const usage = new Map<string, Usage>()

    // The account's scope is closed in a fiber of its own. Finalizers registered with `Effect.addFinalizer`
    // (and so `acquireRelease`) in the fiber that built the account patch the closing fiber's FiberRefs with
    // the builder's and leave an entry behind each time (effect 3.22); closed by a long-lived caller or by the
    // sweeper, that measured about 1.3 KiB and a slower close per eviction, growing without bound.
    const drop = (key: string) =>
      Effect.suspend(() => {
        usage.delete(key)
        return Effect.flatMap(Effect.forkDaemon(RcMap.invalidate(map, key)), Fiber.await)
      })

    const makeRoom = Effect.suspend(() => {
      if (usage.size < capacity) return Effect.void
      for (const [key, u] of usage) {
        if (u.holders === 0) return drop(key)
      }
      return Effect.fail(new CapacityExceeded({ capacity }))
    })

    const get = (key: string): Effect.Effect<A, E | CapacityExceeded, Scope.Scope> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          let u = usage.get(key)
          if (u === undefined) {
            yield* makeRoom
            u = { holders: 0, lastUsed: 0 }
          } else {
            usage.delete(key)
          }
          const entry = u
          entry.holders++
          usage.set(key, entry)
          yield* Effect.addFinalizer(() =>
            Clock.currentTimeMillis.pipe(Effect.map((now) => {
              entry.holders--
              entry.lastUsed = now
            }))
          )
          const exit = yield* Effect.exit(restore(RcMap.get(map, key)))
          if (Exit.isFailure(exit) && usage.get(key) === entry) {
            // A failed build stays failed in the RcMap: drop it so that the next call builds again.
            yield* drop(key)
          }
          return yield* exit
        })
      )

    if (ttl !== undefined && Number.isFinite(ttl)) {
      const idle = (u: Usage | undefined, now: number) => u !== undefined && u.holders === 0 && now - u.lastUsed >= ttl
      const sweep = Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.forEach(
          [...usage].filter(([, u]) => idle(u, now)).map(([key]) => key),
          // Checked again: closing the previous key may have let a caller take this one.
          (key) => Effect.suspend(() => idle(usage.get(key), now) ? drop(key) : Effect.void),
          { discard: true }
        ))
      // Sweeps four times per time to live: an idle key is closed between one and 1.25 times it after its last use.
      yield* sweep.pipe(
        Effect.repeat(Schedule.spaced(Duration.millis(Math.max(ttl / 4, 1)))),
        Effect.interruptible,
        Effect.forkScoped
      )
    }

    return {
      get,
      use: (key, f) => Effect.scoped(Effect.flatMap(get(key), f)),
      evict: drop,
      keys: Effect.sync(() => [...usage.keys()])
    }
  })

/**
 * The options of a provider's keyed form: how to get an account's
 * configuration (an Effect, so that each account's secrets can come from a
 * vault) and the bounds of the map.
 *
 * @since 0.1.0
 * @category models
 */
export interface AccountsOptions<O, E, R> {
  /** The configuration of an account, read when the account is first used (and again after an eviction). */
  readonly config: (account: string) => Effect.Effect<O, E, R>
  /** The most accounts alive at once (default: no bound). */
  readonly capacity?: number | undefined
  /** An account nobody has used for this long is closed (default: never). */
  readonly idleTimeToLive?: Duration.DurationInput | undefined
}

/**
 * A keyed map whose service for each account is the one `layer` provides
 * under `tag`: the layer is built in the account's scope on first use and
 * closed on eviction. This is how every provider package makes its keyed form.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromLayer = <I, S, O, E, E2, R, R2>(
  tag: Context.Tag<I, S>,
  layer: (options: O, account: string) => Layer.Layer<I, E2, R2>,
  options: AccountsOptions<O, E, R>
): Effect.Effect<Keyed<S, E | E2>, never, Scope.Scope | R | R2> =>
  make({
    lookup: (account: string) =>
      Effect.flatMap(
        options.config(account),
        (config) =>
          Effect.map(
            // The account's engines read it: their events, spans and logs name the account.
            Effect.provideService(Layer.build(layer(config, account)), CurrentAccount, account),
            (context) => Context.get(context, tag)
          )
      ),
    capacity: options.capacity,
    idleTimeToLive: options.idleTimeToLive
  })
