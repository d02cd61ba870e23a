/**
 * Reads a JWT's claims without verifying its signature: the client is not the
 * audience that verifies, it only needs `exp` and `iat` to know when to renew.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { ProtocolError } from "./AuthError.js"

/**
 * The registered claims authfx reads; others are kept as they are.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Claims = Schema.Struct(
  {
    exp: Schema.optional(Schema.Number),
    iat: Schema.optional(Schema.Number),
    nbf: Schema.optional(Schema.Number),
    sub: Schema.optional(Schema.String)
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/**
 * @since 0.1.0
 * @category models
 */
export type Claims = typeof Claims.Type

const decodeClaims = Schema.decodeUnknownEither(Schema.parseJson(Claims))

/**
 * The claims of `token`, or `None` if it is not a JWT with a JSON payload.
 *
 * @since 0.1.0
 * @category decoding
 */
export const claimsOption = (token: string | Redacted.Redacted<string>): Option.Option<Claims> => {
  const raw = Redacted.isRedacted(token) ? Redacted.value(token) : token
  const parts = raw.split(".")
  if (parts.length !== 3) return Option.none()
  return Encoding.decodeBase64UrlString(parts[1]!).pipe(
    Either.flatMap((json) => decodeClaims(json)),
    Either.getRight
  )
}

/**
 * The claims of `token`, or a `ProtocolError` naming the provider. The token
 * itself never appears in the error.
 *
 * @since 0.1.0
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
 * @since 0.1.0
 * @category getters
 */
export const expiresAtMillis = (claims: Claims): number | undefined =>
  claims.exp === undefined ? undefined : claims.exp * 1000

/**
 * `iat` in epoch milliseconds, if present.
 *
 * @since 0.1.0
 * @category getters
 */
export const issuedAtMillis = (claims: Claims): number | undefined =>
  claims.iat === undefined ? undefined : claims.iat * 1000
