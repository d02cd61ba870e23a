import { Address, Cell, contractAddress, loadStateInit } from "@ton/core"
import { keyPairFromSeed } from "@ton/crypto"
import { WalletContractV3R2, WalletContractV4, WalletContractV5R1 } from "@ton/ton"
import { assert, describe, it } from "vitest"
import * as Addresses from "../src/Addresses.js"
import * as Wallets from "../src/Wallets.js"

/** The real v4r2 wallet of the TON Connect test vector (TonConnect.test.ts): its address and public key. */
const real = {
  address: "0:b1481ee8620ebf33b7882fa749654176ef00c7e4cac95ed39f371d5775920814",
  publicKey: Buffer.from("53381d0a562ab221add63d3aef51b549a295dbdfe2a07ba8ea6a8000d86d14e2", "hex")
}

const publicKey = new Uint8Array(keyPairFromSeed(Buffer.alloc(32, 7)).publicKey)

describe("Wallets", () => {
  it("a real wallet app's v4r2 address is derived from its key", () => {
    const derived = Wallets.wallet("v4r2", real.publicKey)
    assert.strictEqual(derived.address, real.address)
    assert.isTrue(Wallets.isStateInitOf(derived.stateInit, real.address))
  })

  it("each version's address is the hash of its state_init, and is @ton/ton's contract address", () => {
    const contracts = {
      v3r2: WalletContractV3R2.create({ workchain: 0, publicKey: Buffer.from(publicKey) }),
      v4r2: WalletContractV4.create({ workchain: 0, publicKey: Buffer.from(publicKey) }),
      v5r1: WalletContractV5R1.create({ workchain: 0, publicKey: Buffer.from(publicKey) })
    }
    const addresses = new Set<string>()
    for (const version of Wallets.walletVersions) {
      const derived = Wallets.wallet(version, publicKey)
      assert.strictEqual(derived.version, version)
      assert.strictEqual(derived.address, contracts[version].address.toRawString())
      const init = loadStateInit(Cell.fromBase64(derived.stateInit).beginParse())
      assert.isTrue(contractAddress(0, init).equals(Address.parse(derived.address)))
      addresses.add(derived.address)
    }
    assert.strictEqual(addresses.size, 3)
  })

  it("on another workchain, the address is @ton/ton's contract there (its wallet id counts the workchain)", () => {
    const master = Wallets.wallet("v4r2", publicKey, -1)
    assert.match(master.address, /^-1:[0-9a-f]{64}$/)
    const contract = WalletContractV4.create({ workchain: -1, publicKey: Buffer.from(publicKey) })
    assert.strictEqual(master.address, contract.address.toRawString())
    assert.isTrue(Wallets.isStateInitOf(master.stateInit, master.address))
  })

  it("find: the version whose address this is, raw or friendly; undefined for another key or garbage", () => {
    for (const version of Wallets.walletVersions) {
      const derived = Wallets.wallet(version, publicKey)
      assert.deepStrictEqual(Wallets.find(publicKey, derived.address), derived)
      const friendly = Address.parse(derived.address).toString()
      assert.deepStrictEqual(Wallets.find(publicKey, ` ${friendly} `), derived)
    }
    const master = Wallets.wallet("v3r2", publicKey, -1)
    assert.deepStrictEqual(Wallets.find(publicKey, master.address), master)
    assert.isUndefined(Wallets.find(real.publicKey, Wallets.wallet("v4r2", publicKey).address))
    assert.isUndefined(Wallets.find(publicKey, "not an address"))
  })

  it("isStateInitOf: false for another wallet's state_init, another address, or what does not parse", () => {
    const v4 = Wallets.wallet("v4r2", publicKey)
    const v3 = Wallets.wallet("v3r2", publicKey)
    assert.isTrue(Wallets.isStateInitOf(v4.stateInit, Address.parse(v4.address).toString()))
    assert.isFalse(Wallets.isStateInitOf(v3.stateInit, v4.address))
    assert.isFalse(Wallets.isStateInitOf(v4.stateInit, Wallets.wallet("v4r2", publicKey, -1).address))
    assert.isFalse(Wallets.isStateInitOf("not a boc", v4.address))
    assert.isFalse(Wallets.isStateInitOf(v4.stateInit, "0:12"))
  })
})

describe("Addresses", () => {
  it("raw: raw and friendly forms (bounceable or not, base64url or not) give the raw form", () => {
    const address = Address.parse(real.address)
    for (
      const written of [
        real.address,
        real.address.toUpperCase().replace("0X", "0x"),
        address.toString(),
        address.toString({ bounceable: false }),
        address.toString({ urlSafe: false }),
        `  ${address.toString({ testOnly: true })}\n`
      ]
    ) {
      assert.strictEqual(Addresses.raw(written), real.address, written)
    }
  })

  it("raw and account: undefined for what is not an address", () => {
    for (const written of ["", "0:", "0:1234", "EQ" + "A".repeat(30), "x:" + "0".repeat(64), "0:" + "g".repeat(64)]) {
      assert.isUndefined(Addresses.raw(written), written)
      assert.isUndefined(Addresses.account(written), written)
    }
  })

  it("account: the workchain and the 32-byte hash", () => {
    const account = Addresses.account(real.address)!
    assert.strictEqual(account.workchain, 0)
    assert.deepStrictEqual(Buffer.from(account.hash).toString("hex"), real.address.slice(2))
    assert.strictEqual(Addresses.account("-1:" + "ab".repeat(32))!.workchain, -1)
  })
})
