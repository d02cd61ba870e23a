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
 *   with a warning, counted in `authfx_coordination_fallbacks_total` and
 *   `authfx_coordination_errors_total{reason}`, and the renewal runs locally,
 *   single-flight within the process as without coordination: never a defect,
 *   never a hang;
 * - a lease command the client gave up on may still run when a stalled
 *   backend resumes: the client then releases that lease (compare-and-delete
 *   on its owner token) until the backend answers or the lease has lapsed,
 *   and a replica whose own session has expired waits for a lease that nobody
 *   keeps alive at most `expiredWait` (default 2 s, never more than the
 *   lease) before renewing on its own.
 *
 * A record belongs to one account. It holds the key it was written under, the
 * identity of its account (`SessionOptions.account`: a wallet address, a
 * fingerprint of the credential — never the secret) and the session; a
 * `Cipher` also binds the key and the account into the ciphertext (AES-GCM
 * additional data), so a record copied under another key or account does not
 * open. A record that cannot be used — garbage, another shape, a generation
 * that is not a number, a key of another type, another account's — is never
 * served: it is logged, counted in `authfx_coordination_unreadable_total`, and
 * replaced by the next commit (a compare-and-set that takes the unreadable
 * record as replaceable; `authfx_coordination_repairs_total`).
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
    /**
     * `Authentication`: the backend refused the credentials it was given (a
     * wrong password, an ACL user without the permissions it needs) — not an
     * outage, a configuration to fix.
     */
    reason: Schema.Literal("Timeout", "Unavailable", "Authentication", "Decode", "Crypto"),
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
  /**
   * Why the backend could not read the record (a key of another type, a
   * generation that is not a number); its `generation` is then `unreadable`.
   */
  readonly problem?: string | undefined
}

/**
 * The generation of a record the backend cannot read. `tryLease` never hands
 * it over for adoption, and `commit` with `expected` equal to it replaces the
 * record if it is still unreadable (or gone): the compare-and-set that
 * repairs it.
 *
 * @since 0.1.0
 * @category models
 */
