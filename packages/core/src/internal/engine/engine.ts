/**
 * The session engine: one object per engine whose operations live on its
 * prototype chain, split by concept — its state (`base.ts`), its flights
 * (`flights.ts`), its store (`store.ts`) and, here, what `Authenticated`
 * offers: the cached session and lease, invalidation, events, state and close.
 *
 * @internal
 */
import * as Timers from "@authfx/protocol/Timers"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import type { Authenticated, Lease } from "../../Authenticated.js"
import { CredentialsRejected } from "../../AuthError.js"
import * as AuthEvent from "../../AuthEvent.js"
import type * as Provider from "../../Provider.js"
import * as SessionState from "../../SessionState.js"
import { clockOf, leaseOf, maxFloorMillis, millisOr, sessionOf } from "./base.js"
import { EngineStore } from "./store.js"

export class Engine<P extends Provider.Any, R> extends EngineStore<P, R> implements Authenticated<P>, Timers.Timed {
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
}
