/**
 * The session engine: one implementation of `Authenticated<P>` for every
 * provider. A provider supplies how to log in (`acquire`), optionally how to
 * renew a session cheaply (`refresh`) and how to read a session's expiry; the
 * engine does the rest:
 *
 * 1. single flight — concurrent callers on an empty cache share one `acquire`;
 * 2. cheap hit — a valid session costs a variable read and a clock compare;
 * 3. proactive refresh at a jittered fraction of the lifetime, in the background;
 * 4. failures are never cached — retried with backoff while the session is valid;
 * 5. generation-checked invalidation;
 * 6. bounded reactive re-auth (see `Authenticated.withSession`);
 * 7. the shared acquisition survives the interruption of the caller that started it;
 * 8. all time from `Clock`, checked at use time, with a learned server clock offset;
 * 9. everything it starts stops with its scope;
 * 10. optional persistence through a `SessionStore`;
 * 11. spans, metrics and an event stream;
 * 12. no secret in any of them.
 *
 * @since 0.1.0
 */
import * as Timers from "@authfx/protocol/Timers"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRefs from "effect/FiberRefs"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Random from "effect/Random"
import * as Runtime from "effect/Runtime"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Authenticated, Lease } from "./Authenticated.js"
import { CredentialsRejected, ProtocolError } from "./AuthError.js"
import * as AuthEvent from "./AuthEvent.js"
import * as AuthMetrics from "./AuthMetrics.js"
import type * as Coordination from "./Coordination.js"
import { CurrentAccount } from "./CurrentAccount.js"
import { Flight } from "./internal/flight.js"
import { isLive } from "./internal/liveClock.js"
import { keptRefs } from "./internal/sharedRefs.js"
import type * as Provider from "./Provider.js"
import * as SessionState from "./SessionState.js"
import { Entry, entryFormat, type SessionStore } from "./SessionStore.js"

/**
 * How a session is kept across restarts: the store, the key (provider and
 * account, see `SessionStore.key`) and the schema that encodes the session.
 *
 * @since 0.1.0
 * @category models
 */
export interface Persistence<S> {
  readonly store: SessionStore
  readonly key: string
  readonly schema: Schema.Schema<S, any>
  /**
   * The identity of the account (Nabi: its address; others: a fingerprint of
   * the credential, never the secret), saved with every session and compared
   * at load, as is the key (default: the key alone). A stored session of
   * another account or key is discarded with a warning and a normal login
   * happens.
   */
  readonly account?: string | undefined
  /**
   * Whether a stored session belongs to the configured account, read from the
   * session itself (Nabi: its address), on top of `account`. A stored session
   * that does not is discarded with a warning and a normal login happens.
   */
  readonly belongsTo?: ((session: S) => boolean) | undefined
  /** Bound on each `load` and `save` (default 3 seconds): a slow store never blocks a login or a shutdown. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<P extends Provider.Any, R = never> {
  readonly provider: Provider.Id<P>
  /**
   * The account this engine acts for, when a process holds many of one
   * provider (the keyed forms set it from `CurrentAccount`): carried by events,
   * spans and log lines — it is a key, never a secret.
   */
  readonly account?: string | undefined
  /**
   * Whether the metrics are tagged with the account too (default `false`: one
   * series per provider, whatever the number of accounts).
   */
  readonly accountMetrics?: boolean | undefined
  /** Span names are `${spanPrefix}.acquire` / `.refresh`; defaults to the provider id. */
  readonly spanPrefix?: string | undefined
  /** A full login. */
  readonly acquire: Effect.Effect<Provider.Session<P>, Provider.Error<P>, R>
  /**
   * A cheap renewal from the previous session (a refresh token, a re-scrape).
   * Without it, renewals are full logins. It should fall back to a login itself
   * when the previous session cannot be renewed.
   */
  readonly refresh?:
    | ((
      previous: Provider.Session<P>,
      context: RefreshContext
    ) => Effect.Effect<Provider.Session<P>, Provider.Error<P>, R>)
    | undefined
  /** When the session expires, in epoch milliseconds of the server's clock; `undefined` for never. */
  readonly expiresAt?: ((session: Provider.Session<P>) => number | undefined) | undefined
  /**
   * When the server issued the session, in epoch milliseconds of its clock (a
   * JWT's `iat`, an HTTP `Date`). The difference with the local clock is the
   * offset applied to every expiry.
   */
  readonly issuedAt?: ((session: Provider.Session<P>) => number | undefined) | undefined
  /** The fraction of the lifetime after which a session is renewed (default 0.8). */
  readonly refreshAt?: number | undefined
  /** The jitter around `refreshAt`, as a fraction of the lifetime (default 0.05). */
  readonly refreshJitter?: number | undefined
  /** A renewal starts at the latest this long before expiry (default 30 seconds). */
  readonly refreshMargin?: Duration.DurationInput | undefined
  /**
   * A session is no longer handed out this long before its expiry (default 5
   * seconds, never more than a tenth of its lifetime), so that a request has time
   * to reach the server with it.
   */
  readonly expirySkew?: Duration.DurationInput | undefined
  /** How a failing background renewal is retried while the session is still valid. */
  readonly refreshRetry?: Schedule.Schedule<unknown, Provider.Error<P>> | undefined
  /** Clock offsets smaller than this are ignored, as second-granular `iat`s would add noise (default 2 s). */
  readonly clockOffsetTolerance?: Duration.DurationInput | undefined
  /**
   * Clock offsets larger than this are not skew but a wrong claim (an `iat` in
   * milliseconds, a time zone applied twice): ignored and logged once
   * (default 15 minutes).
   */
  readonly maxClockOffset?: Duration.DurationInput | undefined
  /**
   * While sessions keep arriving unusable (already expired, or expiring as
   * they arrive), no new login or refresh starts sooner than this after the
   * previous one, doubling each time up to a minute (default 1 second).
   */
  readonly unusableBackoff?: Duration.DurationInput | undefined
  /**
   * While freshly obtained sessions keep being rejected (a server that accepts
   * every login but refuses every call), no new login starts sooner than this
   * after the last rejection, doubling each time up to a minute (default
   * 2 seconds). The first rejection of an established session still renews at
   * once (a rotated credential recovers at once); the floor starts when the
   * session obtained after it is rejected too, and ends on the first call the
   * provider accepts (`accepted`). Callers meanwhile get `CredentialsRejected`
   * (reason `RejectedAfterReauth`) at once.
   */
  readonly rejectionBackoff?: Duration.DurationInput | undefined
  /**
   * While logins keep failing, the second consecutive failed login starts a
   * floor of this long before the next one (default 1 second), doubling with
   * each further failure up to a minute; a `Retry-After` the failure carries
   * (up to a minute) lengthens it. Callers meanwhile get the last failure at
   * once. Background renewals of a still-valid session are spaced by
   * `refreshRetry` instead.
   */
  readonly failureBackoff?: Duration.DurationInput | undefined
  readonly persistence?: Persistence<Provider.Session<P>> | undefined
  /**
   * Shares logins and renewals with the other replicas of the fleet (see
   * `Coordination`): a session another replica obtained is adopted instead of
   * renewed again. Without it, the engine works alone.
   */
  readonly coordination?: Coordination.Coordinated<Provider.Session<P>> | undefined
}

