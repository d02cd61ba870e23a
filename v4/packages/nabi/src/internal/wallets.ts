/**
 * The wallet contracts a TON key usually lives in. A wallet's address is the
 * hash of its `state_init` (code and initial data, which holds the public
 * key), so one key has one address per wallet version; @ton/ton carries the
 * contracts' code and their default wallet ids (698983191 for v3r2/v4r2, the
 * mainnet client context for v5r1), as the wallets apps create them.
 */
import { beginCell, storeStateInit } from "@ton/core"
import { WalletContractV3R2, WalletContractV4, WalletContractV5R1 } from "@ton/ton"

export type WalletVersion = "v3r2" | "v4r2" | "v5r1"

export const walletVersions: ReadonlyArray<WalletVersion> = ["v3r2", "v4r2", "v5r1"]

export interface Wallet {
  readonly version: WalletVersion
  /** Raw form, `<workchain>:<64 hex>`. */
  readonly address: string
  /** The `state_init` cell as a base64 BoC (what TON Connect calls `walletStateInit`). */
  readonly stateInit: string
}

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
