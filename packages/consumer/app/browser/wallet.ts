// A stand-in for a TON wallet reached through TON Connect, for the browser test. A dApp never sees a
// wallet's key: it asks the connected wallet to sign and gets back a base64 signature, asynchronously
// (the user approves in the wallet app). This stand-in keeps its Ed25519 key non-extractable in WebCrypto
// and answers in the same shapes as TON Connect: `account` (`address` raw, `publicKey` hex) after connecting,
// and `signData` answering `{ signature }` in base64.
//
// What it signs: the Nabi fake on main verifies a raw Ed25519 signature over the nonce, so `signData` here
// signs the payload bytes as they are. A real wallet signs TON Connect's envelope (`ton_proof` or
// `signData`'s prefixed hash); with the `ton_proof` mode of the fidelity work, this file and `signer.ts`
// are the only ones to change.

export interface WalletAccount {
  /** Raw form, `0:<64 hex>`, as TON Connect's `account.address`. */
  readonly address: string
  /** Hex, as TON Connect's `account.publicKey`. */
  readonly publicKey: string
}

export interface Keystore {
  readonly address: string
  readonly jwk: { readonly kty: "OKP"; readonly crv: "Ed25519"; readonly x: string; readonly d: string }
}

export interface ConnectedWallet {
  readonly account: WalletAccount
  /** Resolves with the signature (base64), or rejects when the user declines. */
  readonly signData: (request: { readonly type: "binary"; readonly bytes: string }) => Promise<{
    readonly signature: string
  }>
}

const fromBase64Url = (text: string): Uint8Array =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

/** Base64 of bytes, and back: TON Connect's encoding of payloads and signatures. */
export const base64 = {
  encode: (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)),
  decode: (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}

/** "Connects" the wallet: imports the key once, never to be exported again. */
export const connect = async (keystore: Keystore): Promise<ConnectedWallet> => {
  const key = await crypto.subtle.importKey("jwk", { ...keystore.jwk }, { name: "Ed25519" }, false, ["sign"])
  return {
    account: { address: keystore.address, publicKey: toHex(fromBase64Url(keystore.jwk.x)) },
    signData: async (request) => {
      const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, base64.decode(request.bytes)))
      return { signature: base64.encode(signature) }
    }
  }
}
