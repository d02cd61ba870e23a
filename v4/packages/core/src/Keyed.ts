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
 * 100,000 on the effect 3 line), hence this smaller map. The eviction policy:
 *
 * - `capacity` is a hard bound on the accounts alive — built or building,
 *   and not yet fully closed (an evicted account still closing counts, and so
 *   does one evicted while held, until its last holder lets go and its close
 *   ends). A new key at capacity evicts the least recently used key that
 *   nobody holds and waits until an evicted account has finished closing
 *   before it is built (so the wait lasts as long as the slowest finalizer of
 *   the lookup); if every account alive is held and none is closing, the call
 *   fails at once with a typed `CapacityExceeded`. The wait is interruptible.
 * - `use` holds the key with a counter for the duration of `f`, without a
 *   scope per call; `get` holds it until the caller's scope closes. Either
 *   way a held account is never closed under its holder.
 * - `idleTimeToLive`: a key nobody has held for that long is evicted by one
 *   sweeper per map, rather than a timer fiber per idle key (as `RcMap`'s is,
 *   about 8 KiB each on the effect 3 line).
 * - a build that fails is not kept: the next call builds again.
 *
 * @since 1.0.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { CurrentAccount } from "./CurrentAccount.js"

/**
 * Every key is held by a caller and a new one would exceed the capacity.
 *
 * @since 1.0.0
 * @category errors
 */
export class CapacityExceeded extends Schema.TaggedError<CapacityExceeded>("@authfx/core/CapacityExceeded")(
  "CapacityExceeded",
  { capacity: Schema.Number }
) {
  /**
   * @since 1.0.0
   */
  override get message(): string {
    return `all ${this.capacity} accounts are in use; none can be evicted for a new one`
  }
}

/**
 * @since 1.0.0
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
 * @since 1.0.0
 * @category models
 */
export interface Options<A, E, R> {
  /** Builds the service of a key, in a scope that closes when the key is evicted. */
  readonly lookup: (key: string) => Effect.Effect<A, E, R>
  /**
   * The most keys alive at once, builds in flight and closes in progress
   * included (default: no bound). A new key waits for an evicted one to
   * finish closing, and fails with `CapacityExceeded` when every key alive is
   * held.
   */
  readonly capacity?: number | undefined
  /** A key nobody has held for this long is evicted (default: never). */
  readonly idleTimeToLive?: Duration.Input | undefined
}

/** One key: its service (once built), its scope, and who holds it. */
interface Slot<A, E> {
  /** The build, while it runs; `undefined` once it has succeeded. */
  building: Deferred.Deferred<A, E> | undefined
  service: A | undefined
  /** Set right after the slot is reserved, before anything can close it. */
  scope: Scope.Closeable | undefined
  holders: number
  lastUsed: number
  /** Evicted while held: closed when its last holder lets go. */
  evicted: boolean
}

