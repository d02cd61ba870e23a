/**
 * nandbox's bot API frames: JSON text over one WebSocket, each an object
 * routed on its `method` (nandbox-bot-api, the Java and Node SDKs:
 * `TOKEN_AUTH` first, `TOKEN_AUTH_OK` or an `error` frame in answer, `PING`
 * to keep the socket alive). What the client writes, and how it reads what
 * arrives, without Effect; the 64-bit identifiers are kept exact by
 * `NandboxIds.parseFrame`.
 *
 * @since 0.1.0
 */
import { parseFrame } from "./NandboxIds.js"

/**
 * The code of the `error` frame nandbox sends for a wrong, revoked or
 * regenerated token (the SDKs' `100099`).
 *
 * @since 0.1.0
 * @category constants
 */
export const revokedTokenCode = 100099

/**
 * The keep-alive frame.
 *
 * @since 0.1.0
 * @category encoding
 */
export const ping = "{\"method\":\"PING\"}"

/**
 * The first frame of every socket. The one place the token is written out:
 * the result must go to the socket and nowhere else.
 *
 * @since 0.1.0
 * @category encoding
 */
export const tokenAuth = (token: string): string => JSON.stringify({ method: "TOKEN_AUTH", token, rem: true })

/**
 * What a text frame is: not JSON, JSON but not an object, or an object with
 * its `method` (whatever its type; `undefined` when absent).
 *
 * @since 0.1.0
 * @category models
 */
export type Inbound =
  | { readonly _tag: "NotJson" }
  | { readonly _tag: "NotObject" }
  | { readonly _tag: "Frame"; readonly method: unknown; readonly frame: Record<string, unknown> }

/**
 * Reads a text frame, 64-bit identifiers kept exact as strings. Never throws.
 *
 * @since 0.1.0
 * @category decoding
 */
export const classify = (data: string): Inbound => {
  let json: unknown
  try {
    json = parseFrame(data)
  } catch {
    return { _tag: "NotJson" }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { _tag: "NotObject" }
  const frame = json as Record<string, unknown>
  return { _tag: "Frame", method: frame["method"], frame }
}

/**
 * A well-formed `TOKEN_AUTH_OK` answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenAuthOk {
  readonly method: "TOKEN_AUTH_OK"
  /** The bot's id: a string, or an integer (a long one arrives as a string from {@link classify}). */
  readonly ID: string | number
  readonly name: string
  readonly reference?: number | undefined
  readonly date?: number | undefined
}

/**
 * A `TOKEN_AUTH_OK` frame's fields checked one by one (the fast path of the
 * answer every socket gets); `undefined` for a frame that is not well formed,
 * which a line decodes with its schema for the typed error saying why.
 *
 * @since 0.1.0
 * @category decoding
 */
export const tokenAuthOk = (frame: Record<string, unknown>): TokenAuthOk | undefined => {
  const { ID, date, name, reference } = frame
  if (typeof ID !== "string" && !(typeof ID === "number" && Number.isInteger(ID))) return undefined
  if (name !== undefined && typeof name !== "string") return undefined
  if (reference !== undefined && typeof reference !== "number") return undefined
  if (date !== undefined && typeof date !== "number") return undefined
  return { method: "TOKEN_AUTH_OK", ID, name: name ?? "", reference, date }
}

/**
 * Whether an `error` frame's `code` (a number or a string) is
 * {@link revokedTokenCode}.
 *
 * @since 0.1.0
 * @category decoding
 */
export const isRevokedToken = (code: unknown): boolean =>
  (typeof code === "number" || typeof code === "string") && String(code) === String(revokedTokenCode)

/**
 * The `method` of an outbound frame, for an error that names it without its
 * content.
 *
 * @since 0.1.0
 * @category formatting
 */
export const methodOf = (frame: unknown): string =>
  frame !== null && typeof frame === "object" && typeof (frame as { readonly method?: unknown }).method === "string"
    ? (frame as { readonly method: string }).method
    : "(no method)"

/**
 * Whether the UTF-8 encoding of `text` is longer than `limit` bytes, counted
 * only as far as needed (a frame bound checked before parsing); a lone
 * surrogate counts as the 3 bytes of the U+FFFD `TextEncoder` writes for it.
 *
 * @since 0.1.0
 * @category bounds
 */
export const utf8Exceeds = (text: string, limit: number): boolean => {
  if (text.length > limit) return true
  if (text.length * 3 <= limit) return false
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3 // a lone surrogate is written as U+FFFD, 3 bytes, as TextEncoder does
    if (bytes > limit) return true
  }
  return false
}

/** `<numeric bot id>:<digits>:<secret>`: the documented token shape. */
const tokenShape = /^\d+:\d+:\S+$/

/**
 * Whether `token` (trimmed by the caller) has the documented shape
 * `<numeric bot id>:<digits>:<secret>`.
 *
 * @since 0.1.0
 * @category validation
 */
export const isToken = (token: string): boolean => tokenShape.test(token)

/**
 * The bot id of a token: the digits before its first colon, when the token
 * has the documented shape; `undefined` otherwise. Not a secret.
 *
 * @since 0.1.0
 * @category validation
 */
export const botIdOf = (token: string): string | undefined => {
  const botId = token.split(":")[0]
  return botId !== undefined && isToken(`${botId}:0:x`) ? botId : undefined
}

/**
 * The size in bytes of a binary frame as a `WebSocket` delivers it (an
 * `ArrayBuffer`, a view, or a `Blob`); 0 for anything else.
 *
 * @since 0.1.0
 * @category bounds
 */
export const binarySize = (data: unknown): number => {
  if (typeof data === "string") return data.length
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength
  if (typeof Blob !== "undefined" && data instanceof Blob) return data.size
  return 0
}
