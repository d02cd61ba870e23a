/**
 * The error family shared by every authfx provider.
 *
 * Every error carries the `provider` it came from, a `reason` literal and, where
 * the provider gave one, its `code` (an errno, a frame error code) and HTTP
 * `status`. None of them ever holds a secret: messages are built from those
 * fields only, and decode failures keep a summary of *where* the data was wrong,
 * never the data itself.
 *
 * @since 1.0.0
 */
import * as AuthErrorText from "@authfx/protocol/AuthErrorText"
import { safeCause } from "@authfx/protocol/ErrorText"
import { sanitize as sanitizeUrl } from "@authfx/protocol/Url"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { BodyTooLarge } from "./internal/boundedResponse.js"
import { parseErrorSummary } from "./internal/parseSummary.js"

/**
 * @since 1.0.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@authfx/core/AuthError")

/**
 * @since 1.0.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * @since 1.0.0
 * @category guards
 */
export const isAuthError = (u: unknown): u is AuthError => Predicate.hasProperty(u, TypeId)

const Code = Schema.Union([Schema.Number, Schema.String])

const common = {
  provider: Schema.String,
  code: Schema.optional(Code),
  status: Schema.optional(Schema.Number),
  description: Schema.optional(Schema.String)
}

/**
 * The provider refused the credential: a wrong or regenerated token, a wrong
 * password, a bad signature, an expired browser cookie, or a fresh session that
 * was rejected again right after re-authentication.
 *
 * It is never retried beyond the single re-read / re-authentication that the
 * session engine performs.
 *
 * @since 1.0.0
 * @category errors
 */
export class CredentialsRejected extends Schema.TaggedError<CredentialsRejected>("@authfx/core/CredentialsRejected")(
  "CredentialsRejected",
  {
    ...common,
    reason: Schema.Literals(AuthErrorText.reasons.CredentialsRejected)
  }
) {
  /**
   * @since 1.0.0
   */
  readonly [TypeId]: TypeId = TypeId

  /**
   * @since 1.0.0
   */
  override get message(): string {
    return AuthErrorText.credentialsRejected(this)
  }
}

/**
 * There is nothing to authenticate with: an empty or absent secret, or the
 * provider said that no credential was sent.
 *
 * @since 1.0.0
 * @category errors
 */
export class CredentialsMissing extends Schema.TaggedError<CredentialsMissing>("@authfx/core/CredentialsMissing")(
  "CredentialsMissing",
  {
    ...common,
    reason: Schema.Literals(AuthErrorText.reasons.CredentialsMissing)
  }
) {
  /**
   * @since 1.0.0
   */
  readonly [TypeId]: TypeId = TypeId

  /**
   * @since 1.0.0
   */
  override get message(): string {
    return AuthErrorText.credentialsMissing(this)
  }
}

/**
 * The configuration cannot work and no request was sent: a malformed URL, a key
 * that is too short, an invalid mnemonic or address.
 *
 * @since 1.0.0
 * @category errors
 */
export class ConfigurationError extends Schema.TaggedError<ConfigurationError>("@authfx/core/ConfigurationError")(
  "ConfigurationError",
  {
    ...common,
    reason: Schema.Literals(AuthErrorText.reasons.ConfigurationError),
    /** The configuration key or option at fault, e.g. `GUNBOT_WALLET`. */
    key: Schema.String
  }
) {
  /**
   * @since 1.0.0
   */
  readonly [TypeId]: TypeId = TypeId

  /**
   * @since 1.0.0
   */
  override get message(): string {
    return AuthErrorText.configurationError(this)
  }
}

/**
 * A session that could not be renewed: its refresh failed and a new login did
 * not succeed either.
 *
 * @since 1.0.0
 * @category errors
 */
export class SessionExpired extends Schema.TaggedError<SessionExpired>("@authfx/core/SessionExpired")(
  "SessionExpired",
  {
    ...common,
    reason: Schema.Literals(AuthErrorText.reasons.SessionExpired)
  }
) {
  /**
   * @since 1.0.0
   */
  readonly [TypeId]: TypeId = TypeId

  /**
   * @since 1.0.0
   */
  override get message(): string {
    return AuthErrorText.sessionExpired(this)
  }
}

/**
 * The authenticated identity does not own the resource it asked for (Nabi's
 * 400 for a profile of another wallet). Re-authenticating cannot change that:
 * it is never retried and never invalidates the session.
 *
 * @since 1.0.0
 * @category errors
 */
export class ProfileMismatch extends Schema.TaggedError<ProfileMismatch>("@authfx/core/ProfileMismatch")(
  "ProfileMismatch",
  {
    ...common,
    reason: Schema.Literals(AuthErrorText.reasons.ProfileMismatch),
    address: Schema.String,
    profile: Schema.String
  }
) {
  /**
   * @since 1.0.0
   */
  readonly [TypeId]: TypeId = TypeId

  /**
   * @since 1.0.0
   */
  override get message(): string {
    return AuthErrorText.profileMismatch(this)
  }
}

