/**
 * What the session engine did, as a stream of events: acquisitions, refreshes,
 * rejections, invalidations and failures, each with the time it happened and
 * the session generation. Events never carry a session or a secret.
 *
 * @since 1.0.0
 */
import * as Data from "effect/Data"

/**
 * Why the engine holds logins back for a while (a `Floor` event):
 *
 * - `rejected`: a freshly obtained session was rejected too (the server
 *   accepts logins but refuses every call); ends on the first accepted call;
 * - `failing`: logins keep failing (or the server asked to wait with
 *   `Retry-After`);
 * - `unusable`: sessions keep arriving already expired.
 *
 * @since 1.0.0
 * @category models
 */
export type FloorReason = "rejected" | "failing" | "unusable"

/**
 * @since 1.0.0
 * @category models
 */
export type AuthEvent = Data.TaggedEnum<{
  /** A new session was obtained by a full login, or restored from a store. */
  Acquired: {
    readonly provider: string
    /** The account the engine acts for, in a keyed (many accounts) form. */
    readonly account?: string | undefined
    readonly generation: number
    readonly at: number
    readonly expiresAt: number | undefined
    readonly source: "login" | "store"
  }
  /** A new session was obtained from the previous one (a refresh token, a re-scrape). */
  Refreshed: {
    readonly provider: string
    /** The account the engine acts for, in a keyed (many accounts) form. */
    readonly account?: string | undefined
    readonly generation: number
    readonly at: number
    readonly expiresAt: number | undefined
  }
  /** The provider rejected a session (`invalidate` was called with it). */
  Rejected: {
    readonly provider: string
    /** The account the engine acts for, in a keyed (many accounts) form. */
    readonly account?: string | undefined
    readonly generation: number
    readonly at: number
    /** Whether it was still the current session (and so was dropped). */
    readonly current: boolean
  }
  /** The current session was dropped and will be replaced on next use. */
  Invalidated: {
    readonly provider: string
    /** The account the engine acts for, in a keyed (many accounts) form. */
    readonly account?: string | undefined
    readonly generation: number
    readonly at: number
  }
  /** An acquisition or refresh failed. `error` is the error's tag and message. */
  Failed: {
    readonly provider: string
    /** The account the engine acts for, in a keyed (many accounts) form. */
    readonly account?: string | undefined
    readonly at: number
    readonly operation: "acquire" | "refresh"
    readonly attempt: number
    readonly error: string
  }
  /**
   * A floor started: no login or renewal starts before `until` (epoch
   * milliseconds, engine clock); callers meanwhile fail at once with the
   * typed error that caused it (`CredentialsRejected` reason
   * `RejectedAfterReauth` for `rejected`, the last login failure for
   * `failing`, `ProtocolError` reason `UnusableSession` for `unusable`). Each
   * further floor of a streak is twice as long, up to a minute. `generation`
   * is the generation of the session that caused it (or the latest).
   */
  Floor: {
    readonly provider: string
    /** The account the engine acts for, in a keyed (many accounts) form. */
    readonly account?: string | undefined
    readonly generation: number
    readonly at: number
    readonly until: number
    readonly reason: FloorReason
  }
}>

/**
 * @since 1.0.0
 * @category constructors
 */
export const {
  $is: is,
  $match: match,
  Acquired,
  Failed,
  Floor,
  Invalidated,
  Refreshed,
  Rejected
} = Data.taggedEnum<AuthEvent>()
