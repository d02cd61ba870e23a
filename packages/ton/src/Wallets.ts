/**
 * The wallet contracts a TON key usually lives in. A wallet's address is the
 * hash of its `state_init` (code and initial data, which holds the public
 * key), so one key has one address per wallet version; `@ton/ton` carries the
 * contracts' code and their default wallet ids (698983191 for v3r2/v4r2, the
 * mainnet client context for v5r1), as the wallets apps create them.
 *
 * @since 0.1.0
 */
import { Address, beginCell, Cell, contractAddress, loadStateInit, storeStateInit } from "@ton/core"
import { WalletContractV3R2, WalletContractV4, WalletContractV5R1 } from "@ton/ton"

/**
 * @since 0.1.0
 * @category models
 */
export type WalletVersion = "v3r2" | "v4r2" | "v5r1"

/**
 * Every wallet version, as `NABI_WALLET_VERSION` spells them.
 *
 * @since 0.1.0
 * @category constants
 */
export const walletVersions: ReadonlyArray<WalletVersion> = ["v3r2", "v4r2", "v5r1"]

/**
 * @since 0.1.0
 * @category models
 */
export interface Wallet {
  readonly version: WalletVersion
  /** Raw form, `<workchain>:<64 hex>`. */
  readonly address: string
  /** The `state_init` cell as a base64 BoC (what TON Connect calls `walletStateInit`). */
  readonly stateInit: string
}

/**
 * The address and `state_init` of the wallet of this version that holds this
 * 32-byte Ed25519 public key, on this workchain (default 0, the basechain).
 *
 * @since 0.1.0
 * @category constructors
 */
export const wallet = (version: WalletVersion, publicKey: Uint8Array, workchain = 0): Wallet => {
  const key = Buffer.from(publicKey)
  const contract = version === "v3r2"
    ? WalletContractV3R2.create({ workchain, publicKey: key })
    : version === "v4r2"
    ? WalletContractV4.create({ workchain, publicKey: key })
    : WalletContractV5R1.create({ workchain, publicKey: key })
  return {
    version,
    address: contract.address.toRawString(),
    stateInit: beginCell().store(storeStateInit(contract.init)).endCell().toBoc().toString("base64")
  }
}

/**
 * The wallet, among `walletVersions` on the address's workchain, of `publicKey` whose address is `address` (raw
 * or friendly), or `undefined` when none is (a wallet of another kind, a custom subwallet id, a testnet wallet, an
 * address that does not parse).
 *
 * @since 0.1.0
 * @category constructors
 */
export const find = (publicKey: Uint8Array, address: string): Wallet | undefined => {
  let parsed: Address
  try {
    parsed = Address.parse(address.trim())
  } catch {
    return undefined
  }
  const rawAddress = parsed.toRawString()
  return walletVersions
    .map((version) => wallet(version, publicKey, parsed.workChain))
    .find((candidate) => candidate.address === rawAddress)
}

/**
 * Whether `stateInit` (a base64 BoC of a `state_init` cell) is the `state_init` of `address` (raw or friendly):
 * an address is the hash of its `state_init` on its workchain. False for anything that does not parse.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isStateInitOf = (stateInit: string, address: string): boolean => {
  try {
    const parsed = Address.parse(address.trim())
    return contractAddress(parsed.workChain, loadStateInit(Cell.fromBase64(stateInit).beginParse())).equals(parsed)
  } catch {
    return false
  }
}
