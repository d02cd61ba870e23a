/**
 * A credential's renewals through the fleet: adopt a newer record, or take the lease and renew from the stored
 * session, or wait for the holder's publication, or fall back to a local renewal when the backend fails.
 */
import type * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import type * as Coordination from "../../Coordination.js"
import { CoordinationError, LeaseLost } from "./errors.js"
import type { Leases } from "./lease.js"
import * as Metrics from "./metrics.js"
import { codec } from "./record.js"
import { newOwner, RENEW, type Settings } from "./settings.js"

export const session = (
  backend: Coordination.Backend,
  { keepAlive, releaseOrphan, releaseQuietly }: Leases,
  { adoptMargin, cipher, expiredWaitMillis, leaseMillis, maxWaitMillis, pollMillis, renewKeepAliveMillis }: Settings
) =>
<S>(sessionOptions: Coordination.SessionOptions<S>): Coordination.Coordinated<S> => {
  const { key, provider } = sessionOptions
  const annotations = { "authfx.provider": provider, "authfx.coordination": backend.name }
  const fallbackCounter = Metric.tagged(Metrics.fallbacks, "provider", provider)
  const adoptionCounter = Metric.tagged(Metrics.adoptions, "provider", provider)
  const repairCounter = Metric.tagged(Metrics.repairs, "provider", provider)
  const { decode, encode, reportUnreadable } = codec(sessionOptions, cipher, annotations)
  let known = 0

  const usable = (value: S, now: number) => {
    const expiry = sessionOptions.expiresAt?.(value)
    return expiry === undefined || !Number.isFinite(expiry) || expiry - now > adoptMargin
  }

  const countError = (error: Coordination.CoordinationError) =>
    Metric.increment(Metric.tagged(Metric.tagged(Metrics.errors, "provider", provider), "reason", error.reason))

  const fallback = <E, R>(
    error: Coordination.CoordinationError,
    run: Effect.Effect<S, E, R>
  ): Effect.Effect<Coordination.Renewal<S>, E, R> =>
    Effect.logWarning(
      error.reason === "Authentication"
        ? `authfx: ${backend.name} coordination refused the credentials (${error.message}); renewing the ${provider} session locally`
        : `authfx: ${backend.name} coordination unavailable (${error.message}); renewing the ${provider} session locally`
    ).pipe(
      Effect.annotateLogs({ ...annotations, "authfx.coordination.reason": error.reason }),
      Effect.zipRight(Metric.increment(fallbackCounter)),
      Effect.zipRight(error.operation === "wait" ? Effect.void : countError(error)),
      Effect.zipRight(run),
      Effect.map((value): Coordination.Renewal<S> => ({ session: value, source: "local", generation: 0 }))
    )

  const adopt = (value: S, generation: number) =>
    Effect.as(Metric.increment(adoptionCounter), { session: value, source: "adopted" as const, generation })

  const renew = <E, R>(request: {
    readonly basis: S | undefined
    readonly run: (basis: S | undefined) => Effect.Effect<S, E, R>
  }): Effect.Effect<Coordination.Renewal<S>, E, R> =>
    Effect.gen(function*() {
      const start = yield* Clock.currentTimeMillis
      const owner = newOwner()
      const startedFrom = known
      // Records up to this generation are not adopted by the backend in place of the lease: a newer one that
      // cannot be used (expired, unreadable) raises it, and the next attempt takes the lease to replace it.
      let takeOver = startedFrom
      let reported = false
      // The lease as last seen while waiting: its remaining time and when. A lease whose end moves later is kept
      // alive by a live holder; one whose end does not is a dead holder's, or a command's the client gave up on.
      let seen: { readonly ttl: number; readonly at: number } | undefined
      let alive = false
      let firstSeen: number | undefined
      while (true) {
        const attempt = yield* Effect.either(backend.tryLease(key, RENEW, owner, leaseMillis, takeOver))
        if (Either.isLeft(attempt)) {
          // The command may still run when the backend resumes (a timeout), or may have run before the connection
          // dropped: release what it may have taken. (A refused credential ran nothing.)
          if (attempt.left.reason === "Timeout" || attempt.left.reason === "Unavailable") {
            yield* releaseOrphan(key, RENEW, owner)
          }
          return yield* fallback(attempt.left, request.run(request.basis))
        }
        const { held, record, ttlMillis } = attempt.right
        let stored: S | undefined
        let broken = false
        if (record !== undefined) {
          const decoded = yield* Effect.either(decode(record))
          if (Either.isRight(decoded)) stored = decoded.right
          else {
            broken = true
            if (!reported) {
              reported = true
              yield* reportUnreadable(decoded.left, record)
            }
          }
        }
        const now = yield* Clock.currentTimeMillis
        // Somebody renewed (or logged in again after a rejection) since this replica's session: adopt theirs.
        if (record !== undefined && stored !== undefined && record.generation > startedFrom && usable(stored, now)) {
          if (held) yield* releaseQuietly(key, RENEW, owner)
          known = record.generation
          return yield* adopt(stored, record.generation)
        }
        if (!held) {
          if (record !== undefined && record.generation > takeOver) {
            takeOver = record.generation
            continue
          }
          const elapsed = now - start
          if (seen !== undefined && ttlMillis + (now - seen.at) > seen.ttl + Math.min(100, renewKeepAliveMillis)) {
            alive = true
          }
          seen = { ttl: ttlMillis, at: now }
          firstSeen ??= now
          // A replica without a usable session of its own has callers waiting on it: a lease nobody is seen
          // keeping alive holds it for `expiredWait` at most, counted from the first sight of it (a reply that
          // came late says nothing about the holder).
          const urgent = !alive && (request.basis === undefined || !usable(request.basis, now))
          const stalled = now - firstSeen
          if (elapsed >= maxWaitMillis || (urgent && stalled >= expiredWaitMillis)) {
            return yield* fallback(
              new CoordinationError({
                operation: "wait",
                reason: "Timeout",
                description: elapsed >= maxWaitMillis
                  ? "the lease holder is slow"
                  : `the lease was not kept alive by a holder within ${expiredWaitMillis} ms`
              }),
              request.run(request.basis)
            )
          }
          // The publication, or the lease's lapse, or the poll interval, whichever comes first.
          const wait = Math.max(
            1,
            Math.min(
              ttlMillis + 5,
              pollMillis,
              maxWaitMillis - elapsed,
              urgent ? expiredWaitMillis - stalled : Infinity
            )
          )
          yield* backend.awaitPublish(key, Math.max(startedFrom, record?.generation ?? 0), wait)
          continue
        }
        // Holding the lease: renew from the stored session, which carries the latest (rotated) refresh token.
        const expected = record?.generation ?? 0
        const basis = stored !== undefined && expected >= startedFrom ? stored : request.basis
        const exit = yield* Effect.exit(
          Effect.raceFirst(request.run(basis), keepAlive(key, RENEW, owner, leaseMillis, renewKeepAliveMillis))
        )
        if (Exit.isFailure(exit)) {
          yield* releaseQuietly(key, RENEW, owner)
          const failure = exit.cause
          // The lease was lost mid-call: read again (somebody else may have renewed).
          const lost = failure._tag === "Fail" && failure.error instanceof LeaseLost
          if (lost) continue
          return yield* Effect.failCause(failure as Cause.Cause<E>)
        }
        const renewed = exit.value as S
        const committed = yield* Effect.either(
          Effect.flatMap(encode(renewed), (payload) =>
            backend.commit(key, RENEW, owner, expected, payload, startedFrom + 1))
        )
        if (Either.isLeft(committed)) {
          // The provider answered; the backend did not take it. The session is good: keep it here.
          yield* Effect.logWarning(
            `authfx: the renewed ${provider} session could not be shared (${committed.left.message})`
          ).pipe(
            Effect.annotateLogs({ ...annotations, "authfx.coordination.reason": committed.left.reason }),
            Effect.zipRight(Metric.increment(fallbackCounter)),
            Effect.zipRight(countError(committed.left))
          )
          yield* releaseQuietly(key, RENEW, owner)
          return { session: renewed, source: "local", generation: 0 } satisfies Coordination.Renewal<S>
        }
        if (committed.right.committed) {
          known = committed.right.generation
          if (broken) {
            yield* Effect.logInfo(`authfx: the unreadable shared ${provider} session record was replaced`).pipe(
              Effect.annotateLogs(annotations),
              Effect.zipRight(Metric.increment(repairCounter))
            )
          }
          return { session: renewed, source: "renewed", generation: known } satisfies Coordination.Renewal<S>
        }
        // The fencing token moved: another holder committed first. Its record wins.
        const newer = committed.right.record
        if (newer !== undefined) {
          const decoded = yield* Effect.either(decode(newer))
          const at = yield* Clock.currentTimeMillis
          if (Either.isRight(decoded) && usable(decoded.right, at)) {
            known = newer.generation
            return yield* adopt(decoded.right, newer.generation)
          }
        }
        return { session: renewed, source: "local", generation: 0 } satisfies Coordination.Renewal<S>
      }
    }).pipe(
      Effect.tap((renewal) =>
        Effect.annotateCurrentSpan("authfx.coordination.source", renewal.source)
      ),
      Effect.withSpan(`${provider}.coordinate`, { attributes: annotations, captureStackTrace: false })
    )

  return { renew, generation: () => known }
}
