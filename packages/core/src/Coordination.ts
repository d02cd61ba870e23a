/**
 * Coordination of logins and renewals across the replicas of an application:
 * one session per credential for the whole fleet instead of one per process.
 *
 * The protocol lives here; where the records live is a `Backend` — in memory
 * for the replicas of one process (`layerMemory`, also what the tests of this
 * package use) or on Redis (`@authfx/redis`). Core never depends on a Redis
 * client. Without a `Coordination` an engine works alone, as it always has.
 *
 * Per credential (a provider and an account) the backend holds a record — a
 * generation number and the encoded session — and a lease:
 *
 * - a renewal first takes the lease and reads the record in one round trip;
 * - a record newer than the generation this replica holds is adopted as it
 *   is: somebody else already renewed (or logged in after a rejection);
 * - otherwise the lease holder renews from the stored session (where a
 *   rotated refresh token lives), keeps the lease alive at a third of its
 *   length while the provider call runs (and aborts that call if it cannot),
 *   and commits only if the stored generation is still the one it started
 *   from — the generation is the fencing token — which publishes the new
 *   generation and releases the lease;
 * - everybody else waits for that publication or for the lease to lapse
 *   (whichever is first, never longer than the poll interval), then reads
 *   again: a holder that died leaves the lease to the next one;
 * - a backend that fails or is slow (every command is bounded) is logged
 *   with a warning, counted in `authfx_coordination_fallbacks_total`, and the
 *   renewal runs locally, single-flight within the process as without
 *   coordination: never a defect, never a hang.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

/**
 * A backend command failed or timed out. Never carries a record.
 *
 * @since 0.1.0
 * @category errors
 */
export class CoordinationError extends Schema.TaggedError<CoordinationError>("@authfx/core/CoordinationError")(
  "CoordinationError",
  {
    operation: Schema.String,
    reason: Schema.Literal("Timeout", "Unavailable", "Decode", "Crypto"),
    description: Schema.optional(Schema.String)
  }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `coordination ${this.operation}: ${this.reason}${this.description ? ` (${this.description})` : ""}`
  }
}

/**
 * A stored record: its generation (the fencing token) and its payload, the
 * session's schema encoding as JSON, sealed by the `Cipher` if there is one.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredRecord {
  readonly generation: number
  readonly payload: string
}

/**
 * The answer to `tryLease`: whether the lease is now held by the caller, the
 * record read in the same round trip, and how long the lease has left.
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaseAttempt {
  readonly held: boolean
  readonly record: StoredRecord | undefined
  /** The lease's remaining time in milliseconds (its full length when `held`). */
  readonly ttlMillis: number
}

/**
 * The answer to `commit`.
 *
 * @since 0.1.0
 * @category models
 */
export type CommitResult =
  | { readonly committed: true; readonly generation: number }
  | { readonly committed: false; readonly record: StoredRecord | undefined }

/**
 * The storage primitives of the protocol. Each call is one round trip and is
 * bounded by the backend; keys are the credential keys of `key`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Backend {
  /** A name for logs (`memory`, `redis`). */
  readonly name: string
  /**
   * Reads the record and takes `lock` of `key` for `owner` if nobody holds it
   * (for `leaseMillis`) — unless the record's generation is newer than
   * `known`, which is returned without taking the lock (it is adopted).
   */
  readonly tryLease: (
    key: string,
    lock: string,
    owner: string,
    leaseMillis: number,
    known?: number | undefined
  ) => Effect.Effect<LeaseAttempt, CoordinationError>
  /** Extends the lease if `owner` still holds it; false if it does not. */
  readonly extend: (
    key: string,
    lock: string,
    owner: string,
    leaseMillis: number
  ) => Effect.Effect<boolean, CoordinationError>
  /** Deletes the lease if `owner` still holds it. */
  readonly release: (key: string, lock: string, owner: string) => Effect.Effect<void, CoordinationError>
  /**
   * Stores `payload` as generation `max(expected + 1, atLeast)` if the stored
   * generation is still `expected` (0: no record), publishes the new
   * generation and releases `owner`'s lease; otherwise returns the stored
   * record. (`atLeast` keeps generations rising after the store lost its
   * records.)
   */
  readonly commit: (
    key: string,
    lock: string,
    owner: string,
    expected: number,
    payload: string,
    atLeast: number
  ) => Effect.Effect<CommitResult, CoordinationError>
  /** Returns when a generation newer than `after` is published for `key`, or after `millis`; never fails. */
  readonly awaitPublish: (key: string, after: number, millis: number) => Effect.Effect<void>
}

