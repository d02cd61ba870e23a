/**
 * The byte layouts TON Connect wallets sign, written from the TON Connect
 * specification (ton-connect/docs, requests-responses.md, "Address proof
 * signature (ton_proof)") and its reference verifier (ton-connect/sdk,
 * packages/ton-proof), and from the `signData` specification (docs.ton.org,
 * "How to sign data with TON Connect").
 */
import { Address } from "@ton/core"
import { sha256_sync } from "@ton/crypto"

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

const int32 = (value: number, littleEndian: boolean): Uint8Array => {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setInt32(0, value, littleEndian)
  return bytes
}

const uint32 = (value: number, littleEndian: boolean): Uint8Array => {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, value, littleEndian)
  return bytes
}

const uint64 = (value: number, littleEndian: boolean): Uint8Array => {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), littleEndian)
  return bytes
}

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(sha256_sync(Buffer.from(bytes)))

/** The workchain (int32, big endian) and the 32-byte account hash of a raw or friendly address. */
const addressBytes = (address: string): Uint8Array => {
  const parsed = Address.parse(address)
  return concat([int32(parsed.workChain, false), new Uint8Array(parsed.hash)])
}

/**
 * The 32 bytes a wallet signs for a `ton_proof`:
 * `sha256(0xffff ‖ "ton-connect" ‖ sha256("ton-proof-item-v2/" ‖ workchain ‖ hash ‖ domain length ‖ domain ‖
 * timestamp ‖ payload))`.
 *
 * The TON Connect specification (ton-blockchain/ton-connect
 * `requests-responses.md`, "Address proof signature") states the byte order
 * since March 2025: the domain length (uint32) and the timestamp (uint64)
 * little endian, the workchain (int32) and the hash big endian — as the
 * reference verifier (ton-connect/sdk `TonProofService.checkProof`) and
 * Tonkeeper write them.
 */
export const tonProofDigest = (input: {
  readonly address: string
  readonly domain: string
  readonly timestamp: number
  readonly payload: string
}): Uint8Array => {
  const domain = utf8(input.domain)
  const message = concat([
    utf8("ton-proof-item-v2/"),
    addressBytes(input.address),
    uint32(domain.length, true),
    domain,
    uint64(input.timestamp, true),
    utf8(input.payload)
  ])
  return sha256(concat([new Uint8Array([0xff, 0xff]), utf8("ton-connect"), sha256(message)]))
}

/**
 * The 32 bytes a wallet signs for a `signData` request with a `text` payload:
 * `sha256(0xffff ‖ "ton-connect/sign-data/" ‖ workchain ‖ hash ‖ domain length ‖ domain ‖ timestamp ‖ "txt" ‖
 * text length ‖ text)`, every integer big endian (unlike `ton_proof`).
 */
export const signDataTextDigest = (input: {
  readonly address: string
  readonly domain: string
  readonly timestamp: number
  readonly text: string
}): Uint8Array => {
  const domain = utf8(input.domain)
  const text = utf8(input.text)
  return sha256(concat([
    new Uint8Array([0xff, 0xff]),
    utf8("ton-connect/sign-data/"),
    addressBytes(input.address),
    uint32(domain.length, false),
    domain,
    uint64(input.timestamp, false),
    utf8("txt"),
    uint32(text.length, false),
    text
  ]))
}

/** The UTF-8 length of a domain, as a `ton_proof`'s `domain.lengthBytes` says it. */
export const domainLength = (domain: string): number => utf8(domain).length