/**
 * The request did not get a usable answer: the network failed, it timed out,
 * the server failed (5xx) or rate limited it (429). Retried by a schedule the
 * user can replace.
 *
 * @since 1.0.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>("@authfx/core/TransportError")(
  "TransportError",
  {
    ...common,
    reason: Schema.Literals(AuthErrorText.reasons.TransportError),
    /** `METHOD origin/path`, without query string or credentials. */
    request: Schema.optional(Schema.String),
    /** How long the server asked us to wait, in milliseconds (`Retry-After`). */
    retryAfterMillis: Schema.optional(Schema.Number),
    cause: Schema.optional(Schema.Defect())
  }
) {
  /**
   * @since 1.0.0
   */
  readonly [TypeId]: TypeId = TypeId

  /**
   * @since 1.0.0
   */
  override get message(): string {
    return AuthErrorText.transportError(this)
  }
}

/**
 * The provider answered something this library does not understand: invalid
 * JSON, a body of the wrong shape, an unexpected status or frame, a page without
 * the token it should embed. `description` says where the answer was wrong,
 * never what it contained.
 *
 * @since 1.0.0
 * @category errors
 */
export class ProtocolError extends Schema.TaggedError<ProtocolError>("@authfx/core/ProtocolError")(
  "ProtocolError",
  {
    ...common,
    reason: Schema.Literals(AuthErrorText.reasons.ProtocolError),
    request: Schema.optional(Schema.String)
  }
) {
  /**
   * @since 1.0.0
   */
  readonly [TypeId]: TypeId = TypeId

  /**
   * @since 1.0.0
   */
  override get message(): string {
    return AuthErrorText.protocolError(this)
  }
}

/**
 * @since 1.0.0
 * @category models
 */
export type AuthError =
  | CredentialsRejected
  | CredentialsMissing
  | ConfigurationError
  | SessionExpired
  | ProfileMismatch
  | TransportError
  | ProtocolError

/**
 * Errors that a later attempt may not meet: network failures, timeouts, 5xx and
 * 429.
 *
 * @since 1.0.0
 * @category guards
 */
export const isTransient = (u: unknown): u is TransportError =>
  Predicate.isTagged(u, "TransportError") && isAuthError(u)

/**
 * Builds a `ProtocolError` from a schema decode failure, keeping only the paths
 * and expected types of the failure (never the values, which may be secrets).
 *
 * @since 1.0.0
 * @category constructors
 */
export const fromParseError = (options: {
  readonly provider: string
  readonly error: unknown
  readonly request?: string | undefined
  readonly status?: number | undefined
}): ProtocolError =>
  new ProtocolError({
    provider: options.provider,
    reason: "Decode",
    description: parseErrorSummary(options.error),
    ...(options.request !== undefined ? { request: options.request } : {}),
    ...(options.status !== undefined ? { status: options.status } : {})
  })

/**
 * `METHOD origin/path` of a request, for error messages: without query string,
 * fragment or user info, where tokens may travel.
 *
 * @since 1.0.0
 * @category constructors
 */
export const describeRequest = (request: { readonly method: string; readonly url: string }): string =>
  `${request.method} ${sanitizeUrl(request.url)}`

/**
 * Maps an `HttpClientError` whose request never got an answer (its `reason` is
 * a `TransportError`, `EncodeError` or `InvalidUrlError`) to a `TransportError`.
 * (effect 4 has one `HttpClientError` with a `reason` where effect 3 had
 * `RequestError` and `ResponseError`.)
 *
 * @since 1.0.0
 * @category constructors
 */
export const fromRequestError = (provider: string, error: HttpClientError.HttpClientError): TransportError =>
  new TransportError({
    provider,
    reason: "Network",
    request: describeRequest(error.request),
    description: error.reason._tag === "TransportError" ? "the connection failed" : `the request could not be sent`,
    cause: safeCause(error.reason.cause)
  })

/**
 * Maps an `HttpClientError` that came with a response (the body could not be
 * read, or the status was refused by `filterStatusOk`) to the error family;
 * one without a response goes to `fromRequestError`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const fromResponseError = (
  provider: string,
  error: HttpClientError.HttpClientError
): TransportError | ProtocolError => {
  const response = error.response
  if (response === undefined) return fromRequestError(provider, error)
  const request = describeRequest(error.request)
  const status = response.status
  if (error.reason.cause instanceof BodyTooLarge) {
    return new ProtocolError({
      provider,
      reason: "TooLarge",
      request,
      status,
      description: `the body is larger than ${error.reason.cause.limit} bytes; the rest was not read`
    })
  }
  if (error.reason._tag === "DecodeError" || error.reason._tag === "EmptyBodyError") {
    // The body was cut short or was not what its content type said: the
    // connection is the likelier culprit for a cut body, but either way the
    // answer cannot be used.
    return new ProtocolError({ provider, reason: "Decode", request, status, description: "unreadable body" })
  }
  if (status === 429 || status === 408 || status >= 500) {
    return transportFromStatus(provider, request, status, undefined)
  }
  return new ProtocolError({ provider, reason: "UnexpectedStatus", request, status })
}

/**
 * A `TransportError` for a status that a retry may cure (408, 429, 5xx).
 *
 * @since 1.0.0
 * @category constructors
 */
export const transportFromStatus = (
  provider: string,
  request: string,
  status: number,
  retryAfterMillis: number | undefined
): TransportError =>
  new TransportError({
    provider,
    reason: status === 429 ? "RateLimited" : status === 408 ? "Timeout" : "ServerError",
    request,
    status,
    ...(retryAfterMillis !== undefined ? { retryAfterMillis } : {})
  })