/**
 * Seals and opens records, for example AES-GCM with a key of the
 * application's (`@authfx/redis`'s `Encryption.aesGcm`): a record holds
 * tokens.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cipher {
  readonly seal: (plaintext: string) => Effect.Effect<string, CoordinationError>
  readonly open: (sealed: string) => Effect.Effect<string, CoordinationError>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The lease's length (default 10 s). The holder renews it every third of
   * its length while the provider call runs, and aborts the call if it cannot
   * (so a lease never lapses under a live holder); the length is how long a
   * dead holder blocks the others.
   */
  readonly lease?: Duration.DurationInput | undefined
  /** The longest a waiting replica goes without reading the record again (default 1 s). */
  readonly poll?: Duration.DurationInput | undefined
  /** The longest a renewal waits for another replica before renewing locally (default 60 s). */
  readonly maxWait?: Duration.DurationInput | undefined
  /** A stored session is adopted only if it is valid for at least this long (default 1 s). */
  readonly adoptMargin?: Duration.DurationInput | undefined
  readonly cipher?: Cipher | undefined
}

/**
 * What a credential's session needs to be shared.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionOptions<S> {
  readonly provider: string
  /** The credential's key: `key(provider, account)`. */
  readonly key: string
  readonly schema: Schema.Schema<S, any>
  /** When the session expires, in epoch milliseconds; `undefined` for never. */
  readonly expiresAt?: ((session: S) => number | undefined) | undefined
}

/**
 * How a renewal obtained its session: renewed here, adopted from another
 * replica, or renewed here without the backend (a fallback).
 *
 * @since 0.1.0
 * @category models
 */
export interface Renewal<S> {
  readonly session: S
  readonly source: "renewed" | "adopted" | "local"
  /** The generation in the backend; 0 when it is unknown (a fallback). */
  readonly generation: number
}

/**
 * One credential's handle, used by the session engine for each login and
 * renewal.
 *
 * @since 0.1.0
 * @category models
 */
export interface Coordinated<S> {
  /**
   * Obtains a new session: adopts a newer stored one, or takes the lease and
   * runs `run` from the stored session (or `basis` when there is none), or
   * runs it locally when the backend is unavailable.
   */
  readonly renew: <E, R>(
    request: {
      readonly basis: S | undefined
      readonly run: (basis: S | undefined) => Effect.Effect<S, E, R>
    }
  ) => Effect.Effect<Renewal<S>, E, R>
  /** The generation this replica holds (0: none yet). */
  readonly generation: () => number
}

/**
 * A fleet-wide single owner of a resource (nandbox's one WebSocket).
 *
 * @since 0.1.0
 * @category models
 */
export interface Ownership {
  /**
   * Waits until this replica holds the lease, then runs `use` while keeping
   * the lease alive; `use` is interrupted if the lease is lost (or cannot be
   * extended for most of its length), and the lease is released when it ends.
   * Returns `use`'s exit, or `LeaseLost` as a failure of type `"lost"`.
   */
  readonly hold: <A, E, R>(use: Effect.Effect<A, E, R>) => Effect.Effect<A, E | LeaseLost, R>
  /** Whether this replica holds the lease now. */
  readonly isOwner: Effect.Effect<boolean>
}

/**
 * The lease was lost while held.
 *
 * @since 0.1.0
 * @category errors
 */
export class LeaseLost extends Schema.TaggedError<LeaseLost>("@authfx/core/LeaseLost")("LeaseLost", {
  key: Schema.String
}) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `the lease of ${this.key} was lost`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly backend: string
  readonly session: <S>(options: SessionOptions<S>) => Coordinated<S>
  readonly ownership: (options: {
    readonly key: string
    readonly lease?: Duration.DurationInput | undefined
  }) => Ownership
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Coordination extends Context.Tag("@authfx/core/Coordination")<Coordination, Service>() {}

/**
 * The key of a credential: the provider and the account (an address, a
 * user's key in a keyed service, a fingerprint — never a secret).
 *
 * @since 0.1.0
 * @category constructors
 */
export const key = (provider: string, account: string): string => `${provider}/${account}`

