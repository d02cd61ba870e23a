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
import * as CoordinationRecord from "@authfx/protocol/CoordinationRecord"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { CoordinationError, LeaseLost } from "./internal/coordination/errors.js"
import * as Lease from "./internal/coordination/lease.js"
import * as Memory from "./internal/coordination/memory.js"
import { adoptions, errors, fallbacks, repairs, unreadableRecords } from "./internal/coordination/metrics.js"
import * as CoordinatedSession from "./internal/coordination/session.js"
import * as Settings from "./internal/coordination/settings.js"

/**
 * @since 0.1.0
 * @category errors
 */
export { CoordinationError, LeaseLost }

/**
 * A stored record: its generation (the fencing token) and its payload, the
 * session's schema encoding as JSON, sealed by the `Cipher` if there is one.
 *
 * @since 0.1.0
 * @category models
 */
export type StoredRecord = CoordinationRecord.StoredRecord

/**
 * The generation of a record the backend cannot read. `tryLease` never hands
 * it over for adoption, and `commit` with `expected` equal to it replaces the
 * record if it is still unreadable (or gone): the compare-and-set that
 * repairs it.
 *
 * @since 0.1.0
 * @category models
 */
export const unreadable: -1 = CoordinationRecord.unreadable

/**
 * The answer to `tryLease`: whether the lease is now held by the caller, the
 * record read in the same round trip, and how long the lease has left.
 *
 * @since 0.1.0
 * @category models
 */
export type LeaseAttempt = CoordinationRecord.LeaseAttempt

/**
 * The answer to `commit`.
 *
 * @since 0.1.0
 * @category models
 */
export type CommitResult = CoordinationRecord.CommitResult

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
export const key: (provider: string, account: string) => string = CoordinationRecord.key

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
  Effect.promise(() => CoordinationRecord.fingerprint(secret))

/**
 * @since 0.1.0
 * @category metrics
 */
export { adoptions, errors, fallbacks, repairs, unreadableRecords }

/**
 * Makes the coordination service on a backend.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (backend: Backend, options: Options = {}): Service => {
  const settings = Settings.settings(options)
  const leases = Lease.leases(backend, settings)
  return {
    backend: backend.name,
    session: CoordinatedSession.session(backend, leases, settings),
    ownership: Lease.ownership(backend, leases, settings)
  }
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
export const memoryBackend: () => Backend = Memory.memoryBackend

/**
 * Coordination in memory: the engines of one process that are given this
 * layer share one session per credential.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (options?: Options): Layer.Layer<Coordination> =>
  Layer.sync(Coordination, () => make(memoryBackend(), options))
