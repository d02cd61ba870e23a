/**
 * The Terabox provider: its session, its errors and the shapes of its web API.
 *
 * effect 4 differences: the session schema encodes the tokens as their plain values with
 * `Schema.RedactedFromValue` (effect 4's `Schema.Redacted` would encode a `Redacted` that JSON writes as
 * `"<redacted>"`), so a stored session keeps its tokens as the v3 line's does; a session without bdstoken is
 * stored without the key and read back with `bdstoken: undefined`.
 *
 * @since 1.0.0
 */
import type * as AuthError from "@authfx/core/AuthError"
import type * as Provider from "@authfx/core/Provider"
import * as TeraboxErrno from "@authfx/protocol/TeraboxErrno"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/**
 * A Terabox session: the origin it lives on (a region move changes it), the
 * tokens the web app computes (read from the homepage), and the account id.
 * The cookies live in the layer's cookie jar, updated from every `Set-Cookie`.
 *
 * @since 1.0.0
 * @category models
 */
export interface TeraboxSession {
  readonly origin: string
  readonly jsToken: Redacted.Redacted<string>
  readonly bdstoken: Redacted.Redacted<string> | undefined
  /** The account id (`uk`). */
  readonly uk: number
}

/**
 * The schema of a `TeraboxSession`, for keeping it (`SessionEngine`'s `persistence`): the tokens encode to their
 * values, the only place they leave `Redacted`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const TeraboxSessionSchema: Schema.Codec<TeraboxSession, {
  readonly origin: string
  readonly jsToken: string
  readonly bdstoken?: string | undefined
  readonly uk: number
}> = Schema.Struct({
  origin: Schema.String,
  jsToken: Schema.RedactedFromValue(Schema.String),
  // JSON has no `undefined`: a session without bdstoken is stored without the key, and read back as such.
  bdstoken: Schema.UndefinedOr(Schema.RedactedFromValue(Schema.String)).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(undefined))
  ),
  uk: Schema.Number
})

/**
 * What authenticating with Terabox can fail with.
 *
 * @since 1.0.0
 * @category models
 */
export type TeraboxAuthError =
  | AuthError.CredentialsRejected
  | AuthError.CredentialsMissing
  | AuthError.ConfigurationError
  | AuthError.TransportError
  | AuthError.ProtocolError

/**
 * @since 1.0.0
 * @category models
 */
export interface Terabox extends Provider.Provider<"terabox", TeraboxSession, TeraboxAuthError> {}

/**
 * The errno reasons of Terabox's answers.
 *
 * @since 1.0.0
 * @category models
 */
export const ErrnoReason = Schema.Literals(TeraboxErrno.reasons)

/**
 * @since 1.0.0
 * @category models
 */
export type ErrnoReason = typeof ErrnoReason.Type

/**
 * The reason of an errno, from the values the maintained clients know.
 *
 * @since 1.0.0
 * @category errors
 */
export const reasonOf: (errno: number) => ErrnoReason = TeraboxErrno.reasonOf

/**
 * Terabox refused an operation with an errno (other than the session errnos,
 * which authfx handles: -6, 4000023, 450016, 31034). For a batch, `items`
 * gives each path's errno.
 *
 * @since 1.0.0
 * @category errors
 */
export class TeraboxApiError extends Schema.TaggedError<TeraboxApiError>("@authfx/terabox/TeraboxApiError")(
  "TeraboxApiError",
  {
    provider: Schema.Literal("terabox"),
    reason: ErrnoReason,
    errno: Schema.Number,
    items: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, errno: Schema.Number })))
  }
) {
  /**
   * @since 1.0.0
   */
  override get message(): string {
    const items = this.items === undefined
      ? ""
      : `: ${this.items.filter((i) => i.errno !== 0).map((i) => `${i.path} (${i.errno})`).join(", ")}`
    return `terabox: errno ${this.errno} (${this.reason})${items}`
  }
}

/**
 * Every error a Terabox call can fail with.
 *
 * @since 1.0.0
 * @category models
 */
export type TeraboxError = TeraboxAuthError | TeraboxApiError

/** @internal */
export const Errno = Schema.Struct({ errno: Schema.Number })

/** @internal */
export const CheckLogin = Schema.Struct({ errno: Schema.Literal(0), uk: Schema.Number })

/** @internal */
export const GetInfo = Schema.Struct({
  errno: Schema.Literal(0),
  records: Schema.NonEmptyArray(Schema.Struct({
    uname: Schema.String,
    vip_type: Schema.optional(Schema.Number)
  }))
})

/**
 * @since 1.0.0
 * @category schemas
 */
export const Entry = Schema.Struct({
  server_filename: Schema.String,
  path: Schema.String,
  isdir: Schema.Union([Schema.Literals([0, 1]), Schema.Boolean]),
  size: Schema.Number,
  fs_id: Schema.Number
})

/** @internal */
export const ListResponse = Schema.Struct({ errno: Schema.Literal(0), list: Schema.Array(Entry) })

/** @internal */
export const QuotaResponse = Schema.Struct({ errno: Schema.Literal(0), total: Schema.Number, used: Schema.Number })

/** @internal */
export const TemplateVariable = Schema.Struct({
  errno: Schema.Literal(0),
  result: Schema.Struct({ bdstoken: Schema.String })
})

/** @internal */
export const FileManagerResponse = Schema.Struct({
  errno: Schema.Number,
  info: Schema.optional(Schema.Array(Schema.Struct({ errno: Schema.Number, path: Schema.String })))
})
