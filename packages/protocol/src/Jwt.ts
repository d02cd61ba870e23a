/**
 * A JWT's claims, read without verifying its signature: the client is not the
 * audience that verifies, it only needs `exp` and `iat` to know when to renew.
 *
 * @since 0.1.0
 */
import * as Base64 from "./internal/base64.js"

/**
 * The registered claims authfx reads; others are kept as they are.
 *
 * @since 0.1.0
 * @category models
 */
export interface Claims {
  readonly exp?: number | undefined
  readonly iat?: number | undefined
  readonly nbf?: number | undefined
  readonly sub?: string | undefined
  readonly [claim: string]: unknown
}

const numeric = ["exp", "iat", "nbf"] as const

const isClaims = (u: unknown): u is Claims => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return false
  const record = u as Record<string, unknown>
  for (const key of numeric) {
    if (Object.hasOwn(record, key) && typeof record[key] !== "number") return false
  }
  return !Object.hasOwn(record, "sub") || typeof record["sub"] === "string"
}

/**
 * The claims of `token`, or `undefined` if it is not a JWT (three dot-separated
 * parts) whose payload is base64url-encoded JSON of an object with numeric
 * `exp` / `iat` / `nbf` and a string `sub` where present. Never throws.
 *
 * @since 0.1.0
 * @category decoding
 */
export const claims = (token: string): Claims | undefined => {
  const parts = token.split(".")
  if (parts.length !== 3) return undefined
  const bytes = Base64.decodeUrl(parts[1]!)
  if (bytes === undefined) return undefined
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return undefined
  }
  return isClaims(json) ? json : undefined
}

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