export const unreadable = -1

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
   * generation is still `expected` (0: no record; `unreadable`: a record the
   * backend cannot read, or none), publishes the new generation and releases
   * `owner`'s lease; otherwise returns the stored record. (`atLeast` keeps
   * generations rising after the store lost its records.)
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
 * tokens. `associatedData` names the record's key and account: a cipher binds
 * it into the ciphertext (AES-GCM additional data), so that `open` fails for
 * a record sealed under another key or for another account.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cipher {
  readonly seal: (plaintext: string, associatedData: string) => Effect.Effect<string, CoordinationError>
  readonly open: (sealed: string, associatedData: string) => Effect.Effect<string, CoordinationError>
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
  /**
   * The longest a replica whose session has expired (or that has none) waits
   * for a lease that its holder is not seen keeping alive — a holder that
   * died, or a lease taken by a command the client gave up on — before
   * renewing on its own (default 2 s, never more than the lease). A holder
   * renewing keeps its lease alive every `expiredWait / 4` at most, so that a
   * live one is told from a dead one within this bound.
   */
  readonly expiredWait?: Duration.DurationInput | undefined
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
  /**
   * The identity of the account the sessions belong to (Nabi: the wallet
   * address; others: `fingerprint` of the credential — never the secret).
   * Written into every record, bound into sealed ones, and checked on every
   * read: a record of another account is never used. Defaults to `key`.
   */
  readonly account?: string | undefined
  /** Whether a session read from the backend belongs to this account (Nabi: its address), on top of `account`. */
  readonly belongsTo?: ((session: S) => boolean) | undefined
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

/**
 * Backend commands that failed, by reason (`Timeout`, `Unavailable`,
 * `Authentication`, …): a wrong password shows as what it is.
 *
 * @since 0.1.0
 * @category metrics
 */
export const errors = Metric.counter("authfx_coordination_errors_total", {
  description: "Coordination backend commands that failed, by reason",
  incremental: true
})

/**
 * Shared records that could not be used (garbage, another shape, a generation
 * that is not a number, a key of another type, another account's record, a
 * seal that does not open), by reason; each is replaced by the next commit.
 *
 * @since 0.1.0
 * @category metrics
 */
export const unreadableRecords = Metric.counter("authfx_coordination_unreadable_total", {
  description: "Shared session records that could not be used and are replaced, by reason",
  incremental: true
})

/**
 * Unreadable shared records replaced by a commit.
 *
 * @since 0.1.0
 * @category metrics
 */
export const repairs = Metric.counter("authfx_coordination_repairs_total", {
  description: "Unreadable shared session records replaced by a renewal's commit",
  incremental: true
})

const RENEW = "lease"

const newOwner = (): string => globalThis.crypto.randomUUID()

/** The version of the record envelope: records of earlier versions are unreadable, and replaced. */
const FORMAT = 2

/** What a cipher binds a record to: its format, key and account. */
const associatedData = (key: string, account: string) => `authfx/${FORMAT}\u0000${key}\u0000${account}`

/** Why a record is not used: the backend's `problem`, or what reading it found. */
type Unreadable = "garbage" | "account" | "sealed" | "backend"

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
  const expiredWaitMillis = Math.max(
    10,
    Math.min(leaseMillis, Duration.toMillis(options.expiredWait ?? Duration.seconds(2)))
  )
  // Often enough that a waiter sees a live holder's lease move within `expiredWait`.
  const renewKeepAliveMillis = Math.min(leaseMillis / 3, expiredWaitMillis / 4)
  const adoptMargin = Duration.toMillis(options.adoptMargin ?? Duration.seconds(1))
  const cipher = options.cipher

  /** Keeps `lock` alive every `period`; fails with `LeaseLost` once it cannot be sure it still holds it. */
  const keepAlive = (key: string, lock: string, owner: string, lease: number, period = lease / 3) =>
    Effect.gen(function*() {
      let confirmed = yield* Clock.currentTimeMillis
      while (true) {
        yield* Effect.sleep(Duration.millis(period))
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

  /**
   * A lease command the client gave up on may still run when a stalled backend resumes, leaving a lease whose owner
   * is gone. Released (compare-and-delete on the owner token: a later holder's lease is never touched) until the
   * backend answers, for at most the lease's length, after which it has lapsed anyway. On one connection the
   * release runs after the command it follows.
   */
  const releaseOrphan = (key: string, lock: string, owner: string) =>
    Effect.forkDaemon(Effect.gen(function*() {
      const until = (yield* Clock.currentTimeMillis) + leaseMillis
      while (true) {
        const released = yield* Effect.either(backend.release(key, lock, owner))
        if (Either.isRight(released) || (yield* Clock.currentTimeMillis) >= until) return
        yield* Effect.sleep(Duration.millis(Math.max(10, leaseMillis / 8)))
      }
    }))

  const session = <S>(sessionOptions: SessionOptions<S>): Coordinated<S> => {
    const { key, provider } = sessionOptions
    const account = sessionOptions.account ?? key
    const aad = associatedData(key, account)
    const envelope = Schema.parseJson(Schema.Struct({
      v: Schema.Literal(FORMAT),
      key: Schema.String,
      account: Schema.String,
      session: sessionOptions.schema
    }))
    const encodeJson = Schema.encode(envelope)
    const decodeJson = Schema.decode(envelope)
    const annotations = { "authfx.provider": provider, "authfx.coordination": backend.name }
    const fallbackCounter = Metric.tagged(fallbacks, "provider", provider)
    const adoptionCounter = Metric.tagged(adoptions, "provider", provider)
    const repairCounter = Metric.tagged(repairs, "provider", provider)
    let known = 0

    // A decode error prints the value it failed on: never attached, a record holds tokens.
    const encode = (value: S): Effect.Effect<string, CoordinationError> =>
      encodeJson({ v: FORMAT, key, account, session: value }).pipe(
        Effect.mapError(() => new CoordinationError({ operation: "encode", reason: "Decode" })),
        Effect.flatMap((plain) => cipher === undefined ? Effect.succeed(plain) : cipher.seal(plain, aad))
      )
    const decode = (record: StoredRecord): Effect.Effect<S, Unreadable> => {
      if (record.problem !== undefined || record.generation === unreadable) return Effect.fail("backend")
      return (cipher === undefined ? Effect.succeed(record.payload) : cipher.open(record.payload, aad)).pipe(
        Effect.mapError((): Unreadable => "sealed"),
        Effect.flatMap((plain) => Effect.mapError(decodeJson(plain), (): Unreadable => "garbage")),
        Effect.flatMap((read) =>
          read.key === key && read.account === account &&
            (sessionOptions.belongsTo === undefined || sessionOptions.belongsTo(read.session))
            ? Effect.succeed(read.session)
            : Effect.fail<Unreadable>("account")
        )
      )
    }

    /** Logs and counts a record that cannot be used; never its content. */
    const reportUnreadable = (reason: Unreadable, record: StoredRecord) =>
      Effect.logWarning(
        `authfx: the shared ${provider} session record cannot be used (${
          reason === "account"
            ? "it belongs to another account or key"
            : reason === "sealed"
            ? "it does not open with this key, for this account and key"
            : reason === "backend"
            ? record.problem ?? "the backend cannot read it"
            : "it is not a record of this format"
        }); it is replaced by the next renewal`
      ).pipe(
        Effect.annotateLogs(annotations),
        Effect.zipRight(
          Metric.increment(Metric.tagged(Metric.tagged(unreadableRecords, "provider", provider), "reason", reason))
        )
      )

    const usable = (value: S, now: number) => {
      const expiry = sessionOptions.expiresAt?.(value)
      return expiry === undefined || !Number.isFinite(expiry) || expiry - now > adoptMargin
    }

    const countError = (error: CoordinationError) =>
      Metric.increment(Metric.tagged(Metric.tagged(errors, "provider", provider), "reason", error.reason))

    const fallback = <E, R>(
      error: CoordinationError,
      run: Effect.Effect<S, E, R>
    ): Effect.Effect<Renewal<S>, E, R> =>
      Effect.logWarning(
        error.reason === "Authentication"
          ? `authfx: ${backend.name} coordination refused the credentials (${error.message}); renewing the ${provider} session locally`
          : `authfx: ${backend.name} coordination unavailable (${error.message}); renewing the ${provider} session locally`
      ).pipe(
        Effect.annotateLogs({ ...annotations, "authfx.coordination.reason": error.reason }),
        Effect.zipRight(Metric.increment(fallbackCounter)),
        Effect.zipRight(error.operation === "wait" ? Effect.void : countError(error)),
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
            return { session: renewed, source: "local", generation: 0 } satisfies Renewal<S>
          }
          if (committed.right.committed) {
            known = committed.right.generation
            if (broken) {
              yield* Effect.logInfo(`authfx: the unreadable shared ${provider} session record was replaced`).pipe(
                Effect.annotateLogs(annotations),
                Effect.zipRight(Metric.increment(repairCounter))
              )
            }
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
  /** The record as the protocol sees it: one whose generation is not a count is unreadable. */
  const recordOf = (key: string): StoredRecord | undefined => {
    const record = records.get(key)
    if (record === undefined || (Number.isSafeInteger(record.generation) && record.generation >= 0)) return record
    return { generation: unreadable, payload: "", problem: "its generation is not a number" }
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
          const record = recordOf(key)
          if (known !== undefined && record !== undefined && record.generation > known) {
            return { held: false, record, ttlMillis: 0 }
          }
          const current = lockOf(key, lock, now)
          if (current === undefined) locks.set(`${key}\u0000${lock}`, { owner, until: now + leaseMillis })
          return {
            held: current === undefined || current.owner === owner,
            record,
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
        const current = recordOf(key)
        const replaceable = expected === unreadable
          ? current === undefined || current.generation === unreadable
          : (current?.generation ?? 0) === expected
        if (!replaceable) return { committed: false, record: current }
        const generation = Math.max(Math.max(expected, 0) + 1, atLeast)
        records.set(key, { generation, payload })
        if (locks.get(`${key}\u0000${lock}`)?.owner === owner) locks.delete(`${key}\u0000${lock}`)
        wake(key)
        return { committed: true, generation }
      }),
    awaitPublish: (key, after, millis) =>
      Effect.suspend(() => {
        if ((recordOf(key)?.generation ?? 0) > after) return Effect.void
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
