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
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Random from "effect/Random"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Authenticated } from "./Authenticated.js"
import { ProtocolError } from "./AuthError.js"
import * as AuthEvent from "./AuthEvent.js"
import * as AuthMetrics from "./AuthMetrics.js"
import type * as Coordination from "./Coordination.js"
import { CurrentAccount } from "./CurrentAccount.js"
import type * as Provider from "./Provider.js"
import type { SessionStore } from "./SessionStore.js"

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
   * Whether a stored session belongs to the configured account (Nabi: its
   * address; others: a fingerprint of the credential, never the secret). A
   * stored session that does not is discarded with a warning and a normal
   * login happens.
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
  readonly obtainedAt: number
  /** Local epoch millis; `Infinity` when the session does not expire. */
  readonly expiresAt: number
  readonly refreshAt: number
  readonly staleAt: number
  /** `Effect.succeed(session)`, allocated once so a cache hit allocates nothing. */
  readonly hit: Effect.Effect<S>
  /** A background renewal of this entry is running or has given up. */
  renewing: boolean
  /** The fiber that sleeps until the renewal is due, if any. */
  /** Cancels the pending renewal's timer. */
  timer: (() => void) | undefined
}

type Operation = "acquire" | "refresh"

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
  Effect.gen(function*() {
    type S = Provider.Session<P>
    type E = Provider.Error<P>

    const provider = options.provider
    const spanPrefix = options.spanPrefix ?? provider
    const context = yield* Effect.context<R>()
    const clock = yield* Effect.clock
    const fraction = options.refreshAt ?? 0.8
    const jitter = options.refreshJitter ?? 0.05
    const margin = Duration.toMillis(options.refreshMargin ?? Duration.seconds(30))
    const skew = Duration.toMillis(options.expirySkew ?? Duration.seconds(5))
    const tolerance = Duration.toMillis(options.clockOffsetTolerance ?? Duration.seconds(2))
    const maxOffset = Duration.toMillis(options.maxClockOffset ?? Duration.minutes(15))
    const backoffFloor = Duration.toMillis(options.unusableBackoff ?? Duration.seconds(1))
    const refreshRetry = (options.refreshRetry ?? defaultRefreshRetry) as Schedule.Schedule<unknown, E>
    const account = options.account ?? (yield* CurrentAccount)
    const metrics = account !== undefined && options.accountMetrics === true
      ? AuthMetrics.forAccount(provider, account)
      : AuthMetrics.forProvider(provider)
    const attributes: Record<string, string> = account === undefined
      ? { "authfx.provider": provider }
      : { "authfx.provider": provider, "authfx.account": account }
    /** Who the events are about. */
    const who = account === undefined ? { provider } : { provider, account }

    // Created on first subscription: an engine nobody watches publishes nothing.
    let pubsub: PubSub.PubSub<AuthEvent.AuthEvent> | undefined
    const publishing = () => pubsub !== undefined
    const publish = (event: AuthEvent.AuthEvent) => void pubsub?.unsafeOffer(event)
    /** Fibers the engine started (a login, a renewal); interrupted when its scope closes. */
    let running: Set<Fiber.RuntimeFiber<unknown, unknown>> | undefined
    const track = (fiber: Fiber.RuntimeFiber<unknown, unknown>) => {
      const set = running ??= new Set()
      set.add(fiber)
      fiber.addObserver(() => {
        set.delete(fiber)
        if (set.size === 0 && running === set) running = undefined
      })
      return fiber
    }
    /** Forks from the calling fiber (its services, supervisor and clock), as a daemon the engine tracks. */
    const fork = (effect: Effect.Effect<unknown, unknown>) => Effect.map(Effect.forkDaemon(effect), track)

    // The engine's state. Plain variables rather than `Ref`s: JavaScript runs
    // one fiber step at a time, and every read-check-write below happens inside
    // one synchronous step, so no two fibers can interleave within it.
    let entry: Entry<S> | undefined
    /** The last session obtained, kept after expiry or rejection as the basis of a refresh. */
    let basis: S | undefined
    /** Whether `basis` was dropped by `invalidate` (the provider rejected it). */
    let basisRejected = false
    let flight: Deferred.Deferred<Entry<S>, E> | undefined
    let generation = 0
    let offsetMillis = 0
    let offsetWarned = false
    let closed = false
    /** Consecutive failed flights, for the `attempt` of `Failed` events. */
    let failures = 0
    /** Consecutive sessions that arrived unusable, the time before which no flight starts, and why. */
    let unusable = 0
    let unusableUntil = 0
    let unusableError: ProtocolError | undefined
    /** The latest save to the store, awaited (bounded) when the scope closes. */
    let pendingSave: Fiber.RuntimeFiber<void> | undefined

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        replace(undefined)
        const fibers = running === undefined ? [] : [...running]
        running = undefined
        const shutdown = pubsub === undefined ? Effect.void : PubSub.shutdown(pubsub)
        const saving = pendingSave === undefined ? Effect.void : Effect.ignore(Fiber.join(pendingSave))
        return Effect.zipRight(Fiber.interruptAll(fibers), Effect.zipRight(saving, shutdown))
      })
    )

    const operationFor = (): Operation => basis !== undefined && options.refresh !== undefined ? "refresh" : "acquire"

    const effectFor = (operation: Operation, from: S | undefined = basis): Effect.Effect<S, E> => {
      const effect = operation === "refresh" && from !== undefined && options.refresh !== undefined
        ? options.refresh(from, { rejected: basisRejected })
        : options.acquire
      return Effect.provide(effect, context).pipe(
        // No stack trace captured per span: building one is most of a span's cost.
        Effect.withSpan(`${spanPrefix}.${operation}`, { attributes, captureStackTrace: false })
      )
    }

    /** Learns the server's clock offset from a session, ignoring what no plausible skew explains. */
    const learnOffset = (session: S, now: number) =>
      Effect.suspend(() => {
        const issued = options.issuedAt?.(session)
        if (issued === undefined || !Number.isFinite(issued)) return Effect.void
        const offset = issued - now
        if (Math.abs(offset) <= maxOffset) {
          offsetMillis = Math.abs(offset) > tolerance ? offset : 0
          return Effect.void
        }
        offsetMillis = 0
        if (offsetWarned) return Effect.void
        offsetWarned = true
        return Effect.logWarning(
          `authfx: the ${provider} session's issue time is ${Math.round(offset / 60_000)} minutes from this clock; ` +
            "not a clock skew (a time in milliseconds, or a time zone applied twice?): ignored"
        ).pipe(Effect.annotateLogs(attributes))
      })

    const install = (session: S, operation: Operation | "store", now: number) =>
      Effect.gen(function*() {
        if (operation !== "store") yield* learnOffset(session, now)
        const serverExpiry = options.expiresAt?.(session)
        const expiresAt = serverExpiry === undefined || Number.isNaN(serverExpiry)
          ? Infinity
          : serverExpiry - offsetMillis
        const lifetime = expiresAt - now
        let refreshAt = Infinity
        let staleAt = Infinity
        if (Number.isFinite(expiresAt)) {
          staleAt = expiresAt - Math.min(skew, Math.max(0, lifetime) / 10)
          if (staleAt > now) {
            const share = fraction + (jitter > 0 ? yield* Random.nextRange(-jitter, jitter) : 0)
            // Renew at the jittered share of the lifetime, but no later than the
            // margin before expiry — and, for lifetimes shorter than the margin,
            // not before half the lifetime, so short tokens do not renew in a loop.
            refreshAt = Math.max(now + lifetime / 2, Math.min(now + lifetime * share, expiresAt - margin))
          } else {
            // Unusable on arrival: the next call goes to the slow path (which spaces renewals), no timer.
            refreshAt = staleAt
          }
        }
        generation += 1
        const next: Entry<S> = {
          session,
          generation,
          obtainedAt: now,
          expiresAt,
          refreshAt,
          staleAt,
          hit: Effect.succeed(session),
          renewing: false,
          timer: undefined
        }
        replace(next)
        basis = session
        basisRejected = false
        if (publishing()) {
          const eventExpiry = Number.isFinite(expiresAt) ? expiresAt : undefined
          publish(
            operation === "refresh"
              ? AuthEvent.Refreshed({ ...who, generation, at: now, expiresAt: eventExpiry })
              : AuthEvent.Acquired({
                ...who,
                generation,
                at: now,
                expiresAt: eventExpiry,
                source: operation === "store" ? "store" : "login"
              })
          )
        }
        if (operation === "refresh") yield* Metric.increment(metrics.refreshes)
        else if (operation === "acquire") yield* Metric.increment(metrics.acquisitions)
        if (Number.isFinite(expiresAt)) yield* Metric.set(metrics.secondsToExpiry, lifetime / 1000)
        if (Number.isFinite(refreshAt)) next.timer = yield* schedule(next)
        return next
      })

    const replace = (next: Entry<S> | undefined) => {
      const previous = entry
      entry = next
      if (previous?.timer !== undefined) previous.timer()
    }

    // The renewal's timer. On the live clock it is a plain platform timer that forks the renewal when it fires
    // (a few hundred bytes per idle engine, where a sleeping fiber costs about 8 KiB); any other clock (TestClock,
    // a user's own) gets a fiber that sleeps on that clock, so that time there moves only when that clock does.
    const scheduler = liveScheduler(clock)
    const runtime = scheduler === undefined ? undefined : yield* Effect.runtime<never>()
    const schedule = (due: Entry<S>): Effect.Effect<() => void> => {
      if (scheduler === undefined || runtime === undefined) {
        return Effect.map(
          fork(Effect.interruptible(renewWhenDue(due))),
          (fiber) => () => fiber.unsafeInterruptAsFork(FiberId.none)
        )
      }
      return Effect.sync(() => {
        const cancel = scheduler.unsafeSchedule(() => {
          if (claimRenewal(due)) track(Runtime.runFork(runtime)(renewInBackground(due)))
        }, Duration.millis(Math.max(0, due.refreshAt - clock.unsafeCurrentTimeMillis())))
        return () => void cancel()
      })
    }

    const storeTimeout = Duration.toMillis(options.persistence?.timeout ?? Duration.seconds(3))

    const save = (session: S) => {
      const persistence = options.persistence
      if (persistence === undefined) return Effect.void
      return Schema.encode(Schema.parseJson(persistence.schema))(session).pipe(
        Effect.flatMap((encoded) => persistence.store.save(persistence.key, encoded)),
        Effect.timeoutFail({ duration: storeTimeout, onTimeout: () => ({ _tag: "Timeout" as const }) }),
        Effect.catchAll((error) =>
          Effect.logWarning(`authfx: could not save the ${provider} session`).pipe(
            Effect.annotateLogs({ ...attributes, "error": error._tag })
          )
        )
      )
    }

    /** The session a flight obtained cannot be used at all: expired, or expiring, as it arrives. */
    const unusableNow = (exitValue: Entry<S>, now: number) => exitValue.staleAt <= now

    const unusableFailure = (session: S, now: number) => {
      const expiry = options.expiresAt?.(session)
      return new ProtocolError({
        provider,
        reason: "UnusableSession",
        description: `sessions keep arriving unusable (received at ${new Date(now).toISOString()}, expiring at ${
          expiry === undefined || !Number.isFinite(expiry) ? "an unreadable time" : new Date(expiry).toISOString()
        }); next attempt in ${Math.round((unusableUntil - now) / 1000)} s`
      })
    }

    /** A login or renewal, through the fleet's coordination if any: another replica's session installs as "store". */
    const obtain = (operation: Operation): Effect.Effect<S, E> => {
      const coordinated = options.coordination
      if (coordinated === undefined) return effectFor(operation)
      return Effect.map(
        coordinated.renew({
          basis,
          run: (from) =>
            effectFor(operated = from !== undefined && options.refresh !== undefined ? "refresh" : "acquire", from)
        }),
        (renewal) => {
          if (renewal.source === "adopted") operated = "store"
          return renewal.session
        }
      )
    }
    let operated: Operation | "store" = "acquire"

    const runFlight = (deferred: Deferred.Deferred<Entry<S>, E>, operation: Operation) =>
      Effect.gen(function*() {
        const start = yield* Clock.currentTimeMillis
        operated = operation
        const exit = yield* Effect.exit(obtain(operation))
        const now = yield* Clock.currentTimeMillis
        yield* Metric.update(metrics.acquireLatency, now - start)
        if (Exit.isSuccess(exit)) {
          const previous = entry
          const next = yield* install(exit.value, operated, now)
          if (unusableNow(next, now)) {
            // Handed once to the callers that asked for it; while they keep arriving unusable, renewals are
            // spaced by a doubling floor and the next one fails typed instead of starting a loop.
            unusable += 1
            unusableUntil = now + Math.min(backoffFloor * 2 ** (unusable - 1), 60_000)
            unusableError = unusableFailure(exit.value, now)
            if (unusable > 1) {
              replace(previous !== next && previous !== undefined && previous.staleAt > now ? previous : undefined)
              flight = undefined
              failures += 1
              yield* Metric.increment(metrics.failures)
              if (publishing()) {
                publish(
                  AuthEvent.Failed({
                    ...who,
                    at: now,
                    operation,
                    attempt: failures,
                    error: describe(Cause.fail(unusableError))
                  })
                )
              }
              return yield* Deferred.fail(deferred, unusableError as unknown as E)
            }
          } else {
            unusable = 0
          }
          flight = undefined
          failures = 0
          yield* Deferred.succeed(deferred, next)
          // In a fiber of its own, bounded by the store's timeout: a slow store never holds a caller, and a scope
          // closing right after a login waits for the save (at most that long) instead of leaving it half-written.
          if (options.persistence !== undefined) pendingSave = yield* Effect.forkDaemon(save(exit.value))
        } else {
          flight = undefined
          failures += 1
          yield* Metric.increment(metrics.failures)
          if (publishing()) {
            publish(AuthEvent.Failed({ ...who, at: now, operation, attempt: failures, error: describe(exit.cause) }))
          }
          yield* Deferred.failCause(deferred, exit.cause)
        }
      }).pipe(
        Effect.onInterrupt(() =>
          Effect.suspend(() => {
            if (flight === deferred) flight = undefined
            return Deferred.interrupt(deferred)
          })
        )
      )

    /**
     * Joins the renewal in flight, or starts one in a fiber of the engine's own,
     * so that interrupting the caller never aborts it (a rotating refresh token
     * is not burned) and every other waiter still gets its result.
     */
    const joinOrStart = (operation: Operation): Effect.Effect<Entry<S>, E> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          if (closed) return Effect.interrupt
          if (flight !== undefined) return restore(Deferred.await(flight))
          if (unusable > 0 && unusableError !== undefined && clock.unsafeCurrentTimeMillis() < unusableUntil) {
            return Effect.fail(unusableError as unknown as E)
          }
          const deferred = Deferred.unsafeMake<Entry<S>, E>(FiberId.none)
          flight = deferred
          // Forked fibers inherit this region's uninterruptibility: give it back,
          // so that closing the scope can stop them.
          return Effect.zipRight(
            fork(Effect.interruptible(runFlight(deferred, operation))),
            restore(Deferred.await(deferred))
          )
        })
      )

    /** Renews `due` in the background, retrying while it is still valid. */
    const renewInBackground = (due: Entry<S>): Effect.Effect<void> =>
      Effect.gen(function*() {
        const driver = yield* Schedule.driver(refreshRetry)
        while (entry === due) {
          const exit = yield* Effect.exit(joinOrStart(operationFor()))
          if (Exit.isSuccess(exit) || entry !== due) return
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

    const renewWhenDue = (due: Entry<S>): Effect.Effect<void> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        if (due.refreshAt > now) yield* Effect.sleep(Duration.millis(due.refreshAt - now))
        if (claimRenewal(due)) yield* renewInBackground(due)
      })

    /** Marks `due` as being renewed; false if it already is, or is no longer current. */
    const claimRenewal = (due: Entry<S>): boolean => {
      if (due.renewing || entry !== due || closed) return false
      due.renewing = true
      return true
    }

    // Use-time check for a renewal whose timer has not fired yet (a laptop that
    // slept past it): start it now, and keep serving the still-valid session.
    const kick = (due: Entry<S>): Effect.Effect<S> =>
      Effect.uninterruptible(Effect.suspend(() =>
        claimRenewal(due) ? Effect.zipRight(fork(Effect.interruptible(renewInBackground(due))), due.hit) : due.hit
      ))

    const slow: Effect.Effect<S, E> = Effect.map(
      Effect.suspend(() =>
        joinOrStart(operationFor())
      ),
      (next) => next.session
    )

    // The caller's clock decides at use time (rule 8): a laptop that slept past expiry renews on its first call.
    const session: Effect.Effect<S, E> = Effect.clockWith((now) => {
      const current = entry
      if (current !== undefined) {
        const at = now.unsafeCurrentTimeMillis()
        if (at < current.refreshAt) return current.hit
        if (at < current.staleAt) return kick(current)
      }
      return slow
    })

    const refresh: Effect.Effect<S, E> = slow

    const invalidate = (
      stale: S,
      invalidateOptions?: { readonly rejected?: boolean | undefined }
    ): Effect.Effect<void> =>
      Effect.suspend(() => {
        const rejected = invalidateOptions?.rejected ?? true
        const current = entry
        const isCurrent = current !== undefined && current.session === stale
        const at = clock.unsafeCurrentTimeMillis()
        if (rejected && publishing()) {
          publish(
            AuthEvent.Rejected({
              ...who,
              generation: isCurrent ? current.generation : generation,
              at,
              current: isCurrent
            })
          )
        }
        if (!isCurrent) return rejected ? Metric.increment(metrics.rejections) : Effect.void
        replace(undefined)
        basisRejected = rejected
        if (publishing()) publish(AuthEvent.Invalidated({ ...who, generation: current.generation, at }))
        return rejected ? Metric.increment(metrics.rejections) : Effect.void
      })

    const current = Effect.clockWith((now) =>
      Effect.sync(() => {
        const e = entry
        return e !== undefined && now.unsafeCurrentTimeMillis() < e.staleAt ? Option.some(e.session) : Option.none()
      })
    )

    // Restore a stored session: a still-valid one of this account means no login at all.
    if (options.persistence !== undefined) {
      const persistence = options.persistence
      const loaded = yield* persistence.store.load(persistence.key).pipe(
        Effect.timeoutFail({ duration: storeTimeout, onTimeout: () => ({ _tag: "Timeout" as const }) }),
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeed(Option.none<S>()),
          onSome: (encoded) => Effect.asSome(Schema.decode(Schema.parseJson(persistence.schema))(encoded))
        })),
        Effect.catchAll((error) =>
          Effect.logWarning(`authfx: could not load the stored ${provider} session`).pipe(
            Effect.annotateLogs({ ...attributes, "error": error._tag }),
            Effect.as(Option.none<S>())
          )
        )
      )
      if (Option.isSome(loaded)) {
        const now = yield* Clock.currentTimeMillis
        const expiry = options.expiresAt?.(loaded.value)
        const ours = persistence.belongsTo === undefined || persistence.belongsTo(loaded.value)
        // An expiry decades away, or not a number, is not a session this engine wrote.
        const plausible = expiry === undefined || (Number.isFinite(expiry) && expiry < now + 10 * 365 * 86_400_000)
        if (!ours || !plausible) {
          yield* Effect.logWarning(
            `authfx: the stored ${provider} session ${
              ours ? "has an implausible expiry" : "belongs to another account"
            }: discarded`
          ).pipe(Effect.annotateLogs(attributes))
        } else if (expiry === undefined || expiry - skew > now) {
          yield* install(loaded.value, "store", now)
        } else {
          // An expired stored session is still a basis for a refresh (a 7-day
          // refresh token outlives a 30-minute access token).
          basis = loaded.value
        }
      }
    }

    const events: Stream.Stream<AuthEvent.AuthEvent> = Stream.suspend(() => {
      if (closed) return Stream.empty
      pubsub ??= Effect.runSync(PubSub.unbounded<AuthEvent.AuthEvent>())
      return Stream.fromPubSub(pubsub)
    })

    return {
      provider,
      session,
      refresh,
      invalidate,
      current,
      events
    } satisfies Authenticated<P> as Authenticated<P>
  })

/**
 * The platform timer behind Effect's live clock, when `clock` is that clock;
 * `undefined` for any other (a `TestClock`, a user's clock).
 */
const liveScheduler = (clock: Clock.Clock): Clock.ClockScheduler | undefined => {
  const candidate = (clock as { readonly scheduler?: unknown }).scheduler
  if (typeof candidate !== "function" || "adjust" in clock) return undefined
  const scheduler = Effect.runSync(candidate.call(clock) as Effect.Effect<unknown>)
  return typeof scheduler === "object" && scheduler !== null && "unsafeSchedule" in scheduler
    ? scheduler as Clock.ClockScheduler
    : undefined
}

const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Option.getOrUndefined(Cause.failureOption(cause))
  if (failure === undefined) return Cause.isInterruptedOnly(cause) ? "interrupted" : "defect"
  if (typeof failure === "object" && failure !== null && "_tag" in failure) {
    const message = "message" in failure && typeof failure.message === "string" ? `: ${failure.message}` : ""
    return `${String(failure._tag)}${message}`
  }
  return "failure"
}
