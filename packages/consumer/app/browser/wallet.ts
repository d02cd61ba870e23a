// A stand-in for a TON wallet reached through TON Connect, for the browser test. It plays the wallet's side of
// TON Connect's connection (ton-connect/docs, requests-responses.md, "Initiating connection"): the dApp sends a
// `ConnectRequest` (`manifestUrl`, the `ton_addr` item and, to sign in, a `ton_proof` item whose payload is the
// server's challenge) and the wallet answers with a `ConnectEvent` — `connect` with one reply per item, or
// `connect_error` when the user declines. A dApp never sees the wallet's key.
//
// As a real wallet does, it:
// - lives in a v4r2 wallet contract (the default of wallet apps): its address is the hash of the `state_init`
//   (the v4r2 code and its initial data: seqno 0, wallet id 698983191, the public key), which @ton/ton builds
//   for it here, as TON's JavaScript wallets do;
// - names the dApp's domain itself, from the manifest's host, whatever the dApp would like
//   (ton-connect/docs, "Address proof signature (ton_proof)": `AppDomain`); this stand-in does not fetch the
//   manifest, the dApp's origin serving it is its `url`;
// - signs `ton_proof`'s envelope: `Ed25519(sha256(0xffff ‖ "ton-connect" ‖ sha256("ton-proof-item-v2/" ‖
//   workchain (int32 BE) ‖ address hash ‖ domain length (uint32 LE) ‖ domain ‖ timestamp (uint64 LE) ‖
//   payload)))` with its Ed25519 key, imported once into WebCrypto as non-extractable.
import { beginCell, storeStateInit } from "@ton/core"
import { WalletContractV4 } from "@ton/ton"

/** The key a wallet app keeps in its key store: Ed25519, as a JWK (the test's fakes process generates it). */
export interface Keystore {
  readonly jwk: { readonly kty: "OKP"; readonly crv: "Ed25519"; readonly x: string; readonly d: string }
}

/** TON Connect's `ConnectItem`s a dApp may ask for. */
export type ConnectItem = { readonly name: "ton_addr" } | { readonly name: "ton_proof"; readonly payload: string }

/** TON Connect's `ConnectRequest`. */
export interface ConnectRequest {
  readonly manifestUrl: string
  readonly items: ReadonlyArray<ConnectItem>
}

/** TON Connect's `TonAddressItemReply`. */
export interface TonAddressItemReply {
  readonly name: "ton_addr"
  /** Raw form, `0:<64 hex>`. */
  readonly address: string
  /** The network's global id: `-239` mainnet, `-3` testnet. */
  readonly network: "-239" | "-3"
  /** Hex. */
  readonly publicKey: string
  /** The wallet contract's `state_init`, a base64 BoC. */
  readonly walletStateInit: string
}

/** TON Connect's `TonProofItemReplySuccess`. */
export interface TonProofItemReply {
  readonly name: "ton_proof"
  readonly proof: {
    readonly timestamp: number
    readonly domain: { readonly lengthBytes: number; readonly value: string }
    readonly payload: string
    /** Base64. */
    readonly signature: string
  }
}

/** TON Connect's `ConnectEvent`: what the wallet answers a `ConnectRequest` with. */
export type ConnectEvent =
  | {
    readonly event: "connect"
    readonly id: number
    readonly payload: {
      readonly items: ReadonlyArray<TonAddressItemReply | TonProofItemReply>
      readonly device: {
        readonly platform: string
        readonly appName: string
        readonly appVersion: string
        readonly maxProtocolVersion: number
        readonly features: ReadonlyArray<string>
      }
    }
  }
  | {
    readonly event: "connect_error"
    readonly id: number
    /** 300: the user declined (`USER_REJECTS_ERROR`). */
    readonly payload: { readonly code: number; readonly message: string }
  }

export interface StandInWallet {
  /** Answers a connection request, as the wallet app does once the user approves it. */
  readonly connect: (request: ConnectRequest) => Promise<ConnectEvent>
  /** The next requests are declined, as a user who says no in the wallet app (for trying the refusal). */
  readonly declineNext: (declining: boolean) => void
}

const fromBase64Url = (text: string): Uint8Array =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16))
const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const utf8 = (text: string) => new TextEncoder().encode(text)

const join = (...parts: ReadonlyArray<Uint8Array>): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  parts.reduce((at, part) => (out.set(part, at), at + part.length), 0)
  return out
}

/** An integer of `width` bytes, written with DataView in the byte order given. */
const integer = (width: 4 | 8, value: number, littleEndian: boolean): Uint8Array => {
  const bytes = new Uint8Array(width)
  const view = new DataView(bytes.buffer)
  if (width === 4) view.setUint32(0, value >>> 0, littleEndian)
  else view.setBigUint64(0, BigInt(value), littleEndian)
  return bytes
}

const sha256 = async (bytes: Uint8Array<ArrayBuffer>) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))

/** "Installs" the wallet: imports the key once, never to be exported again, and derives its v4r2 contract. */
export const open = async (keystore: Keystore): Promise<StandInWallet> => {
  const key = await crypto.subtle.importKey("jwk", { ...keystore.jwk }, { name: "Ed25519" }, false, ["sign"])
  const publicKey = fromBase64Url(keystore.jwk.x)
  const contract = WalletContractV4.create({ workchain: 0, publicKey: Buffer.from(publicKey) })
  const address = contract.address.toRawString()
  const [workchain, hash] = address.split(":") as [string, string]
  const account: TonAddressItemReply = {
    name: "ton_addr",
    address,
    network: "-239",
    publicKey: toHex(publicKey),
    walletStateInit: beginCell().store(storeStateInit(contract.init)).endCell().toBoc().toString("base64")
  }
  let declining = false
  let id = 0

  const tonProof = async (domain: string, payload: string): Promise<TonProofItemReply> => {
    const timestamp = Math.floor(Date.now() / 1000)
    const domainBytes = utf8(domain)
    const message = join(
      utf8("ton-proof-item-v2/"),
      integer(4, Number(workchain), false),
      fromHex(hash),
      integer(4, domainBytes.length, true),
      domainBytes,
      integer(8, timestamp, true),
      utf8(payload)
    )
    const signed = await sha256(join(new Uint8Array([0xff, 0xff]), utf8("ton-connect"), await sha256(message)))
    const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, signed))
    return {
      name: "ton_proof",
      proof: {
        timestamp,
        domain: { lengthBytes: domainBytes.length, value: domain },
        payload,
        signature: toBase64(signature)
      }
    }
  }

  return {
    declineNext: (value) => void (declining = value),
    connect: async (request) => {
      id += 1
      if (declining) return { event: "connect_error", id, payload: { code: 300, message: "User declined" } }
      // The manifest's `url` is the dApp's origin here; its host is the domain the proof names.
      const domain = new URL(request.manifestUrl).hostname
      const items: Array<TonAddressItemReply | TonProofItemReply> = []
      for (const item of request.items) {
        items.push(item.name === "ton_addr" ? account : await tonProof(domain, item.payload))
      }
      return {
        event: "connect",
        id,
        payload: {
          items,
          device: {
            platform: "linux",
            appName: "authfx-stand-in",
            appVersion: "0.1.0",
            maxProtocolVersion: 2,
            features: ["SendTransaction"]
          }
        }
      }
    }
  }
}
