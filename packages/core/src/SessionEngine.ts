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
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import type { Authenticated } from "./Authenticated.js"
import * as AuthMetrics from "./AuthMetrics.js"
import type * as Coordination from "./Coordination.js"
import { CurrentAccount } from "./CurrentAccount.js"
import { clockOf } from "./internal/engine/base.js"
import { Engine } from "./internal/engine/engine.js"
import * as Flights from "./internal/engine/flights.js"
import { isLive } from "./internal/liveClock.js"
import { keptRefs } from "./internal/sharedRefs.js"
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
   * The identity of the account (Nabi: its address; others: a fingerprint of
   * the credential, never the secret), saved with every session and compared
   * at load, as is the key (default: the key alone). A stored session of
   * another account or key is discarded with a warning and a normal login
   * happens.
   */
  readonly account?: string | undefined
  /**
   * Whether a stored session belongs to the configured account, read from the
   * session itself (Nabi: its address), on top of `account`. A stored session
   * that does not is discarded with a warning and a normal login happens.
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
  /**
   * While freshly obtained sessions keep being rejected (a server that accepts
   * every login but refuses every call), no new login starts sooner than this
   * after the last rejection, doubling each time up to a minute (default
   * 2 seconds). The first rejection of an established session still renews at
   * once (a rotated credential recovers at once); the floor starts when the
   * session obtained after it is rejected too, and ends on the first call the
   * provider accepts (`accepted`). Callers meanwhile get `CredentialsRejected`
   * (reason `RejectedAfterReauth`) at once.
   */
  readonly rejectionBackoff?: Duration.DurationInput | undefined
  /**
   * While logins keep failing, the second consecutive failed login starts a
   * floor of this long before the next one (default 1 second), doubling with
   * each further failure up to a minute; a `Retry-After` the failure carries
   * (up to a minute) lengthens it. Callers meanwhile get the last failure at
   * once. Background renewals of a still-valid session are spaced by
   * `refreshRetry` instead.
   */
  readonly failureBackoff?: Duration.DurationInput | undefined
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
export const defaultRefreshRetry: Schedule.Schedule<unknown, unknown> = Flights.defaultRefreshRetry

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
  Effect.withFiberRuntime((fiber, status) => {
    const context = fiber.currentContext as Context.Context<R | Scope.Scope>
    const clock = clockOf(fiber)
    const account = options.account ?? Context.get(context, CurrentAccount)
    const engine = new Engine<P, R>(
      options,
      context as Context.Context<R>,
      keptRefs(fiber.getFiberRefs()),
      status.runtimeFlags,
      clock,
      isLive(clock),
      account,
      account !== undefined && options.accountMetrics === true
        ? AuthMetrics.forAccount(options.provider, account)
        : AuthMetrics.forProvider(options.provider)
    )
    const registered = Scope.addFinalizerExit(Context.get(context, Scope.Scope), engine.close.bind(engine))
    const built = options.persistence === undefined ? registered : Effect.zipRight(
      registered,
      engine.load(options.persistence)
    )
    return Effect.as(built, engine as Authenticated<P>)
  })
