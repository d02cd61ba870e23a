/**
 * Many accounts in one process: a service per key (an account, a bot, a
 * wallet), built on first use, shared by every fiber that asks for that key,
 * and closed when it is evicted.
 *
 * Each key has a slot: its service, built once in a scope of its own (so
 * concurrent first callers share one build), and a count of the callers
 * holding it (a service in use is never closed under its caller). Evicting a
 * key closes its scope and everything the service started (fibers, timers,
 * sockets). Effect's `RcMap` does the same with a deferred, a finalizer and a
 * copy of the context per key (about 1.6 KiB per idle account, measured with
 * 100,000), hence this smaller map. The eviction policy:
 *
 * - `capacity`: when a new key would exceed it, the least recently used key
 *   that nobody holds is evicted first; if every key is held, the call fails
 *   with a typed `CapacityExceeded`.
 * - `idleTimeToLive`: a key nobody has held for that long is evicted by one
 *   sweeper per map, rather than a timer fiber per idle key (as `RcMap`'s is,
 *   about 8 KiB each).
 * - a build that fails is not kept: the next call builds again.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
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

/** One key: its service (once built), its scope, and who holds it. */
interface Slot<A, E> {
  /** The build, while it runs; `undefined` once it has succeeded. */
  building: Deferred.Deferred<A, E> | undefined
  service: A | undefined
  readonly scope: Scope.CloseableScope
  holders: number
  lastUsed: number
  /** Evicted while held: closed when its last holder lets go. */
  evicted: boolean
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
    const context = yield* Effect.context<R>()
    // Insertion order is recency: a key is moved to the end whenever it is taken.
    const slots = new Map<string, Slot<A, E>>()
    let closed = false

    // An account's scope is closed in a fiber of its own. Finalizers registered with `Effect.addFinalizer`
    // (and so `acquireRelease`) in the fiber that built the account patch the closing fiber's FiberRefs with
    // the builder's and leave an entry behind each time (effect 3.22); closed by a long-lived caller or by the
    // sweeper, that measured about 1.3 KiB and a slower close per eviction, growing without bound.
    const close = (slot: Slot<A, E>) =>
      Effect.flatMap(Effect.forkDaemon(Scope.close(slot.scope, Exit.void)), Fiber.await)

    const drop = (key: string) =>
      Effect.suspend(() => {
        const slot = slots.get(key)
        if (slot === undefined) return Effect.void
        slots.delete(key)
        // A held service is closed when its last holder lets go.
        if (slot.holders > 0) {
          slot.evicted = true
          return Effect.void
        }
        return close(slot)
      })

    const makeRoom = Effect.suspend(() => {
      if (slots.size < capacity) return Effect.void
      for (const [key, slot] of slots) {
        if (slot.holders === 0) return drop(key)
      }
      return Effect.fail(new CapacityExceeded({ capacity }))
    })

    /**
     * Starts the build of a new key in a scope and a fiber of its own, so that interrupting the caller that
     * started it does not abort it for the others; returns the key's slot if another caller started it first.
     */
    const start = (key: string, fiberContext: Context.Context<never>) =>
      Effect.flatMap(Scope.make(), (scope) => {
        const started = slots.get(key)
        if (started !== undefined) return Effect.succeed(started)
        const building = Deferred.unsafeMake<A, E>(FiberId.none)
        const slot: Slot<A, E> = { building, service: undefined, scope, holders: 0, lastUsed: 0, evicted: false }
        slots.set(key, slot)
        const build = Effect.provide(
          options.lookup(key),
          Context.add(Context.merge(context, fiberContext), Scope.Scope, scope)
        ).pipe(
          Effect.exit,
          Effect.flatMap((exit) => {
            if (Exit.isSuccess(exit)) {
              slot.service = exit.value
              slot.building = undefined
            }
            return Deferred.done(building, exit)
          })
        )
        return Effect.as(Effect.forkIn(Effect.interruptible(build), scope), slot)
      })

    const release = (slot: Slot<A, E>) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        slot.holders--
        slot.lastUsed = now
        return slot.holders === 0 && slot.evicted ? close(slot) : Effect.void
      })

    const get = (key: string): Effect.Effect<A, E | CapacityExceeded, Scope.Scope> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          if (closed) return yield* Effect.interrupt
          let slot = slots.get(key)
          if (slot === undefined) {
            yield* makeRoom
            // Checked again: making room may have let another caller start this key.
            slot = yield* start(key, yield* Effect.context<never>())
          } else {
            slots.delete(key)
            slots.set(key, slot)
          }
          const held = slot
          held.holders++
          yield* Scope.addFinalizer(yield* Effect.scope, release(held))
          if (held.building === undefined) return held.service as A
          const exit = yield* Effect.exit(restore(Deferred.await(held.building)))
          // A failed build is not kept: the next call builds again.
          if (Exit.isFailure(exit) && slots.get(key) === held) yield* drop(key)
          return yield* exit
        })
      )

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        const all = [...slots.values()]
        slots.clear()
        return Effect.forEach(all, (slot) => Scope.close(slot.scope, Exit.void), { discard: true })
      })
    )

    if (ttl !== undefined && Number.isFinite(ttl)) {
      const idle = (slot: Slot<A, E> | undefined, now: number) =>
        slot !== undefined && slot.holders === 0 && now - slot.lastUsed >= ttl
      const sweep = Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.forEach(
          [...slots].filter(([, slot]) => idle(slot, now)).map(([key]) => key),
          // Checked again: closing the previous key may have let a caller take this one.
          (key) => Effect.suspend(() => idle(slots.get(key), now) ? drop(key) : Effect.void),
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
      keys: Effect.sync(() => [...slots.keys()])
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
