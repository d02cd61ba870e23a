// Base64 without Node's buffers or any library, so the same code runs on Node, Bun, Deno and browsers: `btoa` / `atob`
// are on every one of them.

/** Standard base64 (with padding) of `bytes`. */
export const encode = (bytes: Uint8Array): string => {
  let binary = ""
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!)
  return btoa(binary)
}

const base64Url = /^[-_A-Za-z0-9]*={0,2}$/

/**
 * The bytes of a base64url string (RFC 4648 §5, padding optional), or `undefined` if it is not one. The same
 * acceptance as effect 3's `Encoding.decodeBase64Url`: a length of 1 modulo 4 or a character outside the
 * alphabet is refused.
 */
export const decodeUrl = (text: string): Uint8Array | undefined => {
  if (text.length % 4 === 1 || !base64Url.test(text)) return undefined
  const padded = text.length % 4 === 2 ? `${text}==` : text.length % 4 === 3 ? `${text}=` : text
  let binary: string
  try {
    binary = atob(padded.replace(/-/g, "+").replace(/_/g, "/"))
  } catch {
    return undefined
  }
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

const base64 = /^[+/A-Za-z0-9]*={0,2}$/

/**
 * The bytes of a standard base64 string (RFC 4648 §4, padded; line breaks ignored), or `undefined` if it is not
 * one: a length that is not a multiple of 4, a `=` before the end or a character outside the alphabet is refused.
 */
export const decode = (text: string): Uint8Array | undefined => {
  const stripped = text.replace(/[\r\n]/g, "")
  if (stripped.length % 4 !== 0 || !base64.test(stripped)) return undefined
  let binary: string
  try {
    binary = atob(stripped)
  } catch {
    return undefined
  }
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
