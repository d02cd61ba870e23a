/**
 * The session engine's state and the helpers every part of it uses: its
 * fields, its snapshot, its floors, and how it names, publishes and tracks
 * what it does. The engine is split by concept (see `engine.ts`): this base,
 * its flights (`flights.ts`), its store (`store.ts`) and its public face.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberRefs from "effect/FiberRefs"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import type { Authenticated, Lease } from "../../Authenticated.js"
import * as AuthEvent from "../../AuthEvent.js"
import * as AuthMetrics from "../../AuthMetrics.js"
import type * as Provider from "../../Provider.js"
import type { Options, Persistence } from "../../SessionEngine.js"
import * as SessionState from "../../SessionState.js"
import type { Flight } from "../flight.js"

export interface Entry<S> {
  readonly session: S
  readonly generation: number
  /** When it was installed, on the engine's clock. */
  readonly at: number
  /** When it expires on the local clock (`Infinity` for never). */
  readonly expiresAt: number
  readonly refreshAt: number
  readonly staleAt: number
  /** `Effect.succeed(session)`, allocated once so a cache hit allocates nothing. */
  readonly hit: Effect.Effect<S>
  /** `Effect.succeed({ session, generation })`, allocated on the first `lease` of this entry. */
  leased: Effect.Effect<Lease<S>> | undefined
  /** A background renewal of this entry is running or has given up. */
  renewing: boolean
  /** Off the live clock, the fiber sleeping on the engine's clock until the renewal is due. */
  timer: Fiber.RuntimeFiber<void, unknown> | undefined
}

export type Operation = "acquire" | "refresh"

/** The floor in force: why no login starts before `floorUntil`. */
export type FloorReason = AuthEvent.FloorReason

/** The longest floor, and the age past which a rejected session counts as established rather than fresh. */
export const maxFloorMillis = 60_000

/** Deadlines the platform's timers cannot hold (about 24.8 days) get no timer: the use-time check renews them. */
export const maxTimerMillis = 2 ** 31 - 1

export const millisOr = (duration: Duration.DurationInput | undefined, fallback: number): number =>
  duration === undefined ? fallback : Duration.toMillis(duration)

export const sessionOf = <S>(entry: Entry<S>): S => entry.session

/** The entry's lease effect, made on its first use (an engine used only through `session` never makes one). */
export const leaseOf = <S>(entry: Entry<S>): Effect.Effect<Lease<S>> =>
  entry.leased ??= Effect.succeed<Lease<S>>({ session: entry.session, generation: entry.generation })

/** The `Retry-After` a transient failure carries, in milliseconds (0 without one). */
export const retryAfterOf = (failure: unknown): number => {
  if (typeof failure !== "object" || failure === null || !("retryAfterMillis" in failure)) return 0
  const millis = failure.retryAfterMillis
  return typeof millis === "number" && Number.isFinite(millis) && millis > 0 ? millis : 0
}

export const storeTimeout = (persistence: Persistence<any>): number => millisOr(persistence.timeout, 3_000)

export const clockOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Clock.Clock =>
  Context.get(fiber.currentDefaultServices, Clock.Clock)

export const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Option.getOrUndefined(Cause.failureOption(cause))
  if (failure === undefined) return Cause.isInterruptedOnly(cause) ? "interrupted" : "defect"
  if (typeof failure === "object" && failure !== null && "_tag" in failure) {
    const message = "message" in failure && typeof failure.message === "string" ? `: ${failure.message}` : ""
    return `${String(failure._tag)}${message}`
  }
  return "failure"
}

/**
 * One engine. Its state is this object's fields and its operations live on the
 * prototype, so that an idle engine is one small object, its current entry and
 * its pending timer, rather than a few dozen closures per instance.
 *
 * The fields are plain rather than `Ref`s: JavaScript runs one fiber step at a
 * time, and every read-check-write below happens inside one synchronous step,
 * so no two fibers can interleave within it.
 */
export abstract class EngineBase<P extends Provider.Any, R> {
  entry: Entry<Provider.Session<P>> | undefined = undefined
  /** The last session obtained, kept after expiry or rejection as the basis of a refresh. */
  basis: Provider.Session<P> | undefined = undefined
  /** Whether `basis` was dropped by `invalidate` (the provider rejected it). */
  basisRejected = false
  flight: Flight<Entry<Provider.Session<P>>, Provider.Error<P>> | undefined = undefined
  generation = 0
  offsetMillis = 0
  offsetWarned = false
  closed = false
  /** Consecutive failed flights, for the `attempt` of `Failed` events. */
  failures = 0
  /** Consecutive failed flights that callers waited for (not background renewals), for the floor on failing logins. */
  loginFailures = 0
  /** Consecutive sessions that arrived unusable. */
  unusable = 0
  /**
   * Consecutive rejections of current sessions with no accepted call between
   * them: from the second (a fresh session rejected too), a floor.
   */
  rejections = 0
  /** The time before which no flight starts, why, and what callers get meanwhile. */
  floorUntil = 0
  floorReason: FloorReason | undefined = undefined
  floorError: unknown = undefined
  /** The last failure of a flight (tag and message, no secret) and when, for `state`. */
  lastFailure: { readonly error: string; readonly at: number } | undefined = undefined
  /** What the running flight turned out to be: another replica's session installs as "store". */
  operated: Operation | "store" = "acquire"
  /** The latest save to the store, awaited (bounded) when the scope closes. */
  pendingSave: Fiber.RuntimeFiber<void> | undefined = undefined
  /** Created on first subscription: an engine nobody watches publishes nothing. */
  pubsub: PubSub.PubSub<AuthEvent.AuthEvent> | undefined = undefined
  /** Fibers the engine started (a login, a renewal); interrupted when its scope closes. */
  running: Set<Fiber.RuntimeFiber<unknown, unknown>> | undefined = undefined
  /** Position among the live clock's pending renewals (see `Timers`), `-1` when none is pending. */
  timerIndex = -1
  /** `session`, built on first use. */
  cachedSession: Effect.Effect<Provider.Session<P>, Provider.Error<P>> | undefined = undefined
  /** `invalidate`, bound to this engine on first use. */
  boundInvalidate: Authenticated<P>["invalidate"] | undefined = undefined
  /** `accepted`, bound to this engine on first use. */
  boundAccepted: Authenticated<P>["accepted"] | undefined = undefined
  /** `lease`, built on first use. */
  cachedLease: Effect.Effect<Lease<Provider.Session<P>>, Provider.Error<P>> | undefined = undefined

