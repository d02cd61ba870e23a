/**
 * The digests TON Connect wallets sign: the byte layouts are
 * `@authfx/protocol`'s `TonProof` (shared with the effect 4 line); this module
 * parses the address with `@ton/core` and hashes with `@ton/crypto`.
 */
import * as TonProof from "@authfx/protocol/TonProof"
import { Address } from "@ton/core"
import { sha256_sync } from "@ton/crypto"

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(sha256_sync(Buffer.from(bytes)))

/** The workchain and the 32-byte account hash of a raw or friendly address. */
const account = (address: string): TonProof.Account => {
  const parsed = Address.parse(address)
  return { workchain: parsed.workChain, hash: new Uint8Array(parsed.hash) }
}

/**
 * The 32 bytes a wallet signs for a `ton_proof`:
 * `sha256(0xffff ‖ "ton-connect" ‖ sha256("ton-proof-item-v2/" ‖ workchain ‖ hash ‖ domain length ‖ domain ‖
 * timestamp ‖ payload))` (byte order: `TonProof.proofMessage`).
 */
export const tonProofDigest = (input: {
  readonly address: string
  readonly domain: string
  readonly timestamp: number
  readonly payload: string
}): Uint8Array =>
  sha256(TonProof.proofEnvelope(sha256(TonProof.proofMessage({ ...input, account: account(input.address) }))))

/** The 32 bytes a wallet signs for a `signData` request with a `text` payload (`TonProof.signDataText`). */
export const signDataTextDigest = (input: {
  readonly address: string
  readonly domain: string
  readonly timestamp: number
  readonly text: string
}): Uint8Array => sha256(TonProof.signDataText({ ...input, account: account(input.address) }))

/** The UTF-8 length of a domain, as a `ton_proof`'s `domain.lengthBytes` says it. */
export const domainLength: (domain: string) => number = TonProof.domainLength
