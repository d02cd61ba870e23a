/**
 * A service's session state, readable in code (`auth.state`): whether it is
 * authenticated, since when, until when, which generation, the last failure
 * and any floor in force. It holds times, counts, tags and messages, never a
 * session or a secret, so it renders safely with `String`, `JSON.stringify`,
 * `util.inspect` and Effect's logger.
 *
 * @since 1.0.0
 */
import * as Schema from "effect/Schema"

/**
 * The last failed login or renewal: the error's tag and message (never a
 * secret: error messages carry none) and when it happened (epoch
 * milliseconds).
 *
 * @since 1.0.0
 * @category models
 */
export const LastFailure = Schema.Struct({
  error: Schema.String,
  at: Schema.Number
})

/**
 * One reading of an `Authenticated<P>`'s state. Times are epoch milliseconds
 * on the engine's clock (expiry already corrected by the learned server clock
 * offset).
 *
 * - `authenticated`: a session is held that is still valid now;
 * - `generation`: how many sessions the engine has installed (0 before the
 *   first);
 * - `acquiredAt`, `expiresAt`, `renewsAt`: of the current valid session
 *   (`expiresAt`/`renewsAt` absent for a session that never expires);
 * - `lastFailure`: the last failed login or renewal, kept after a success
 *   for diagnosis;
 * - `floorUntil`, `floorReason`: a floor in force (see `AuthEvent.Floor`):
 *   no login before that time;
 * - `closed`: the service's scope has closed.
 *
 * @since 1.0.0
 * @category models
 */
export class SessionState extends Schema.Class<SessionState>("@authfx/core/SessionState")({
  provider: Schema.String,
  account: Schema.optional(Schema.String),
  authenticated: Schema.Boolean,
  generation: Schema.Number,
  acquiredAt: Schema.optional(Schema.Number),
  expiresAt: Schema.optional(Schema.Number),
  renewsAt: Schema.optional(Schema.Number),
  lastFailure: Schema.optional(LastFailure),
  floorUntil: Schema.optional(Schema.Number),
  floorReason: Schema.optional(Schema.Literals(["rejected", "failing", "unusable"])),
  closed: Schema.Boolean
}) {}
