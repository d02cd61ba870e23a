/**
 * The session engine's flights: a login or renewal started once and shared by
 * every caller that waits for it, how its session is installed, when the next
 * renewal is due and how it is retried.
 *
 * @internal
 */
import * as Timers from "@authfx/protocol/Timers"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import { ProtocolError } from "../../AuthError.js"
import * as AuthEvent from "../../AuthEvent.js"
import type * as Provider from "../../Provider.js"
import { Flight } from "../flight.js"
import {
  describe,
  EngineBase,
  type Entry,
  maxFloorMillis,
  maxTimerMillis,
  millisOr,
  type Operation,
  retryAfterOf
} from "./base.js"

/**
 * The default retry of a failing background renewal: exponential from half a
 * second, jittered, at most a minute apart.
 *
 * @internal
 */
export const defaultRefreshRetry: Schedule.Schedule<unknown, unknown> = Schedule.exponential("500 millis", 2).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.minutes(1))),
  Schedule.asVoid
)

export abstract class EngineFlights<P extends Provider.Any, R> extends EngineBase<P, R> implements Timers.Timed {
  /** When the pending renewal is due, for `Timers`. */
  abstract get due(): number

  /** The live clock's timer fired. */
  abstract onDue(): void

  /** Saves a session to the store, if any (`store.ts`). */
  abstract save(session: Provider.Session<P>): Effect.Effect<void>

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
}
