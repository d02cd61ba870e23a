/** Leases: kept alive while held, released quietly, released again after a command the client gave up on; ownership. */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type * as Coordination from "../../Coordination.js"
import { LeaseLost } from "./errors.js"
import { newOwner, type Settings } from "./settings.js"

export interface Leases {
  /** Keeps `lock` alive every `period`; fails with `LeaseLost` once it cannot be sure it still holds it. */
  readonly keepAlive: (
    key: string,
    lock: string,
    owner: string,
    lease: number,
    period?: number
  ) => Effect.Effect<never, Coordination.LeaseLost>
  readonly releaseQuietly: (key: string, lock: string, owner: string) => Effect.Effect<void>
  /**
   * A lease command the client gave up on may still run when a stalled backend resumes, leaving a lease whose owner
   * is gone. Released (compare-and-delete on the owner token: a later holder's lease is never touched) until the
   * backend answers, for at most the lease's length, after which it has lapsed anyway. On one connection the
   * release runs after the command it follows.
   */
  readonly releaseOrphan: (key: string, lock: string, owner: string) => Effect.Effect<void>
}

export const leases = (backend: Coordination.Backend, { leaseMillis }: Settings): Leases => {
  const keepAlive = (
    key: string,
    lock: string,
    owner: string,
    lease: number,
    period = lease / 3
  ): Effect.Effect<never, Coordination.LeaseLost> =>
    Effect.gen(function*() {
      let confirmed = yield* Clock.currentTimeMillis
      while (true) {
        yield* Effect.sleep(Duration.millis(period))
        const result = yield* Effect.result(backend.extend(key, lock, owner, lease))
        const now = yield* Clock.currentTimeMillis
        if (Result.isSuccess(result)) {
          if (!result.success) return yield* new LeaseLost({ key })
          confirmed = now
        } else if (now - confirmed >= lease - lease / 3) {
          // Unconfirmed for two thirds of the lease: stop before it can lapse under us.
          return yield* new LeaseLost({ key })
        }
      }
    })

  const releaseQuietly = (key: string, lock: string, owner: string) => Effect.ignore(backend.release(key, lock, owner))

  /**
   * A lease command the client gave up on may still run when a stalled backend resumes, leaving a lease whose owner
   * is gone. Released (compare-and-delete on the owner token: a later holder's lease is never touched) until the
   * backend answers, for at most the lease's length, after which it has lapsed anyway. On one connection the
   * release runs after the command it follows.
   */
  const releaseOrphan = (key: string, lock: string, owner: string) =>
    Effect.forkDetach(Effect.gen(function*() {
      const until = (yield* Clock.currentTimeMillis) + leaseMillis
      while (true) {
        const released = yield* Effect.result(backend.release(key, lock, owner))
        if (Result.isSuccess(released) || (yield* Clock.currentTimeMillis) >= until) return
        yield* Effect.sleep(Duration.millis(Math.max(10, leaseMillis / 8)))
      }
    }))
  return {
    keepAlive,
    releaseQuietly,
    releaseOrphan: (key, lock, owner) => Effect.asVoid(releaseOrphan(key, lock, owner))
  }
}

export const ownership = (
  backend: Coordination.Backend,
  { keepAlive, releaseQuietly }: Leases,
  { leaseMillis }: Settings
) =>
(ownershipOptions: {
  readonly key: string
  readonly lease?: Duration.Input | undefined
}): Coordination.Ownership => {
  const { key } = ownershipOptions
  const lease = Math.max(30, Duration.toMillis(ownershipOptions.lease ?? Duration.millis(leaseMillis)))
  const owner = newOwner()
  let owning = false
  const hold = <A, E, R>(use: Effect.Effect<A, E, R>): Effect.Effect<A, E | Coordination.LeaseLost, R> =>
    Effect.gen(function*() {
      // Standby: try every third of the lease (or sooner on a release), never giving up.
      let warned = false
      while (true) {
        const attempt = yield* Effect.result(backend.tryLease(key, "owner", owner, lease))
        if (Result.isSuccess(attempt) && attempt.success.held) break
        if (Result.isFailure(attempt) && !warned) {
          warned = true
          yield* Effect.logWarning(
            `authfx: ${backend.name} coordination unavailable (${attempt.failure.message}); ${key} stays in standby`
          )
        }
        const wait = Result.isSuccess(attempt) ? Math.min(attempt.success.ttlMillis + 5, lease / 3) : lease / 3
        yield* Effect.sleep(Duration.millis(Math.max(1, wait)))
      }
      owning = true
      return yield* Effect.raceFirst(use, keepAlive(key, "owner", owner, lease)).pipe(
        Effect.ensuring(Effect.suspend(() => {
          owning = false
          return releaseQuietly(key, "owner", owner)
        }))
      )
    })
  return { hold, isOwner: Effect.sync(() => owning) }
}
