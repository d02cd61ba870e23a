/**
 * The Nabi provider: its session, its errors and the shapes of its GraphQL API.
 *
 * effect 4: the session schema encodes its tokens with `Schema.RedactedFromValue` (the same JSON as the v3 line's
 * `Schema.Redacted`: a session stored by one line is read by the other).
 *
 * @since 1.0.0
 */
import type * as AuthError from "@authfx/core/AuthError"
import type * as Provider from "@authfx/core/Provider"
import * as Schema from "effect/Schema"

/**
 * A Nabi session: the access token (30 minutes) and the refresh token (7
 * days), with their expiries in the server's clock. Schema-encodable, so a
 * `SessionStore` can keep it across restarts.
 *
 * @since 1.0.0
 * @category schemas
 */
export const NabiSession = Schema.Struct({
  /** The raw wallet address the tokens were issued to. */
  address: Schema.String,
  // effect 4: `RedactedFromValue` encodes the value itself (v3's `Schema.Redacted`); effect 4's `Schema.Redacted`
  // would encode a `Redacted`, which JSON writes as "<redacted>", losing the token.
  accessToken: Schema.RedactedFromValue(Schema.String),
  refreshToken: Schema.RedactedFromValue(Schema.String),
  /** Epoch milliseconds. */
  accessExpiresAt: Schema.Number,
  refreshExpiresAt: Schema.Number,
  /** When the access token was issued (its `iat`), if it said. */
  issuedAt: Schema.optional(Schema.Number)
})

/**
 * @since 1.0.0
 * @category models
 */
export interface NabiSession extends NabiSessionType {}

type NabiSessionType = typeof NabiSession.Type

/**
 * What authenticating with Nabi can fail with.
 *
 * @since 1.0.0
 * @category models
 */
export type NabiAuthError =
  | AuthError.CredentialsRejected
  | AuthError.ConfigurationError
  | AuthError.TransportError
  | AuthError.ProtocolError

/**
 * @since 1.0.0
 * @category models
 */
export interface Nabi extends Provider.Provider<"nabi", NabiSession, NabiAuthError> {}

/**
 * The GraphQL `errors` of an answer that was not about authentication.
 *
 * @since 1.0.0
 * @category errors
 */
export class NabiGraphQLError extends Schema.TaggedError<NabiGraphQLError>("@authfx/nabi/NabiGraphQLError")(
  "NabiGraphQLError",
  {
    provider: Schema.Literal("nabi"),
    /**
     * Each error's message and `extensions.code`, as Nabi sent them, and for an
     * error of validation against the server's schema, the field it names.
     */
    errors: Schema.Array(Schema.Struct({
      message: Schema.String,
      code: Schema.optional(Schema.String),
      field: Schema.optional(Schema.String)
    })),
    /** The HTTP status of the answer, when it was not 200 (Apollo answers validation errors 400). */
    status: Schema.optional(Schema.Number)
  }
) {
  /**
   * @since 1.0.0
   */
  override get message(): string {
    return `nabi: ${this.errors.map((e) => e.code !== undefined ? `${e.message} (${e.code})` : e.message).join("; ")}`
  }
}

/**
 * Every error a Nabi call can fail with.
 *
 * @since 1.0.0
 * @category models
 */
export type NabiError = NabiAuthError | AuthError.ProfileMismatch | NabiGraphQLError

/** @internal */
export const GraphQLErrors = Schema.Array(Schema.Struct({
  message: Schema.String,
  extensions: Schema.optional(Schema.Struct({
    code: Schema.optional(Schema.String),
    profileId: Schema.optional(Schema.String)
  }))
}))

/** @internal */
export const Envelope = Schema.Struct({
  data: Schema.optional(Schema.NullOr(Schema.Unknown)),
  errors: Schema.optional(GraphQLErrors)
})

/** @internal */
export const GenerateNonce = Schema.Struct({
  generateNonce: Schema.Struct({ id: Schema.String, nonce: Schema.String, timestamp: Schema.String })
})

/** @internal */
export const GetToken = Schema.Struct({
  getToken: Schema.Struct({ accessToken: Schema.NonEmptyString, refreshToken: Schema.NonEmptyString })
})

/** @internal */
export const RefreshToken = Schema.Struct({
  refreshToken: Schema.Struct({
    token: Schema.NonEmptyString,
    refreshToken: Schema.optional(Schema.NullOr(Schema.String))
  })
})
