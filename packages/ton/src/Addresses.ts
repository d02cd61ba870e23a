/**
 * TON addresses as users and wallets write them: raw (`<workchain>:<64 hex>`)
 * or friendly (`EQ…`, `UQ…`, base64 or base64url), parsed with `@ton/core`.
 * These functions return `undefined` where `@ton/core` throws.
 *
 * @since 0.1.0
 */
import type * as TonProof from "@authfx/protocol/TonProof"
import { Address } from "@ton/core"

const parse = (address: string): Address | undefined => {
  try {
    return Address.parse(address.trim())
  } catch {
    return undefined
  }
}

/**
 * An address in raw form (`0:…`, lowercase hex), or `undefined` if it is not a TON address. Surrounding
 * whitespace is ignored.
 *
 * @since 0.1.0
 * @category parsing
 */
export const raw = (address: string): string | undefined => parse(address)?.toRawString()

/**
 * The workchain and the 32-byte account hash of an address (what `TonProof` signs), or `undefined` if it is not
 * a TON address.
 *
 * @since 0.1.0
 * @category parsing
 */
export const account = (address: string): TonProof.Account | undefined => {
  const parsed = parse(address)
  return parsed === undefined ? undefined : { workchain: parsed.workChain, hash: new Uint8Array(parsed.hash) }
}