/**
 * Why a renewal runs: `rejected` when the provider refused the previous
 * session (`invalidate`), so a provider can tell a rotated credential from an
 * unchanged one.
 *
 * @since 0.1.0
 * @category models
 */
export interface RefreshContext {
  readonly rejected: boolean
}

/**
 * The default retry of a failing background renewal: exponential from half a
 * second, jittered, at most a minute apart.
 *
 * @since 0.1.0
 * @category policies
 */
export const defaultRefreshRetry: Schedule.Schedule<unknown, unknown> = Schedule.exponential("500 millis", 2).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.minutes(1))),
  Schedule.asVoid
)

interface Entry<S> {
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

type Operation = "acquire" | "refresh"

/** The floor in force: why no login starts before `floorUntil`. */
type FloorReason = AuthEvent.FloorReason

/** The longest floor, and the age past which a rejected session counts as established rather than fresh. */
const maxFloorMillis = 60_000

/** Deadlines the platform's timers cannot hold (about 24.8 days) get no timer: the use-time check renews them. */
const maxTimerMillis = 2 ** 31 - 1

const millisOr = (duration: Duration.DurationInput | undefined, fallback: number): number =>
  duration === undefined ? fallback : Duration.toMillis(duration)

const sessionOf = <S>(entry: Entry<S>): S => entry.session

/** The entry's lease effect, made on its first use (an engine used only through `session` never makes one). */
const leaseOf = <S>(entry: Entry<S>): Effect.Effect<Lease<S>> =>
  entry.leased ??= Effect.succeed<Lease<S>>({ session: entry.session, generation: entry.generation })

/** The `Retry-After` a transient failure carries, in milliseconds (0 without one). */
const retryAfterOf = (failure: unknown): number => {
  if (typeof failure !== "object" || failure === null || !("retryAfterMillis" in failure)) return 0
  const millis = failure.retryAfterMillis
  return typeof millis === "number" && Number.isFinite(millis) && millis > 0 ? millis : 0
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
class Engine<P extends Provider.Any, R> implements Authenticated<P>, Timers.Timed {
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

  /** When the pending renewal is due, for `Timers`. */
  get due(): number {
    return this.entry?.refreshAt ?? Infinity
  }

  /** The live clock's timer fired: start the renewal in a fiber of the builder's fiber refs and context. */
  onDue(): void {
    const due = this.entry
    if (due === undefined || !this.claimRenewal(due)) return
    const runtime = Runtime.make({ context: this.context, fiberRefs: this.refs, runtimeFlags: this.runtimeFlags })
    this.track(Runtime.runFork(runtime)(this.renewInBackground(due)))
  }

  get provider(): Provider.Id<P> {
    return this.options.provider
  }

  // The caller's clock decides at use time (rule 8): a laptop that slept past expiry renews on its first call.
  get session(): Effect.Effect<Provider.Session<P>, Provider.Error<P>> {
    return this.cachedSession ??= Effect.withFiberRuntime((fiber) => this.sessionAt(fiber))
  }

  get refresh(): Effect.Effect<Provider.Session<P>, Provider.Error<P>> {
    return Effect.suspend(() => this.slow())
  }

  get current(): Effect.Effect<Option.Option<Provider.Session<P>>> {
    return Effect.withFiberRuntime((fiber) => {
      const e = this.entry
      return Effect.succeed(
        e !== undefined && clockOf(fiber).unsafeCurrentTimeMillis() < e.staleAt ? Option.some(e.session) : Option.none()
      )
    })
  }

  get events(): Stream.Stream<AuthEvent.AuthEvent> {
    return Stream.suspend(() => {
      if (this.closed) return Stream.empty
      this.pubsub ??= Effect.runSync(PubSub.unbounded<AuthEvent.AuthEvent>())
      return Stream.fromPubSub(this.pubsub)
    })
  }

  // A function property of `Authenticated`, so it must work detached from the engine (`const { invalidate } = auth`).
  get invalidate(): Authenticated<P>["invalidate"] {
    return this.boundInvalidate ??= (stale, invalidateOptions) => this.invalidateNow(stale, invalidateOptions)
  }

  // Same as `session`, with the generation, for the callers that report how the provider answered.
  get lease(): Effect.Effect<Lease<Provider.Session<P>>, Provider.Error<P>> {
    return this.cachedLease ??= Effect.withFiberRuntime((fiber) => this.leaseAt(fiber))
  }

  // A function property of `Authenticated`: works detached. Cheap when there is nothing to reset (a field check).
  get accepted(): Authenticated<P>["accepted"] {
    return this.boundAccepted ??= (lease) => this.rejections === 0 ? Effect.void : this.acceptedNow(lease)
  }

  get state(): Effect.Effect<SessionState.SessionState> {
    return Effect.sync(() => this.snapshot())
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

  acceptedNow(lease: Lease<Provider.Session<P>>): Effect.Effect<void> {
    return Effect.suspend(() => {
      const current = this.entry
      if (this.rejections === 0 || current === undefined || current.generation !== lease.generation) {
        return Effect.void
      }
      this.rejections = 0
      if (this.floorReason === "rejected") {
        this.floorUntil = 0
        this.floorReason = undefined
        this.floorError = undefined
      }
      return Effect.logDebug("authfx: a call with the new session was accepted; the rejection floor is reset").pipe(
        this.annotate(current.generation)
      )
    })
  }

  invalidateNow(
    stale: Provider.Session<P>,
    invalidateOptions?: { readonly rejected?: boolean | undefined; readonly generation?: number | undefined }
  ): Effect.Effect<void> {
    return Effect.suspend(() => {
      const rejected = invalidateOptions?.rejected ?? true
      const current = this.entry
      const generation = invalidateOptions?.generation
      // With a generation, that decides (a provider may hand out the same value twice); without, identity does.
      const isCurrent = current !== undefined &&
        (generation === undefined ? current.session === stale : current.generation === generation)
      const at = this.clock.unsafeCurrentTimeMillis()
      if (rejected && this.pubsub !== undefined) {
        this.publish(
          AuthEvent.Rejected({
            ...this.who(),
            generation: isCurrent ? current.generation : generation ?? this.generation,
            at,
            current: isCurrent
          })
        )
      }
      if (!isCurrent) return rejected ? Metric.increment(this.metrics.rejections) : Effect.void
      this.replace(undefined)
      this.basisRejected = rejected
      if (this.pubsub !== undefined) {
        this.publish(AuthEvent.Invalidated({ ...this.who(), generation: current.generation, at }))
      }
      if (!rejected) {
        return Effect.logDebug("authfx: session dropped (not rejected)").pipe(this.annotate(current.generation))
      }
      // A session rejected within a minute of its arrival, with no call accepted since the previous rejection,
      // was fresh: the credential itself is refused, and logging in again at once would loop.
      const fresh = this.rejections > 0 && at - current.at < maxFloorMillis
      this.rejections = fresh ? this.rejections + 1 : 1
      const counted = Metric.increment(this.metrics.rejections)
      // A session that arrived unusable is refused for that: the floor on unusable sessions spaces those logins, and
      // its error says why.
      if (this.rejections < 2 || current.staleAt <= current.at) {
        return Effect.zipRight(
          counted,
          Effect.logInfo("authfx: session rejected by the provider; renewing once").pipe(
            this.annotate(current.generation)
          )
        )
      }
      const millis = Math.min(millisOr(this.options.rejectionBackoff, 2_000) * 2 ** (this.rejections - 2), 60_000)
      const error = new CredentialsRejected({
        provider: this.provider,
        reason: "RejectedAfterReauth",
        description: `${this.rejections} sessions in a row were rejected right after they were obtained; no login ` +
          `before ${new Date(at + millis).toISOString()}`
      })
      return Effect.zipRight(counted, this.setFloor("rejected", at, millis, error, current.generation))
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

  sessionAt(fiber: Fiber.RuntimeFiber<unknown, unknown>): Effect.Effect<Provider.Session<P>, Provider.Error<P>> {
    const current = this.entry
    if (current !== undefined) {
      const at = clockOf(fiber).unsafeCurrentTimeMillis()
      if (at < current.refreshAt) return current.hit
      if (at < current.staleAt) return this.kick(current)
    }
    return this.slow()
  }

  leaseAt(fiber: Fiber.RuntimeFiber<unknown, unknown>): Effect.Effect<Lease<Provider.Session<P>>, Provider.Error<P>> {
    const current = this.entry
    if (current !== undefined) {
      const at = clockOf(fiber).unsafeCurrentTimeMillis()
      if (at < current.refreshAt) return leaseOf(current)
      if (at < current.staleAt) return Effect.zipRight(this.kick(current), leaseOf(current))
    }
    return Effect.flatMap(this.joinOrStart(this.operationFor()), leaseOf)
  }

  slow(): Effect.Effect<Provider.Session<P>, Provider.Error<P>> {
    return Effect.map(this.joinOrStart(this.operationFor()), sessionOf)
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

  close(): Effect.Effect<void> {
    return Effect.uninterruptible(Effect.suspend(() => {
      this.closed = true
      this.replace(undefined)
      const fibers = this.running === undefined ? [] : [...this.running]
      this.running = undefined
      const shutdown = this.pubsub === undefined ? Effect.void : PubSub.shutdown(this.pubsub)
      const saving = this.pendingSave === undefined ? Effect.void : Effect.ignore(Fiber.join(this.pendingSave))
      return Effect.zipRight(Fiber.interruptAll(fibers), Effect.zipRight(saving, shutdown))
    }))
  }

  operationFor(): Operation {
    return this.basis !== undefined && this.options.refresh !== undefined ? "refresh" : "acquire"
  }

  effectFor(
    operation: Operation,
    from: Provider.Session<P> | undefined = this.basis
  ): Effect.Effect<Provider.Session<P>, Provider.Error<P>> {
    const options = this.options
    const effect = operation === "refresh" && from !== undefined && options.refresh !== undefined
      ? options.refresh(from, { rejected: this.basisRejected })
      : options.acquire
    return Effect.provide(effect, this.context).pipe(
      // No stack trace captured per span: building one is most of a span's cost.
      Effect.withSpan(`${options.spanPrefix ?? options.provider}.${operation}`, {
        attributes: this.attributes(),
        captureStackTrace: false
      })
    )
  }

  /** Learns the server's clock offset from a session, ignoring what no plausible skew explains. */
  learnOffset(session: Provider.Session<P>, now: number): Effect.Effect<void> {
    const issued = this.options.issuedAt?.(session)
    if (issued === undefined || !Number.isFinite(issued)) return Effect.void
    const offset = issued - now
    if (Math.abs(offset) <= millisOr(this.options.maxClockOffset, 15 * 60_000)) {
      this.offsetMillis = Math.abs(offset) > millisOr(this.options.clockOffsetTolerance, 2_000) ? offset : 0
      return Effect.void
    }
    this.offsetMillis = 0
    if (this.offsetWarned) return Effect.void
    this.offsetWarned = true
    return Effect.logWarning(
      `authfx: the ${this.provider} session's issue time is ${Math.round(offset / 60_000)} minutes from this clock; ` +
        "not a clock skew (a time in milliseconds, or a time zone applied twice?): ignored"
    ).pipe(Effect.annotateLogs(this.attributes()))
  }

  install(session: Provider.Session<P>, operation: Operation | "store", now: number) {
    return Effect.gen(this, function*() {
      const options = this.options
      if (operation !== "store") yield* this.learnOffset(session, now)
      const serverExpiry = options.expiresAt?.(session)
      const expiresAt = serverExpiry === undefined || Number.isNaN(serverExpiry)
        ? Infinity
        : serverExpiry - this.offsetMillis
      const lifetime = expiresAt - now
      let refreshAt = Infinity
      let staleAt = Infinity
      if (Number.isFinite(expiresAt)) {
        staleAt = expiresAt - Math.min(millisOr(options.expirySkew, 5_000), Math.max(0, lifetime) / 10)
        if (staleAt > now) {
          const jitter = options.refreshJitter ?? 0.05
          const share = (options.refreshAt ?? 0.8) + (jitter > 0 ? yield* Random.nextRange(-jitter, jitter) : 0)
          // Renew at the jittered share of the lifetime, but no later than the
          // margin before expiry — and, for lifetimes shorter than the margin,
          // not before half the lifetime, so short tokens do not renew in a loop.
          refreshAt = Math.max(
            now + lifetime / 2,
            Math.min(now + lifetime * share, expiresAt - millisOr(options.refreshMargin, 30_000))
          )
        } else {
          // Unusable on arrival: the next call goes to the slow path (which spaces renewals), no timer.
          refreshAt = staleAt
        }
      }
      const generation = this.generation += 1
      const next: Entry<Provider.Session<P>> = {
        session,
        generation,
        at: now,
        expiresAt,
        refreshAt,
        staleAt,
        hit: Effect.succeed(session),
        leased: undefined,
        renewing: false,
        timer: undefined
      }
      this.replace(next)
      this.basis = session
      this.basisRejected = false
      if (this.pubsub !== undefined) {
        const eventExpiry = Number.isFinite(expiresAt) ? expiresAt : undefined
        this.publish(
          operation === "refresh"
            ? AuthEvent.Refreshed({ ...this.who(), generation, at: now, expiresAt: eventExpiry })
            : AuthEvent.Acquired({
              ...this.who(),
              generation,
              at: now,
              expiresAt: eventExpiry,
              source: operation === "store" ? "store" : "login"
            })
        )
      }
      yield* Effect.logDebug(
        `authfx: session ${
          operation === "refresh" ? "refreshed" : operation === "store" ? "restored from the store" : "acquired"
        }, expiring ${Number.isFinite(expiresAt) ? `at ${new Date(expiresAt).toISOString()}` : "never"}`
      ).pipe(
        this.annotate(generation),
        Effect.annotateLogs({
          "authfx.operation": operation,
          "authfx.expires_at": Number.isFinite(expiresAt) ? new Date(expiresAt).toISOString() : "never"
        })
      )
      const metrics = this.metrics
      if (operation === "refresh") yield* Metric.increment(metrics.refreshes)
      else if (operation === "acquire") yield* Metric.increment(metrics.acquisitions)
      if (Number.isFinite(expiresAt)) yield* Metric.set(metrics.secondsToExpiry, lifetime / 1000)
      if (Number.isFinite(refreshAt)) yield* this.schedule(next)
      return next
    })
  }

  replace(next: Entry<Provider.Session<P>> | undefined): void {
    // Off the heap before its due time changes.
    if (this.timerIndex >= 0) Timers.cancel(this)
    const previous = this.entry
    this.entry = next
    const timer = previous?.timer
    if (timer === undefined) return
    previous!.timer = undefined
    timer.unsafeInterruptAsFork(FiberId.none)
  }

  // The renewal's timer. On the live clock the engine joins the one platform timer shared by all engines, which
  // forks the renewal when it is due (a slot in an array per idle engine, where a sleeping fiber costs about
  // 8 KiB); any other clock (TestClock, a user's own) gets a fiber that sleeps on that clock, so that time there
  // moves only when that clock does.
  schedule(due: Entry<Provider.Session<P>>): Effect.Effect<void> {
    if (!this.live) {
      return Effect.map(this.fork(Effect.interruptible(this.renewWhenDue(due))), (fiber) => {
        if (this.entry === due) due.timer = fiber
        else fiber.unsafeInterruptAsFork(FiberId.none)
      })
    }
    // A renewal further away than the platform's timers reach gets none: the use-time check starts it.
    if (this.entry === due && due.refreshAt - this.clock.unsafeCurrentTimeMillis() <= maxTimerMillis) {
      Timers.schedule(this)
    }
    return Effect.void
  }

  save(session: Provider.Session<P>): Effect.Effect<void> {
    const persistence = this.options.persistence
    if (persistence === undefined) return Effect.void
    const entry = {
      v: entryFormat,
      key: persistence.key,
      account: persistence.account ?? persistence.key,
      session
    }
    return Schema.encode(Entry(persistence.schema))(entry).pipe(
      Effect.flatMap((encoded) => persistence.store.save(persistence.key, encoded)),
      Effect.timeoutFail({ duration: storeTimeout(persistence), onTimeout: () => ({ _tag: "Timeout" as const }) }),
      Effect.catchAll((error) =>
        Effect.logWarning(`authfx: could not save the ${this.provider} session`).pipe(
          Effect.annotateLogs({ ...this.attributes(), "error": error._tag })
        )
      )
    )
  }

  unusableFailure(session: Provider.Session<P>, now: number, millis: number): ProtocolError {
    const expiry = this.options.expiresAt?.(session)
    return new ProtocolError({
      provider: this.provider,
      reason: "UnusableSession",
      description: `sessions keep arriving unusable (received at ${new Date(now).toISOString()}, expiring at ${
        expiry === undefined || !Number.isFinite(expiry) ? "an unreadable time" : new Date(expiry).toISOString()
      }); next attempt in ${Math.round(millis / 1000)} s`
    })
  }

  /** A login or renewal, through the fleet's coordination if any: another replica's session installs as "store". */
  obtain(operation: Operation): Effect.Effect<Provider.Session<P>, Provider.Error<P>> {
    const coordinated = this.options.coordination
    if (coordinated === undefined) return this.effectFor(operation)
    return Effect.map(
      coordinated.renew({
        basis: this.basis,
        run: (from) =>
          this.effectFor(
            this.operated = from !== undefined && this.options.refresh !== undefined ? "refresh" : "acquire",
            from
          )
      }),
      (renewal) => {
        if (renewal.source === "adopted") this.operated = "store"
        return renewal.session
      }
    )
  }

  /**
   * A flight that ended without a usable session: counted, published, logged
   * at Warning, and its waiters failed with `cause`. From the second
   * consecutive failed login on, a floor (`failureBackoff`, and the
   * failure's `Retry-After`) spaces the next ones.
   */
  flightFailed(
    flight: Flight<Entry<Provider.Session<P>>, Provider.Error<P>>,
    operation: Operation,
    now: number,
    cause: Cause.Cause<Provider.Error<P>>,
    spaced = true
  ): Effect.Effect<void> {
    this.flight = undefined
    this.failures += 1
    // Only the logins callers wait for count towards the floor: background renewals have their own schedule.
    if (spaced) this.loginFailures += 1
    const error = describe(cause)
    this.lastFailure = { error, at: now }
    const failure = Option.getOrUndefined(Cause.failureOption(cause))
    const retryAfter = retryAfterOf(failure)
    const floorMillis = failure === undefined || !spaced ? 0 : Math.max(
      this.loginFailures < 2 ? 0 : millisOr(this.options.failureBackoff, 1_000) * 2 ** (this.loginFailures - 2),
      retryAfter
    )
    const floor = floorMillis > 0
      ? this.setFloor("failing", now, Math.min(floorMillis, maxFloorMillis), failure, this.generation)
      : Effect.void
    return Effect.map(
      Effect.zipRight(
        Metric.increment(this.metrics.failures),
        Effect.zipRight(
          Effect.logWarning(`authfx: ${operation === "acquire" ? "login" : "renewal"} failed: ${error}`).pipe(
            this.annotate(this.generation),
            Effect.annotateLogs({ "authfx.operation": operation, "authfx.attempt": this.failures })
          ),
          floor
        )
      ),
      () => {
        if (this.pubsub !== undefined) {
          this.publish(AuthEvent.Failed({ ...this.who(), at: now, operation, attempt: this.failures, error }))
        }
        flight.done(Exit.failCause(cause))
      }
    )
  }

  runFlight(
    flight: Flight<Entry<Provider.Session<P>>, Provider.Error<P>>,
    operation: Operation,
    background: boolean
  ): Effect.Effect<void> {
    return Effect.gen(this, function*() {
      const metrics = this.metrics
      const start = yield* Clock.currentTimeMillis
      this.operated = operation
      const exit = yield* Effect.exit(this.obtain(operation))
      const now = yield* Clock.currentTimeMillis
      yield* Metric.update(metrics.acquireLatency, now - start)
      if (Exit.isSuccess(exit)) {
        const previous = this.entry
        const next = yield* this.install(exit.value, this.operated, now)
        if (next.staleAt <= now) {
          // Unusable on arrival. Handed once to the callers that asked for it; while they keep arriving unusable,
          // renewals are spaced by a doubling floor and the next one fails typed instead of starting a loop.
          this.unusable += 1
          const millis = Math.min(millisOr(this.options.unusableBackoff, 1_000) * 2 ** (this.unusable - 1), 60_000)
          const unusableError = this.unusableFailure(exit.value, now, millis)
          yield* this.setFloor("unusable", now, millis, unusableError, next.generation)
          if (this.unusable > 1) {
            this.replace(previous !== next && previous !== undefined && previous.staleAt > now ? previous : undefined)
            return yield* this.flightFailed(
              flight,
              operation,
              now,
              Cause.fail(unusableError as unknown as Provider.Error<P>),
              false
            )
          }
        } else {
          this.unusable = 0
          // A usable session ends a floor on failing logins or unusable sessions (a background renewal may land
          // during one); a floor on rejections ends only when a call is accepted.
          if (this.floorReason !== undefined && this.floorReason !== "rejected") {
            this.floorUntil = 0
            this.floorReason = undefined
            this.floorError = undefined
          }
        }
        this.flight = undefined
        this.failures = 0
        this.loginFailures = 0
        // In a fiber of its own, bounded by the store's timeout: a slow store never holds a caller, and a scope
        // closing right after a login waits for the save (at most that long) instead of leaving it half-written.
        // Started before the waiters resume, so that a caller closing the scope at once still finds it to wait for.
        if (this.options.persistence !== undefined) this.pendingSave = yield* Effect.forkDaemon(this.save(exit.value))
        flight.done(Exit.succeed(next))
      } else {
        yield* this.flightFailed(flight, operation, now, exit.cause, !background)
      }
    }).pipe(
      Effect.onInterrupt(() =>
        Effect.suspend(() => {
          if (this.flight === flight) this.flight = undefined
          return flight.interrupt
        })
      )
    )
  }

  /**
   * Joins the renewal in flight, or starts one in a fiber of the engine's own,
   * so that interrupting the caller never aborts it (a rotating refresh token
   * is not burned) and every other waiter still gets its result.
   */
  joinOrStart(
    operation: Operation,
    background = false
  ): Effect.Effect<Entry<Provider.Session<P>>, Provider.Error<P>> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        if (this.closed) return Effect.interrupt
        if (this.flight !== undefined) return restore(this.flight.await)
        // A floor in force: callers get its error at once, without a login. A background renewal of a valid
        // session is spaced by its own schedule and is not held by a floor on failing logins.
        if (
          this.floorReason !== undefined && this.clock.unsafeCurrentTimeMillis() < this.floorUntil &&
          !(background && this.floorReason === "failing")
        ) {
          return Effect.fail(this.floorError as Provider.Error<P>)
        }
        const flight = new Flight<Entry<Provider.Session<P>>, Provider.Error<P>>()
        this.flight = flight
        // Forked fibers inherit this region's uninterruptibility: give it back,
        // so that closing the scope can stop them.
        return Effect.zipRight(
          this.fork(Effect.interruptible(this.runFlight(flight, operation, background))),
          restore(flight.await)
        )
      })
    )
  }

  /** Renews `due` in the background, retrying while it is still valid. */
  renewInBackground(due: Entry<Provider.Session<P>>): Effect.Effect<void> {
    return Effect.gen(this, function*() {
      const driver = yield* Schedule.driver(
        (this.options.refreshRetry ?? defaultRefreshRetry) as Schedule.Schedule<unknown, Provider.Error<P>>
      )
      while (this.entry === due) {
        const exit = yield* Effect.exit(this.joinOrStart(this.operationFor(), true))
        if (Exit.isSuccess(exit) || this.entry !== due) return
        const now = yield* Clock.currentTimeMillis
        // Once the session has expired, callers take over in the foreground
        // and get the error themselves; no background loop outlives validity.
        if (now >= due.staleAt) return
        const error = Option.getOrUndefined(Cause.failureOption(exit.cause))
        if (error === undefined) return
        const more = yield* Effect.exit(driver.next(error))
        if (Exit.isFailure(more)) return
      }
    })
  }

  renewWhenDue(due: Entry<Provider.Session<P>>): Effect.Effect<void> {
    return Effect.gen(this, function*() {
      const now = yield* Clock.currentTimeMillis
      if (due.refreshAt > now) yield* Effect.sleep(Duration.millis(due.refreshAt - now))
      if (this.claimRenewal(due)) yield* this.renewInBackground(due)
    })
  }

  /** Marks `due` as being renewed; false if it already is, or is no longer current. */
  claimRenewal(due: Entry<Provider.Session<P>>): boolean {
    if (due.renewing || this.entry !== due || this.closed) return false
    due.renewing = true
    return true
  }

  // Use-time check for a renewal whose timer has not fired yet (a laptop that
  // slept past it): start it now, and keep serving the still-valid session.
  kick(due: Entry<Provider.Session<P>>): Effect.Effect<Provider.Session<P>> {
    return Effect.uninterruptible(Effect.suspend(() =>
      this.claimRenewal(due)
        ? Effect.zipRight(this.fork(Effect.interruptible(this.renewInBackground(due))), due.hit)
        : due.hit
    ))
  }

  /** Restores a stored session: a still-valid one of this account means no login at all. */
  load(persistence: Persistence<Provider.Session<P>>): Effect.Effect<void> {
    return Effect.gen(this, function*() {
      type S = Provider.Session<P>
      const provider = this.provider
      const account = persistence.account ?? persistence.key
      const loaded = yield* persistence.store.load(persistence.key).pipe(
        Effect.timeoutFail({ duration: storeTimeout(persistence), onTimeout: () => ({ _tag: "Timeout" as const }) }),
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeed(Option.none<{ readonly session: S; readonly ours: boolean }>()),
          onSome: (encoded) =>
            Schema.decode(Entry(persistence.schema))(encoded).pipe(
              Effect.map((entry) => ({
                session: entry.session as S,
                ours: entry.key === persistence.key && entry.account === account
              })),
              // The bare session of earlier versions names no account: only `belongsTo` can vouch for it.
              Effect.orElse(() =>
                Effect.map(Schema.decode(Schema.parseJson(persistence.schema))(encoded), (session) => ({
                  session,
                  ours: persistence.belongsTo !== undefined
                }))
              ),
              Effect.asSome
            )
        })),
        Effect.catchAll((error) =>
          Effect.logWarning(`authfx: could not load the stored ${provider} session`).pipe(
            Effect.annotateLogs({ ...this.attributes(), "error": error._tag }),
            Effect.as(Option.none<{ readonly session: S; readonly ours: boolean }>())
          )
        )
      )
      if (Option.isNone(loaded)) return
      const now = yield* Clock.currentTimeMillis
      const stored = loaded.value.session
      const expiry = this.options.expiresAt?.(stored)
      const ours = loaded.value.ours && (persistence.belongsTo === undefined || persistence.belongsTo(stored))
      // An expiry decades away, or not a number, is not a session this engine wrote.
      const plausible = expiry === undefined || (Number.isFinite(expiry) && expiry < now + 10 * 365 * 86_400_000)
      if (!ours || !plausible) {
        yield* Effect.logWarning(
          `authfx: the stored ${provider} session ${
            ours ? "has an implausible expiry" : "belongs to another account"
          }: discarded`
        ).pipe(Effect.annotateLogs(this.attributes()))
      } else if (expiry === undefined || expiry - millisOr(this.options.expirySkew, 5_000) > now) {
        yield* this.install(stored, "store", now)
      } else {
        // An expired stored session is still a basis for a refresh (a 7-day
        // refresh token outlives a 30-minute access token).
        this.basis = stored
      }
    })
  }
}

