/**
 * HS256 JSON Web Tokens as the fakes issue and check them (RFC 7519, RFC 7515's HMAC SHA-256).
 *
 * @since 0.1.0
 */
import { createHmac, timingSafeEqual } from "node:crypto"

const base64url = (input: Buffer | string) => Buffer.from(input).toString("base64url")

/**
 * Signs and verifies HS256 tokens with one secret.
 *
 * @since 0.1.0
 * @category models
 */
export interface Signer {
  /** A token of `claims`, signed with the secret. */
  readonly sign: (claims: Record<string, unknown>) => string
  /** The claims of a token this secret signed, or `undefined` for anything else. */
  readonly verify: (token: string) => Record<string, any> | undefined
}

/**
 * HS256 tokens as the fakes issue them: signed with `secret`, claims as given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (secret: string): Signer => {
  const mac = (head: string, body: string) => createHmac("sha256", secret).update(`${head}.${body}`).digest()
  return {
    sign: (claims) => {
      const head = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))
      const body = base64url(JSON.stringify(claims))
      return `${head}.${body}.${base64url(mac(head, body))}`
    },
    verify: (token) => {
      const [head, body, signature] = token.split(".")
      if (head === undefined || body === undefined || signature === undefined) return undefined
      const expected = mac(head, body)
      const given = Buffer.from(signature, "base64url")
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
      try {
        const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"))
        return typeof claims === "object" && claims !== null ? claims : undefined
      } catch {
        return undefined
      }
    }
  }
}
