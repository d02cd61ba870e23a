/**
 * The error family's words: each error's `reason` values and its message,
 * built from its fields only (provider, reason, code, status, description, the
 * sanitized request), never from a secret. Each Effect line's `AuthError`
 * classes take their literals and their `message` from here.
 *
 * @since 0.1.0
 */

/**
 * The `reason` values of each error of the family.
 *
 * @since 0.1.0
 * @category models
 */
export const reasons = {
  CredentialsRejected: [
    "InvalidToken",
    "WrongPassword",
    "BadSignature",
    "CookieExpired",
    "RejectedAfterReauth",
    "Unknown"
  ],
  CredentialsMissing: ["NotConfigured", "Empty", "NotSent"],
  ConfigurationError: ["Invalid", "Missing"],
  SessionExpired: ["RefreshFailed", "RefreshTokenExpired", "Expired"],
  ProfileMismatch: ["NotOwner"],
  TransportError: ["Network", "Timeout", "ServerError", "RateLimited", "Closed"],
  ProtocolError: [
    "Decode",
    "UnexpectedStatus",
    "UnexpectedFrame",
    "MissingToken",
    "UnusableSession",
    "TooLarge",
    "Unencodable"
  ]
} as const

/**
 * The fields every error of the family carries.
 *
 * @since 0.1.0
 * @category models
 */
export interface Common {
  readonly provider: string
  readonly reason: string
  readonly code?: number | string | undefined
  readonly status?: number | undefined
  readonly description?: string | undefined
}

/**
 * `: description (status s, code c)`, each part only when present.
 *
 * @since 0.1.0
 * @category formatting
 */
export const suffix = (fields: Omit<Common, "provider" | "reason">): string => {
  const parts: Array<string> = []
  if (fields.status !== undefined) parts.push(`status ${fields.status}`)
  if (fields.code !== undefined) parts.push(`code ${fields.code}`)
  const tail = parts.length > 0 ? ` (${parts.join(", ")})` : ""
  return (fields.description !== undefined ? `: ${fields.description}` : "") + tail
}

const on = (request: string | undefined) => request !== undefined ? ` on ${request}` : ""

/**
 * @since 0.1.0
 * @category formatting
 */
export const credentialsRejected = (e: Common): string =>
  `${e.provider} rejected the credentials (${e.reason})${suffix(e)}`

/**
 * @since 0.1.0
 * @category formatting
 */
export const credentialsMissing = (e: Common): string => `${e.provider}: no credentials (${e.reason})${suffix(e)}`

/**
 * @since 0.1.0
 * @category formatting
 */
export const configurationError = (e: Common & { readonly key: string }): string =>
  `${e.provider}: ${e.key} is ${e.reason === "Missing" ? "missing" : "invalid"}${suffix(e)}`

/**
 * @since 0.1.0
 * @category formatting
 */
export const sessionExpired = (e: Common): string =>
  `${e.provider}: the session expired and could not be renewed (${e.reason})${suffix(e)}`

/**
 * @since 0.1.0
 * @category formatting
 */
export const profileMismatch = (e: Common & { readonly address: string; readonly profile: string }): string =>
  `${e.provider}: ${e.address} does not own profile ${e.profile}${suffix(e)}`

/**
 * @since 0.1.0
 * @category formatting
 */
export const transportError = (e: Common & { readonly request?: string | undefined }): string =>
  `${e.provider}: transport failure (${e.reason})${on(e.request)}${suffix(e)}`

/**
 * @since 0.1.0
 * @category formatting
 */
export const protocolError = (e: Common & { readonly request?: string | undefined }): string =>
  `${e.provider}: ${e.reason === "Unencodable" ? "cannot encode the request" : "unexpected answer"} (${e.reason})${
    on(e.request)
  }${suffix(e)}`