/**
 * Makes a keyed map whose services live in the current scope; closing it
 * closes every service.
 *
 * @since 1.0.0
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
    // Accounts alive: reserved (building or built) and not yet fully closed, whether still in `slots`, evicted
    // while held, or closing. This is what `capacity` bounds.
    let alive = 0
    // Closes in flight: a new key waiting for room waits for one of them.
    let closing = 0
    // Completed (and replaced) each time a close ends, so that the callers waiting for room look again.
    let freed = Deferred.makeUnsafe<void>()
    let closed = false

    const wakeWaiters = () => {
      const waiting = freed
      freed = Deferred.makeUnsafe<void>()
      Deferred.doneUnsafe(waiting, Exit.void)
    }

    // An account's scope is closed in a fiber of its own (as in the v3 line, where closing it in a long-lived
    // caller's fiber leaked an entry per eviction), so that a caller interrupted while waiting never leaves a
    // close half-done. The account counts as alive until its close has ended.
    const startClose = (slot: Slot<A, E>) =>
      Effect.suspend(() => {
        closing++
        const scope = slot.scope
        return Effect.forkDetach(
          Effect.ensuring(
            scope === undefined ? Effect.void : Scope.close(scope, Exit.void),
            Effect.sync(() => {
              closing--
              alive--
              wakeWaiters()
            })
          )
        )
      })
    const close = (slot: Slot<A, E>) => Effect.flatMap(startClose(slot), Fiber.await)

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

    // The map's clock (the sweeper's too): a release reads it without an effect of its own.
    const clock = yield* Clock.Clock
    /** Lets go of a held slot; `undefined` when there is nothing more to do (the common case). */
    const unhold = (slot: Slot<A, E>): Effect.Effect<void> | undefined => {
      slot.holders--
      slot.lastUsed = clock.currentTimeMillisUnsafe()
      return slot.holders === 0 && slot.evicted ? close(slot) : undefined
    }
    const release = (slot: Slot<A, E>) => Effect.suspend(() => unhold(slot) ?? Effect.void)

    /** Waits for the build of a held slot; a failed build is not kept (the next call builds again). */
    const built = (
      key: string,
      slot: Slot<A, E>,
      building: Deferred.Deferred<A, E>,
      restore: <X, EX, RX>(effect: Effect.Effect<X, EX, RX>) => Effect.Effect<X, EX, RX>
    ): Effect.Effect<Slot<A, E>, E> =>
      Effect.flatMap(Effect.exit(restore(Deferred.await(building))), (exit): Effect.Effect<Slot<A, E>, E> => {
        if (Exit.isSuccess(exit)) return Effect.succeed(slot)
        // A caller interrupted while waiting leaves the build to the others.
        const failed = !Cause.hasInterruptsOnly(exit.cause) && slots.get(key) === slot
        return Effect.andThen(
          Effect.andThen(failed ? drop(key) : Effect.void, release(slot)),
          Effect.failCause(exit.cause)
        )
      })

    /**
     * Reserves a slot for a new key (counted alive from now on) and starts its build in a scope and a fiber of
     * its own, so that interrupting the caller that started it does not abort it for the others.
     */
    const start = (key: string, fiberContext: Context.Context<never>) => {
      const building = Deferred.makeUnsafe<A, E>()
      const slot: Slot<A, E> = {
        building,
        service: undefined,
        scope: undefined,
        holders: 1,
        lastUsed: 0,
        evicted: false
      }
      slots.set(key, slot)
      alive++
      return Effect.flatMap(Scope.make(), (scope) => {
        slot.scope = scope
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
    }

    const hold = (key: string, slot: Slot<A, E>) => {
      slots.delete(key)
      slots.set(key, slot)
      slot.holders++
    }

    /**
     * Takes a slot for `key`, held (its holder count raised) until `release`: the key's own if it is alive,
     * otherwise a new one once there is room. At capacity the least recently used key nobody holds is evicted
     * and the caller waits until an evicted account has finished closing; when every account alive is held
     * and none is closing, it fails with `CapacityExceeded`.
     */
    const take = (
      key: string,
      restore: <X, EX, RX>(effect: Effect.Effect<X, EX, RX>) => Effect.Effect<X, EX, RX>
    ): Effect.Effect<Slot<A, E>, E | CapacityExceeded> =>
      Effect.suspend((): Effect.Effect<Slot<A, E>, E | CapacityExceeded> => {
        if (closed) return Effect.interrupt
        const slot = slots.get(key)
        if (slot !== undefined) {
          hold(key, slot)
          return slot.building === undefined ? Effect.succeed(slot) : built(key, slot, slot.building, restore)
        }
        if (alive < capacity) {
          return Effect.flatMap(
            Effect.flatMap(Effect.context<never>(), (fiberContext) => start(key, fiberContext)),
            (started) => built(key, started, started.building!, restore)
          )
        }
        const waiting = freed
        let evicting: Slot<A, E> | undefined
        for (const [idle, candidate] of slots) {
          if (candidate.holders === 0) {
            slots.delete(idle)
            evicting = candidate
            break
          }
        }
        if (evicting === undefined && closing === 0) return Effect.fail(new CapacityExceeded({ capacity }))
        // Looks again once a close has ended: another caller may have taken the room, or started this key.
        const wait = Effect.andThen(restore(Deferred.await(waiting)), take(key, restore))
        return evicting === undefined ? wait : Effect.andThen(startClose(evicting), wait)
      })

    const get = (key: string): Effect.Effect<A, E | CapacityExceeded, Scope.Scope> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(
          take(key, restore),
          (slot) =>
            Effect.as(
              Effect.flatMap(Effect.scope, (scope) => Scope.addFinalizer(scope, release(slot))),
              slot.service as A
            )
        )
      )

    // Held for the duration of `f` with a counter rather than a scope per call: a hit on a built key is a map
    // lookup, two counter moves and a clock read around `f`.
    const use = <B, E2, R2>(
      key: string,
      f: (service: A) => Effect.Effect<B, E2, R2>
    ): Effect.Effect<B, E | E2 | CapacityExceeded, R2> =>
      Effect.uninterruptibleMask((restore) => {
        const run = (slot: Slot<A, E>) =>
          Effect.matchCauseEffect(restore(f(slot.service as A)), {
            onFailure: (cause) => {
              const closing = unhold(slot)
              return closing === undefined ? Effect.failCause(cause) : Effect.andThen(closing, Effect.failCause(cause))
            },
            onSuccess: (value) => {
              const closing = unhold(slot)
              return closing === undefined ? Effect.succeed(value) : Effect.as(closing, value)
            }
          })
        const slot = closed ? undefined : slots.get(key)
        if (slot !== undefined && slot.building === undefined) {
          hold(key, slot)
          return run(slot)
        }
        return Effect.flatMap(take(key, restore), run)
      })

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        const all = [...slots.values()]
        slots.clear()
        wakeWaiters()
        return Effect.forEach(
          all,
          (slot) => slot.scope === undefined ? Effect.void : Scope.close(slot.scope, Exit.void),
          {
            discard: true
          }
        )
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
      use,
      evict: drop,
      keys: Effect.sync(() => [...slots.keys()])
    }
  })

/**
 * The options of a provider's keyed form: how to get an account's
 * configuration (an Effect, so that each account's secrets can come from a
 * vault) and the bounds of the map.
 *
 * @since 1.0.0
 * @category models
 */
export interface AccountsOptions<O, E, R> {
  /** The configuration of an account, read when the account is first used (and again after an eviction). */
  readonly config: (account: string) => Effect.Effect<O, E, R>
  /** The most accounts alive at once, closing ones included (default: no bound; see `Options.capacity`). */
  readonly capacity?: number | undefined
  /** An account nobody has used for this long is closed (default: never). */
  readonly idleTimeToLive?: Duration.Input | undefined
}

/**
 * A keyed map whose service for each account is the one `layer` provides
 * under `tag`: the layer is built in the account's scope on first use and
 * closed on eviction. This is how every provider package makes its keyed form.
 *
 * @since 1.0.0
 * @category constructors
 */
export const fromLayer = <I, S, O, E, E2, R, R2>(
  tag: Context.Key<I, S>,
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