const storeTimeout = (persistence: Persistence<any>): number => millisOr(persistence.timeout, 3_000)

const clockOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Clock.Clock =>
  Context.get(fiber.currentDefaultServices, Clock.Clock)

/**
 * Builds an `Authenticated<P>` from a provider's `acquire`, `refresh` and
 * expiry. Scoped: closing the scope stops every fiber and timer it started.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <P extends Provider.Any, R = never>(
  options: Options<P, R>
): Effect.Effect<Authenticated<P>, never, Scope.Scope | R> =>
  Effect.withFiberRuntime((fiber, status) => {
    const context = fiber.currentContext as Context.Context<R | Scope.Scope>
    const clock = clockOf(fiber)
    const account = options.account ?? Context.get(context, CurrentAccount)
    const engine = new Engine<P, R>(
      options,
      context as Context.Context<R>,
      keptRefs(fiber.getFiberRefs()),
      status.runtimeFlags,
      clock,
      isLive(clock),
      account,
      account !== undefined && options.accountMetrics === true
        ? AuthMetrics.forAccount(options.provider, account)
        : AuthMetrics.forProvider(options.provider)
    )
    const registered = Scope.addFinalizerExit(Context.get(context, Scope.Scope), engine.close.bind(engine))
    const built = options.persistence === undefined ? registered : Effect.zipRight(
      registered,
      engine.load(options.persistence)
    )
    return Effect.as(built, engine as Authenticated<P>)
  })

const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Option.getOrUndefined(Cause.failureOption(cause))
  if (failure === undefined) return Cause.isInterruptedOnly(cause) ? "interrupted" : "defect"
  if (typeof failure === "object" && failure !== null && "_tag" in failure) {
    const message = "message" in failure && typeof failure.message === "string" ? `: ${failure.message}` : ""
    return `${String(failure._tag)}${message}`
  }
  return "failure"
}
