/**
 * The shared session record of fleet coordination (`Coordination` in
 * `@authfx/core`, both lines): its key, its envelope `{ v: 2, key, account,
 * session }`, the additional data a cipher binds into it, the fingerprint of
 * a credential, and the in-memory table of records and leases behind
 * `Coordination.memoryBackend`. The session's own encoding is the line's
 * Schema; everything here is plain data, so both lines read each other's
 * records.
 *
 * @since 0.1.0
 */

/**
 * The version of the record envelope: records of earlier versions are
 * unreadable, and replaced.
 *
 * @since 0.1.0
 * @category constants
 */
export const format = 2

/**
 * The generation of a record the backend cannot read.
 *
 * @since 0.1.0
 * @category constants
 */
export const unreadable = -1

/**
 * The key of a credential: the provider and the account (an address, a
 * user's key in a keyed service, a fingerprint — never a secret).
 *
 * @since 0.1.0
 * @category constructors
 */
export const key = (provider: string, account: string): string => `${provider}/${account}`

/**
 * What a cipher binds a record to: its format, key and account.
 *
 * @since 0.1.0
 * @category constructors
 */
export const associatedData = (key: string, account: string): string => `authfx/${format}\u0000${key}\u0000${account}`

/**
 * The envelope of a record, as JSON holds it (the session in its schema's
 * encoding).
 *
 * @since 0.1.0
 * @category models
 */
export interface Envelope<I> {
  readonly v: typeof format
  readonly key: string
  readonly account: string
  readonly session: I
}

/**
 * Why a record is not used: the backend's `problem`, or what reading it
 * found (`garbage`: not a record of this format; `account`: another account's
 * or key's; `sealed`: a seal that does not open).
 *
 * @since 0.1.0
 * @category models
 */
export type Unreadable = "garbage" | "account" | "sealed" | "backend"

/**
 * The words a log line gives to an unreadable record (never its content).
 *
 * @since 0.1.0
 * @category constructors
 */
export const describeUnreadable = (reason: Unreadable, problem: string | undefined): string =>
  reason === "account"
    ? "it belongs to another account or key"
    : reason === "sealed"
    ? "it does not open with this key, for this account and key"
    : reason === "backend"
    ? problem ?? "the backend cannot read it"
    : "it is not a record of this format"

/**
 * A short fingerprint of a credential (the first 16 hex digits of its
 * SHA-256), for a coordination key that tells accounts apart without holding
 * the secret. `undefined` if WebCrypto is unavailable or fails.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fingerprint = async (secret: string): Promise<string | undefined> => {
  try {
    const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret))
    return [...new Uint8Array(digest).subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("")
  } catch {
    return undefined
  }
}

/**
 * A stored record: its generation (the fencing token) and its payload, the
 * session's schema encoding as JSON, sealed by the cipher if there is one.
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
 * The answer to a lease attempt: whether the lease is now held by the caller,
 * the record read in the same round trip, and how long the lease has left.
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
 * The answer to a commit.
 *
 * @since 0.1.0
 * @category models
 */
export type CommitResult =
  | { readonly committed: true; readonly generation: number }
  | { readonly committed: false; readonly record: StoredRecord | undefined }

/**
 * The records and leases of an in-memory backend, at times given by the
 * caller (its clock): the same rules as the Redis scripts. `onPublish` hears
 * each committed key.
 *
 * @since 0.1.0
 * @category models
 */
export class MemoryTable {
  private readonly records = new Map<string, StoredRecord>()
  private readonly locks = new Map<string, { owner: string; until: number }>()

  /**
   * @since 0.1.0
   */
  constructor(private readonly onPublish: (key: string) => void = () => {}) {}

  private lockOf(key: string, lock: string, now: number) {
    const held = this.locks.get(`${key}\u0000${lock}`)
    return held !== undefined && held.until > now ? held : undefined
  }

  /**
   * The record as the protocol sees it: one whose generation is not a count is unreadable.
   *
   * @since 0.1.0
   */
  record(key: string): StoredRecord | undefined {
    const record = this.records.get(key)
    if (record === undefined || (Number.isSafeInteger(record.generation) && record.generation >= 0)) return record
    return { generation: unreadable, payload: "", problem: "its generation is not a number" }
  }

  /**
   * Stores a record as it is (a test's way to plant one).
   *
   * @since 0.1.0
   */
  put(key: string, record: StoredRecord): void {
    this.records.set(key, record)
  }

  /**
   * @since 0.1.0
   */
  tryLease(
    now: number,
    key: string,
    lock: string,
    owner: string,
    leaseMillis: number,
    known?: number | undefined
  ): LeaseAttempt {
    const record = this.record(key)
    if (known !== undefined && record !== undefined && record.generation > known) {
      return { held: false, record, ttlMillis: 0 }
    }
    const current = this.lockOf(key, lock, now)
    if (current === undefined) this.locks.set(`${key}\u0000${lock}`, { owner, until: now + leaseMillis })
    return {
      held: current === undefined || current.owner === owner,
      record,
      ttlMillis: current === undefined ? leaseMillis : current.until - now
    }
  }

  /**
   * @since 0.1.0
   */
  extend(now: number, key: string, lock: string, owner: string, leaseMillis: number): boolean {
    const current = this.lockOf(key, lock, now)
    if (current?.owner !== owner) return false
    current.until = now + leaseMillis
    return true
  }

  /**
   * @since 0.1.0
   */
  release(key: string, lock: string, owner: string): void {
    if (this.locks.get(`${key}\u0000${lock}`)?.owner === owner) this.locks.delete(`${key}\u0000${lock}`)
  }

  /**
   * @since 0.1.0
   */
  commit(key: string, lock: string, owner: string, expected: number, payload: string, atLeast: number): CommitResult {
    const current = this.record(key)
    const replaceable = expected === unreadable
      ? current === undefined || current.generation === unreadable
      : (current?.generation ?? 0) === expected
    if (!replaceable) return { committed: false, record: current }
    const generation = Math.max(Math.max(expected, 0) + 1, atLeast)
    this.records.set(key, { generation, payload })
    this.release(key, lock, owner)
    this.onPublish(key)
    return { committed: true, generation }
  }
}