/**
 * The handle of a credential for a provider's engine: from `service`, or
 * from the `Coordination` in the context when `service` is not given;
 * `undefined` (the engine works alone) when there is none or `service` is
 * `false`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const forSession = <S>(
  options: SessionOptions<S> & { readonly service?: Service | false | undefined }
): Effect.Effect<Coordinated<S> | undefined> => {
  if (options.service === false) return Effect.succeed(undefined)
  if (options.service !== undefined) return Effect.succeed(options.service.session(options))
  return Effect.map(
    Effect.serviceOption(Coordination),
    (service) => service._tag === "Some" ? service.value.session(options) : undefined
  )
}

/**
 * A short fingerprint of a credential (the first 16 hex digits of its
 * SHA-256), for a coordination key that tells accounts apart without holding
 * the secret. `undefined` if WebCrypto is unavailable.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fingerprint = (secret: string): Effect.Effect<string | undefined> =>
  Effect.tryPromise(() => globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret))).pipe(
    Effect.map((digest) =>
      [...new Uint8Array(digest).subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("")
    ),
    Effect.orElseSucceed(() => undefined)
  )

/**
 * Renewals run locally because the backend failed.
 *
 * @since 0.1.0
 * @category metrics
 */
export const fallbacks = Metric.counter("authfx_coordination_fallbacks_total", {
  description: "Renewals run without fleet coordination because the coordination backend failed",
  incremental: true
})

/**
 * Sessions adopted from another replica.
 *
 * @since 0.1.0
 * @category metrics
 */
export const adoptions = Metric.counter("authfx_coordination_adoptions_total", {
  description: "Sessions adopted from another replica instead of renewed",
  incremental: true
})

const RENEW = "lease"

const newOwner = (): string => globalThis.crypto.randomUUID()

