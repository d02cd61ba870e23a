/**
 * The byte layouts TON Connect wallets sign, written from the TON Connect
 * specification (ton-connect/docs, requests-responses.md, "Address proof
 * signature (ton_proof)") and its reference verifier (ton-connect/sdk,
 * packages/ton-proof), and from the `signData` specification (docs.ton.org,
 * "How to sign data with TON Connect").
 *
 * Bytes only: parsing a friendly address into its workchain and hash, and
 * SHA-256, are the caller's (a line uses `@ton/core` and a synchronous hash;
 * a browser can use `crypto.subtle.digest`), so this module depends on
 * nothing.
 *
 * @since 0.1.0
 */

/**
 * An account as the layouts write it: its workchain (int32) and its 32-byte
 * hash.
 *
 * @since 0.1.0
 * @category models
 */
export interface Account {
  readonly workchain: number
  readonly hash: Uint8Array
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/**
 * The parts one after another.
 *
 * @since 0.1.0
 * @category bytes
 */
export const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

const fixed = (size: number, write: (view: DataView) => void): Uint8Array => {
  const bytes = new Uint8Array(size)
  write(new DataView(bytes.buffer))
  return bytes
}

const int32 = (value: number, littleEndian: boolean) => fixed(4, (v) => v.setInt32(0, value, littleEndian))
const uint32 = (value: number, littleEndian: boolean) => fixed(4, (v) => v.setUint32(0, value, littleEndian))
const uint64 = (value: number, littleEndian: boolean) => fixed(8, (v) => v.setBigUint64(0, BigInt(value), littleEndian))

/** The workchain (int32, big endian) and the 32-byte account hash. */
const accountBytes = (account: Account): Uint8Array => concat([int32(account.workchain, false), account.hash])

/**
 * The message whose SHA-256 a `ton_proof` envelope holds:
 * `"ton-proof-item-v2/" ‖ workchain ‖ hash ‖ domain length ‖ domain ‖ timestamp ‖ payload`.
 *
 * The TON Connect specification (ton-blockchain/ton-connect
 * `requests-responses.md`, "Address proof signature") states the byte order
 * since March 2025: the domain length (uint32) and the timestamp (uint64)
 * little endian, the workchain (int32) and the hash big endian — as the
 * reference verifier (ton-connect/sdk `TonProofService.checkProof`) and
 * Tonkeeper write them.
 *
 * @since 0.1.0
 * @category bytes
 */
export const proofMessage = (input: {
  readonly account: Account
  readonly domain: string
  readonly timestamp: number
  readonly payload: string
}): Uint8Array => {
  const domain = utf8(input.domain)
  return concat([
    utf8("ton-proof-item-v2/"),
    accountBytes(input.account),
    uint32(domain.length, true),
    domain,
    uint64(input.timestamp, true),
    utf8(input.payload)
  ])
}

/**
 * What the wallet hashes and signs for a `ton_proof`, given the SHA-256 of
 * {@link proofMessage}: `0xffff ‖ "ton-connect" ‖ sha256(message)`.
 *
 * @since 0.1.0
 * @category bytes
 */
export const proofEnvelope = (messageHash: Uint8Array): Uint8Array =>
  concat([new Uint8Array([0xff, 0xff]), utf8("ton-connect"), messageHash])

/**
 * What the wallet hashes and signs for a `signData` request with a `text`
 * payload: `0xffff ‖ "ton-connect/sign-data/" ‖ workchain ‖ hash ‖ domain length ‖ domain ‖ timestamp ‖ "txt" ‖
 * text length ‖ text`, every integer big endian (unlike `ton_proof`).
 *
 * @since 0.1.0
 * @category bytes
 */
export const signDataText = (input: {
  readonly account: Account
  readonly domain: string
  readonly timestamp: number
  readonly text: string
}): Uint8Array => {
  const domain = utf8(input.domain)
  const text = utf8(input.text)
  return concat([
    new Uint8Array([0xff, 0xff]),
    utf8("ton-connect/sign-data/"),
    accountBytes(input.account),
    uint32(domain.length, false),
    domain,
    uint64(input.timestamp, false),
    utf8("txt"),
    uint32(text.length, false),
    text
  ])
}

/**
 * The UTF-8 length of a domain, as a `ton_proof`'s `domain.lengthBytes` says
 * it.
 *
 * @since 0.1.0
 * @category bytes
 */
export const domainLength = (domain: string): number => utf8(domain).length
