/**
 * The digests TON Connect wallets sign: the byte layouts are
 * `@authfx/protocol`'s `TonProof`; this module parses the address with
 * `@ton/core` and hashes with `@ton/crypto`'s synchronous SHA-256.
 *
 * @since 0.1.0
 */
import * as TonProof from "@authfx/protocol/TonProof"
import { sha256_sync } from "@ton/crypto"
import * as Addresses from "./Addresses.js"

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(sha256_sync(Buffer.from(bytes)))

const account = (address: string): TonProof.Account => {
  const parsed = Addresses.account(address)
  if (parsed === undefined) throw new TypeError("not a TON address")
  return parsed
}

/**
 * The 32 bytes a wallet signs for a `ton_proof`:
 * `sha256(0xffff ‖ "ton-connect" ‖ sha256("ton-proof-item-v2/" ‖ workchain ‖ hash ‖ domain length ‖ domain ‖
 * timestamp ‖ payload))` (byte order: `TonProof.proofMessage`). Throws a `TypeError` for an address that does
 * not parse (`Addresses.account`).
 *
 * @since 0.1.0
 * @category digests
 */
export const tonProofDigest = (input: {
  readonly address: string
  readonly domain: string
  readonly timestamp: number
  readonly payload: string
}): Uint8Array =>
  sha256(TonProof.proofEnvelope(sha256(TonProof.proofMessage({ ...input, account: account(input.address) }))))

/**
 * The 32 bytes a wallet signs for a `signData` request with a `text` payload
 * (`TonProof.signDataText`). Throws a `TypeError` for an address that does not parse.
 *
 * @since 0.1.0
 * @category digests
 */
export const signDataTextDigest = (input: {
  readonly address: string
  readonly domain: string
  readonly timestamp: number
  readonly text: string
}): Uint8Array => sha256(TonProof.signDataText({ ...input, account: account(input.address) }))

/**
 * The UTF-8 length of a domain, as a `ton_proof`'s `domain.lengthBytes` says it.
 *
 * @since 0.1.0
 * @category digests
 */
export const domainLength: (domain: string) => number = TonProof.domainLength