/**
 * Makes the coordination service on a backend.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (backend: Backend, options: Options = {}): Service => {
  const leaseMillis = Math.max(30, Duration.toMillis(options.lease ?? Duration.seconds(10)))
  const pollMillis = Math.max(5, Duration.toMillis(options.poll ?? Duration.seconds(1)))
  const maxWaitMillis = Duration.toMillis(options.maxWait ?? Duration.seconds(60))
  const adoptMargin = Duration.toMillis(options.adoptMargin ?? Duration.seconds(1))
  const cipher = options.cipher

  /** Keeps `lock` alive every third of the lease; fails with `LeaseLost` once it cannot be sure it still holds it. */
  const keepAlive = (key: string, lock: string, owner: string, lease: number) =>
    Effect.gen(function*() {
      let confirmed = yield* Clock.currentTimeMillis
      while (true) {
        yield* Effect.sleep(Duration.millis(lease / 3))
        const result = yield* Effect.either(backend.extend(key, lock, owner, lease))
        const now = yield* Clock.currentTimeMillis
        if (Either.isRight(result)) {
          if (!result.right) return yield* new LeaseLost({ key })
          confirmed = now
        } else if (now - confirmed >= lease - lease / 3) {
          // Unconfirmed for two thirds of the lease: stop before it can lapse under us.
          return yield* new LeaseLost({ key })
        }
      }
    })

  const releaseQuietly = (key: string, lock: string, owner: string) => Effect.ignore(backend.release(key, lock, owner))

  const session = <S>(sessionOptions: SessionOptions<S>): Coordinated<S> => {
    const { key, provider } = sessionOptions
    const json = Schema.parseJson(sessionOptions.schema)
    const encodeJson = Schema.encode(json)
    const decodeJson = Schema.decode(json)
    const annotations = { "authfx.provider": provider, "authfx.coordination": backend.name }
    const fallbackCounter = Metric.tagged(fallbacks, "provider", provider)
    const adoptionCounter = Metric.tagged(adoptions, "provider", provider)
    let known = 0

    // A decode error prints the value it failed on: never attached, a record holds tokens.
    const encode = (value: S): Effect.Effect<string, CoordinationError> =>
      encodeJson(value).pipe(
        Effect.mapError(() => new CoordinationError({ operation: "encode", reason: "Decode" })),
        Effect.flatMap((plain) => cipher === undefined ? Effect.succeed(plain) : cipher.seal(plain))
      )
    const decode = (record: StoredRecord): Effect.Effect<S, CoordinationError> =>
      (cipher === undefined ? Effect.succeed(record.payload) : cipher.open(record.payload)).pipe(
        Effect.flatMap((plain) =>
          Effect.mapError(decodeJson(plain), () => new CoordinationError({ operation: "decode", reason: "Decode" }))
        )
      )

    const usable = (value: S, now: number) => {
      const expiry = sessionOptions.expiresAt?.(value)
      return expiry === undefined || !Number.isFinite(expiry) || expiry - now > adoptMargin
    }

    const fallback = <E, R>(
      error: CoordinationError,
      run: Effect.Effect<S, E, R>
    ): Effect.Effect<Renewal<S>, E, R> =>
      Effect.logWarning(
        `authfx: ${backend.name} coordination unavailable (${error.message}); renewing the ${provider} session locally`
      ).pipe(
        Effect.annotateLogs(annotations),
        Effect.zipRight(Metric.increment(fallbackCounter)),
        Effect.zipRight(run),
        Effect.map((value): Renewal<S> => ({ session: value, source: "local", generation: 0 }))
      )

    const adopt = (value: S, generation: number) =>
      Effect.as(Metric.increment(adoptionCounter), { session: value, source: "adopted" as const, generation })

    const renew = <E, R>(request: {
      readonly basis: S | undefined
      readonly run: (basis: S | undefined) => Effect.Effect<S, E, R>
    }): Effect.Effect<Renewal<S>, E, R> =>
      Effect.gen(function*() {
        const start = yield* Clock.currentTimeMillis
        const owner = newOwner()
        const startedFrom = known
        // Records up to this generation are not adopted by the backend in place of the lease: a newer one that
        // cannot be used (expired, unreadable) raises it, and the next attempt takes the lease to replace it.
        let takeOver = startedFrom
        while (true) {
          const attempt = yield* Effect.either(backend.tryLease(key, RENEW, owner, leaseMillis, takeOver))
          if (Either.isLeft(attempt)) return yield* fallback(attempt.left, request.run(request.basis))
          const { held, record, ttlMillis } = attempt.right
          let stored: S | undefined
          if (record !== undefined) {
            const decoded = yield* Effect.either(decode(record))
            if (Either.isRight(decoded)) stored = decoded.right
            else {
              yield* Effect.logWarning(`authfx: the shared ${provider} session could not be read; replacing it`).pipe(
                Effect.annotateLogs(annotations)
              )
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
            if (now - start >= maxWaitMillis) {
              return yield* fallback(
                new CoordinationError({
                  operation: "wait",
                  reason: "Timeout",
                  description: "the lease holder is slow"
                }),
                request.run(request.basis)
              )
            }
            // The publication, or the lease's lapse, or the poll interval, whichever comes first.
            const wait = Math.max(1, Math.min(ttlMillis + 5, pollMillis, maxWaitMillis - (now - start)))
            yield* backend.awaitPublish(key, Math.max(startedFrom, record?.generation ?? 0), wait)
            continue
          }
          // Holding the lease: renew from the stored session, which carries the latest (rotated) refresh token.
          const expected = record?.generation ?? 0
          const basis = stored !== undefined && expected >= startedFrom ? stored : request.basis
          const exit = yield* Effect.exit(
            Effect.raceFirst(request.run(basis), keepAlive(key, RENEW, owner, leaseMillis))
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
            ).pipe(Effect.annotateLogs(annotations), Effect.zipRight(Metric.increment(fallbackCounter)))
            yield* releaseQuietly(key, RENEW, owner)
            return { session: renewed, source: "local", generation: 0 } satisfies Renewal<S>
          }
          if (committed.right.committed) {
            known = committed.right.generation
            return { session: renewed, source: "renewed", generation: known } satisfies Renewal<S>
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
          return { session: renewed, source: "local", generation: 0 } satisfies Renewal<S>
        }
      }).pipe(
        Effect.tap((renewal) =>
          Effect.annotateCurrentSpan("authfx.coordination.source", renewal.source)
        ),
        Effect.withSpan(`${provider}.coordinate`, { attributes: annotations, captureStackTrace: false })
      )

    return { renew, generation: () => known }
  }

  const ownership = (ownershipOptions: {
    readonly key: string
    readonly lease?: Duration.DurationInput | undefined
  }): Ownership => {
    const { key } = ownershipOptions
    const lease = Math.max(30, Duration.toMillis(ownershipOptions.lease ?? Duration.millis(leaseMillis)))
    const owner = newOwner()
    let owning = false
    const hold = <A, E, R>(use: Effect.Effect<A, E, R>): Effect.Effect<A, E | LeaseLost, R> =>
      Effect.gen(function*() {
        // Standby: try every third of the lease (or sooner on a release), never giving up.
        let warned = false
        while (true) {
          const attempt = yield* Effect.either(backend.tryLease(key, "owner", owner, lease))
          if (Either.isRight(attempt) && attempt.right.held) break
          if (Either.isLeft(attempt) && !warned) {
            warned = true
            yield* Effect.logWarning(
              `authfx: ${backend.name} coordination unavailable (${attempt.left.message}); ${key} stays in standby`
            )
          }
          const wait = Either.isRight(attempt) ? Math.min(attempt.right.ttlMillis + 5, lease / 3) : lease / 3
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

  return { backend: backend.name, session, ownership }
}

/**
 * Provides `Coordination` on a backend built by `backend`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E, R>(
  backend: Effect.Effect<Backend, E, R>,
  options?: Options
): Layer.Layer<Coordination, E, Exclude<R, Scope.Scope>> =>
  Layer.scoped(Coordination, Effect.map(backend, (b) => make(b, options)))

/**
 * An in-memory backend: the replicas of one process (workers, several engines
 * of one credential) share what it holds. Leases lapse on `Clock`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const memoryBackend = (): Backend => {
  const records = new Map<string, StoredRecord>()
  const locks = new Map<string, { owner: string; until: number }>()
  const waiters = new Map<string, Set<Deferred.Deferred<void>>>()
  const lockOf = (key: string, lock: string, now: number) => {
    const held = locks.get(`${key}\u0000${lock}`)
    return held !== undefined && held.until > now ? held : undefined
  }
  const wake = (key: string) => {
    const set = waiters.get(key)
    if (set === undefined) return
    waiters.delete(key)
    for (const deferred of set) Deferred.unsafeDone(deferred, Exit.void)
  }
  return {
    name: "memory",
    tryLease: (key, lock, owner, leaseMillis, known) =>
      Clock.clockWith((clock) =>
        Effect.sync((): LeaseAttempt => {
          const now = clock.unsafeCurrentTimeMillis()
          const record = records.get(key)
          if (known !== undefined && record !== undefined && record.generation > known) {
            return { held: false, record, ttlMillis: 0 }
          }
          const current = lockOf(key, lock, now)
          if (current === undefined) locks.set(`${key}\u0000${lock}`, { owner, until: now + leaseMillis })
          return {
            held: current === undefined || current.owner === owner,
            record: records.get(key),
            ttlMillis: current === undefined ? leaseMillis : current.until - now
          }
        })
      ),
    extend: (key, lock, owner, leaseMillis) =>
      Clock.clockWith((clock) =>
        Effect.sync(() => {
          const now = clock.unsafeCurrentTimeMillis()
          const current = lockOf(key, lock, now)
          if (current?.owner !== owner) return false
          current.until = now + leaseMillis
          return true
        })
      ),
    release: (key, lock, owner) =>
      Effect.sync(() => {
        if (locks.get(`${key}\u0000${lock}`)?.owner === owner) locks.delete(`${key}\u0000${lock}`)
      }),
    commit: (key, lock, owner, expected, payload, atLeast) =>
      Effect.sync((): CommitResult => {
        const current = records.get(key)
        if ((current?.generation ?? 0) !== expected) return { committed: false, record: current }
        const generation = Math.max(expected + 1, atLeast)
        records.set(key, { generation, payload })
        if (locks.get(`${key}\u0000${lock}`)?.owner === owner) locks.delete(`${key}\u0000${lock}`)
        wake(key)
        return { committed: true, generation }
      }),
    awaitPublish: (key, after, millis) =>
      Effect.suspend(() => {
        if ((records.get(key)?.generation ?? 0) > after) return Effect.void
        const deferred = Deferred.unsafeMake<void>(FiberId.none)
        let set = waiters.get(key)
        if (set === undefined) waiters.set(key, set = new Set())
        set.add(deferred)
        return Deferred.await(deferred).pipe(
          Effect.timeout(Duration.millis(millis)),
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => waiters.get(key)?.delete(deferred)))
        )
      })
  }
}

/**
 * Coordination in memory: the engines of one process that are given this
 * layer share one session per credential.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (options?: Options): Layer.Layer<Coordination> =>
  Layer.sync(Coordination, () => make(memoryBackend(), options))
