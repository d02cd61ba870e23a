/**
 * The one service every provider package provides: the current session of a
 * provider, shared by every fiber.
 *
 * A provider package declares its own tag whose service is
 * `Authenticated<ThatProvider>`:
 *
 * ```ts
 * class WhatsGateAuth extends Context.Service<
 *   WhatsGateAuth,
 *   Authenticated.Authenticated<WhatsGate>
 * >()("@authfx/whatsgate/WhatsGateAuth") {}
 * ```
 *
 * @since 1.0.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import { CredentialsRejected } from "./AuthError.js"
import type { AuthEvent } from "./AuthEvent.js"
import type * as Provider from "./Provider.js"
import type * as SessionState from "./SessionState.js"

/**
 * A session with its generation (the engine numbers the sessions it installs
 * from 1), so that a caller reporting how the provider answered names exactly
 * the session it used, even when a provider hands out the same value twice.
 *
 * @since 1.0.0
 * @category models
 */
export interface Lease<S> {
  readonly session: S
  readonly generation: number
}

/**
 * @since 1.0.0
 * @category models
 */
export interface Authenticated<P extends Provider.Any> {
  readonly provider: Provider.Id<P>
  /**
   * The current valid session: acquired on first use, renewed when it is due,
   * shared by every concurrent caller.
   */
  readonly session: Effect.Effect<Provider.Session<P>, Provider.Error<P>>
  /**
   * `session` with its generation: what callers use that report the
   * provider's answer back (`invalidate` with `{ generation }`, `accepted`),
   * as `AuthHttpClient` and {@link withSession} do.
   */
  readonly lease: Effect.Effect<Lease<Provider.Session<P>>, Provider.Error<P>>
  /** A new session now, whatever the state of the current one (joins a renewal already running). */
  readonly refresh: Effect.Effect<Provider.Session<P>, Provider.Error<P>>
  /**
   * The provider rejected `stale`: drop it, but only if it is still the
   * current session, so N rejections of one session cause one re-acquisition.
   * With `{ generation }` (from a `lease`) the generation decides whether it
   * is current, otherwise the session's identity does. With
   * `{ rejected: false }` the session is dropped without blaming the
   * credential (a connection that closed): the renewal is not told it was
   * refused.
   *
   * When the session obtained after a rejection is rejected too, the engine
   * starts a floor (see `SessionEngine.Options.rejectionBackoff`): callers get
   * `CredentialsRejected` (reason `RejectedAfterReauth`) at once, without a
   * login each, until it ends or a call is `accepted`.
   */
  readonly invalidate: (
    stale: Provider.Session<P>,
    options?: { readonly rejected?: boolean | undefined; readonly generation?: number | undefined }
  ) => Effect.Effect<void>
  /**
   * The provider accepted a call made with `lease`: ends a floor on
   * rejections (the credential works again). Costs a field check when there
   * was no rejection, so callers report every accepted call.
   */
  readonly accepted: (lease: Lease<Provider.Session<P>>) => Effect.Effect<void>
  /** The state of the session, without a secret: see `SessionState`. */
  readonly state: Effect.Effect<SessionState.SessionState>
  /** The current session if there is one, without acquiring or renewing. */
  readonly current: Effect.Effect<Option.Option<Provider.Session<P>>>
  /** What the engine does: acquisitions, refreshes, rejections, failures. Never a secret. */
  readonly events: Stream.Stream<AuthEvent>
}

/**
 * The signal a call returns when the provider rejected the session it used
 * (401, `invalid Access-Token`, errno `-6`, frame error `100099`).
 * {@link withSession} turns the first one into an invalidation and a replay,
 * and a second one into `CredentialsRejected`; it never escapes it.
 *
 * @since 1.0.0
 * @category errors
 */
export class SessionRejected extends Data.TaggedError("SessionRejected")<{
  readonly status?: number | undefined
  readonly code?: number | string | undefined
  readonly description?: string | undefined
}> {}

/**
 * Runs `use` with the current session. If the provider rejects it, the session
 * is invalidated (by generation) and `use` runs once more with a new one; a
 * second rejection invalidates that one too and is a `CredentialsRejected`
 * (reason `RejectedAfterReauth`), never a loop. A `use` that succeeds after a
 * rejection is reported as `accepted`.
 *
 * @since 1.0.0
 * @category combinators
 */
export const withSession: {
  <P extends Provider.Any, A, E, R>(
    use: (session: Provider.Session<P>) => Effect.Effect<A, E | SessionRejected, R>
  ): (
    self: Authenticated<P>
  ) => Effect.Effect<A, Exclude<E, SessionRejected> | Provider.Error<P> | CredentialsRejected, R>
  <P extends Provider.Any, A, E, R>(
    self: Authenticated<P>,
    use: (session: Provider.Session<P>) => Effect.Effect<A, E | SessionRejected, R>
  ): Effect.Effect<A, Exclude<E, SessionRejected> | Provider.Error<P> | CredentialsRejected, R>
} = dual(2, <P extends Provider.Any, A, E, R>(
  self: Authenticated<P>,
  use: (session: Provider.Session<P>) => Effect.Effect<A, E | SessionRejected, R>
): Effect.Effect<A, Exclude<E, SessionRejected> | Provider.Error<P> | CredentialsRejected, R> => {
  const rejectedAgain = (rejection: SessionRejected) =>
    new CredentialsRejected({
      provider: self.provider,
      reason: "RejectedAfterReauth",
      ...(rejection.status !== undefined ? { status: rejection.status } : {}),
      ...(rejection.code !== undefined ? { code: rejection.code } : {}),
      description: rejection.description ?? "a new session was rejected as well"
    })
  const isRejected = (e: unknown): e is SessionRejected => e instanceof SessionRejected
  const invalidate = (lease: Lease<Provider.Session<P>>) =>
    self.invalidate(lease.session, { generation: lease.generation })
  const run = (lease: Lease<Provider.Session<P>>) => Effect.tap(use(lease.session), () => self.accepted(lease))
  return Effect.flatMap(self.lease, (first) =>
    Effect.catchIf(
      run(first),
      isRejected,
      () =>
        invalidate(first).pipe(
          Effect.andThen(self.lease),
          Effect.flatMap((second) =>
            Effect.catchIf(
              run(second),
              isRejected,
              (again) => Effect.andThen(invalidate(second), Effect.fail(rejectedAgain(again)))
            )
          )
        )
    )) as Effect.Effect<A, Exclude<E, SessionRejected> | Provider.Error<P> | CredentialsRejected, R>
})
