/**
 * The Gunbot provider: its session, its errors and the shapes of its API.
 *
 * @since 0.1.0
 */
import type * as AuthError from "@authfx/core/AuthError"
import * as Jwt from "@authfx/core/Jwt"
import type * as Provider from "@authfx/core/Provider"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/**
 * A Gunbot session: the JWT from `/auth/login` and its claims (read, not
 * verified). Without `exp`, it is kept until Gunbot answers 401.
 *
 * @since 0.1.0
 * @category models
 */
export interface GunbotSession {
  readonly token: Redacted.Redacted<string>
  readonly claims: Jwt.Claims | undefined
}

/**
 * The schema of a `GunbotSession`, for sharing it across a fleet (`Coordination`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const GunbotSessionSchema: Schema.Schema<GunbotSession, {
  readonly token: string
  readonly claims: typeof Jwt.Claims.Encoded | undefined
}> = Schema.Struct({ token: Schema.Redacted(Schema.String), claims: Schema.UndefinedOr(Jwt.Claims) })

/**
 * What logging in to Gunbot can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type GunbotAuthError =
  | AuthError.CredentialsRejected
  | AuthError.ConfigurationError
  | AuthError.TransportError
  | AuthError.ProtocolError

/**
 * @since 0.1.0
 * @category models
 */
export interface Gunbot extends Provider.Provider<"gunbot", GunbotSession, GunbotAuthError> {}

/**
 * Gunbot's `ErrorResponse` on a call it refused for another reason than
 * authentication (e.g. 400 `Invalid input`).
 *
 * @since 0.1.0
 * @category errors
 */
export class GunbotApiError extends Schema.TaggedError<GunbotApiError>("@authfx/gunbot/GunbotApiError")(
  "GunbotApiError",
  {
    provider: Schema.Literal("gunbot"),
    status: Schema.Number,
    /** Gunbot's own message. */
    description: Schema.String,
    code: Schema.optional(Schema.Union(Schema.Number, Schema.Null))
  }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `gunbot: ${this.description} (status ${this.status})`
  }
}

/**
 * Every error a Gunbot call can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type GunbotError = GunbotAuthError | GunbotApiError

/**
 * @since 0.1.0
 * @category schemas
 */
export const LoginResponse = Schema.Struct({
  status: Schema.optional(Schema.Literal("success")),
  token: Schema.NonEmptyString
})

/**
 * `GET /api/v1/auth/status`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AuthStatus = Schema.Struct({
  code: Schema.optional(Schema.Number),
  isDemo: Schema.optional(Schema.Boolean),
  isRegistered: Schema.optional(Schema.Boolean),
  isTwoFA: Schema.optional(Schema.Boolean),
  metamask: Schema.optional(Schema.Boolean),
  status: Schema.Literal("success"),
  message: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export type AuthStatus = typeof AuthStatus.Type

/** @internal */
export const ErrorResponse = Schema.Struct({
  status: Schema.optional(Schema.String),
  message: Schema.String,
  code: Schema.optional(Schema.Union(Schema.Number, Schema.Null))
})