  constructor(
    readonly options: Options<P, R>,
    /** The builder's context: the provider's services, given to every login and renewal. */
    readonly context: Context.Context<R>,
    /** The builder's fiber refs (tracer, logger) but its context, for the renewals the live clock's timers start. */
    readonly refs: FiberRefs.FiberRefs,
    readonly runtimeFlags: RuntimeFlags.RuntimeFlags,
    readonly clock: Clock.Clock,
    /** Whether `clock` is Effect's live clock, whose pending renewals are platform timers. */
    readonly live: boolean,
    readonly account: string | undefined,
    readonly metrics: AuthMetrics.EngineMetrics
  ) {}

  get provider(): Provider.Id<P> {
    return this.options.provider
  }

  snapshot(): SessionState.SessionState {
    const now = this.clock.unsafeCurrentTimeMillis()
    const entry = this.entry
    const valid = entry !== undefined && now < entry.staleAt
    const floored = now < this.floorUntil && this.floorReason !== undefined
    return new SessionState.SessionState({
      provider: this.provider,
      account: this.account,
      authenticated: valid,
      generation: this.generation,
      acquiredAt: valid ? entry.at : undefined,
      expiresAt: valid && Number.isFinite(entry.expiresAt) ? entry.expiresAt : undefined,
      renewsAt: valid && Number.isFinite(entry.refreshAt) ? entry.refreshAt : undefined,
      lastFailure: this.lastFailure === undefined
        ? undefined
        : { error: this.lastFailure.error, at: this.lastFailure.at },
      floorUntil: floored ? this.floorUntil : undefined,
      floorReason: floored ? this.floorReason : undefined,
      closed: this.closed
    })
  }

  /**
   * Starts a floor: no flight before `now + millis`, callers get `error`
   * meanwhile. Published as a `Floor` event, counted by the `floors` metric and
   * logged at Warning.
   */
  setFloor(
    reason: FloorReason,
    now: number,
    millis: number,
    error: unknown,
    generation: number
  ): Effect.Effect<void> {
    const until = now + millis
    this.floorUntil = until
    this.floorReason = reason
    this.floorError = error
    if (this.pubsub !== undefined) {
      this.publish(AuthEvent.Floor({ ...this.who(), at: now, until, reason, generation }))
    }
    return Effect.zipRight(
      Metric.increment(this.metrics.floors),
      Effect.logWarning(
        `authfx: ${
          reason === "rejected"
            ? "fresh sessions keep being rejected"
            : reason === "unusable"
            ? "sessions keep arriving unusable"
            : "logins keep failing"
        }; no login for ${Math.round(millis / 100) / 10} s`
      ).pipe(
        this.annotate(generation),
        Effect.annotateLogs({ "authfx.floor.reason": reason, "authfx.floor.until": new Date(until).toISOString() })
      )
    )
  }

  /** Annotates the engine's log lines with the provider, the account and a generation. */
  annotate(generation: number): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> {
    return Effect.annotateLogs({ ...this.attributes(), "authfx.generation": generation })
  }

  /** Who the events are about. */
  who(): { readonly provider: string; readonly account?: string } {
    return this.account === undefined ? { provider: this.provider } : { provider: this.provider, account: this.account }
  }

  attributes(): Record<string, string> {
    return this.account === undefined
      ? { "authfx.provider": this.provider }
      : { "authfx.provider": this.provider, "authfx.account": this.account }
  }

  publish(event: AuthEvent.AuthEvent): void {
    void this.pubsub?.unsafeOffer(event)
  }

  track<F extends Fiber.RuntimeFiber<unknown, unknown>>(fiber: F): F {
    const set = this.running ??= new Set()
    set.add(fiber)
    fiber.addObserver(() => {
      set.delete(fiber)
      if (set.size === 0 && this.running === set) this.running = undefined
    })
    return fiber
  }

  /** Forks from the calling fiber (its services, supervisor and clock), as a daemon the engine tracks. */
  fork<A>(effect: Effect.Effect<A, unknown>): Effect.Effect<Fiber.RuntimeFiber<A, unknown>> {
    return Effect.map(Effect.forkDaemon(effect), (fiber) => this.track(fiber))
  }

  operationFor(): Operation {
    return this.basis !== undefined && this.options.refresh !== undefined ? "refresh" : "acquire"
  }
}
