/**
 * Reads a JWT's claims without verifying its signature: the client is not the
 * audience that verifies, it only needs `exp` and `iat` to know when to renew.
 *
 * @since 1.0.0
 */
import * as ProtocolJwt from "@authfx/protocol/Jwt"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { ProtocolError } from "./AuthError.js"

/**
 * The registered claims authfx reads; others are kept as they are.
 *
 * @since 1.0.0
 * @category schemas
 */
export const Claims = Schema.StructWithRest(
  Schema.Struct({
    exp: Schema.optional(Schema.Number),
    iat: Schema.optional(Schema.Number),
    nbf: Schema.optional(Schema.Number),
    sub: Schema.optional(Schema.String)
  }),
  [Schema.Record(Schema.String, Schema.Unknown)]
)

/**
 * @since 1.0.0
 * @category models
 */
export type Claims = typeof Claims.Type

/**
 * The claims of `token`, or `None` if it is not a JWT with a JSON payload
 * whose registered claims have the types of `Claims` (the reading itself is
 * `@authfx/protocol`'s, shared with the effect 3 line).
 *
 * @since 1.0.0
 * @category decoding
 */
export const claimsOption = (token: string | Redacted.Redacted<string>): Option.Option<Claims> =>
  Option.fromUndefinedOr(ProtocolJwt.claims(Redacted.isRedacted(token) ? Redacted.value(token) : token))

/**
 * The claims of `token`, or a `ProtocolError` naming the provider. The token
 * itself never appears in the error.
 *
 * @since 1.0.0
 * @category decoding
 */
export const decode = (
  token: string | Redacted.Redacted<string>,
  provider: string
): Effect.Effect<Claims, ProtocolError> =>
  Option.match(claimsOption(token), {
    onNone: () =>
      Effect.fail(
        new ProtocolError({ provider, reason: "Decode", description: "the token is not a JWT with JSON claims" })
      ),
    onSome: Effect.succeed
  })

/**
 * `exp` in epoch milliseconds, if present.
 *
 * @since 1.0.0
 * @category getters
 */
export const expiresAtMillis: (claims: Claims) => number | undefined = ProtocolJwt.expiresAtMillis

/**
 * `iat` in epoch milliseconds, if present.
 *
 * @since 1.0.0
 * @category getters
 */
export const issuedAtMillis: (claims: Claims) => number | undefined = ProtocolJwt.issuedAtMillis
