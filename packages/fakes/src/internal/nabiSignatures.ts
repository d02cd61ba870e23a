/**
 * How the Nabi fake checks what a wallet signed: a raw Ed25519 signature over
 * the nonce, a TON Connect `ton_proof` or a TON Connect `signData` of a text.
 * The byte layouts are written here from TON Connect's specification, on
 * purpose apart from the client's (`@authfx/protocol/TonProof`): a fake that
 * shared the client's reading of the specification would accept its mistakes.
 */
import { Address, Cell, contractAddress, loadStateInit } from "@ton/core"
import { signVerify } from "@ton/crypto"
import { createHash } from "node:crypto"

/** The 4-byte big-endian workchain and the 32-byte hash of a raw address. */
const accountId = (address: Address): Buffer => {
  const workchain = Buffer.alloc(4)
  workchain.writeInt32BE(address.workChain)
  return Buffer.concat([workchain, address.hash])
}

const sha256 = (bytes: Buffer): Buffer => createHash("sha256").update(bytes).digest()

/**
 * What a wallet signs for a `ton_proof`, from TON Connect's specification
 * (ton-connect/docs requests-responses.md, "Address proof signature"): the
 * domain length (32 bits) and the timestamp (64 bits) little endian, as the
 * reference verifier (ton-connect/sdk `TonProofService`) reads them.
 */
const tonProofHash = (address: Address, domain: string, timestamp: number, payload: string): Buffer => {
  const domainBytes = Buffer.from(domain, "utf8")
  const length = Buffer.alloc(4)
  length.writeUInt32LE(domainBytes.length)
  const time = Buffer.alloc(8)
  time.writeBigUInt64LE(BigInt(timestamp))
  const message = Buffer.concat([
    Buffer.from("ton-proof-item-v2/", "utf8"),
    accountId(address),
    length,
    domainBytes,
    time,
    Buffer.from(payload, "utf8")
  ])
  return sha256(Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.from("ton-connect", "utf8"), sha256(message)]))
}

/**
 * What a wallet signs for a `signData` of a text, from TON Connect's `signData`
 * specification (docs.ton.org "How to sign data"): every integer big endian.
 */
const signDataHash = (address: Address, domain: string, timestamp: number, text: string): Buffer => {
  const domainBytes = Buffer.from(domain, "utf8")
  const textBytes = Buffer.from(text, "utf8")
  const domainLength = Buffer.alloc(4)
  domainLength.writeUInt32BE(domainBytes.length)
  const time = Buffer.alloc(8)
  time.writeBigUInt64BE(BigInt(timestamp))
  const textLength = Buffer.alloc(4)
  textLength.writeUInt32BE(textBytes.length)
  return sha256(Buffer.concat([
    Buffer.from([0xff, 0xff]),
    Buffer.from("ton-connect/sign-data/", "utf8"),
    accountId(address),
    domainLength,
    domainBytes,
    time,
    Buffer.from("txt", "utf8"),
    textLength,
    textBytes
  ]))
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const parseAddress = (value: unknown): Address | undefined => {
  if (typeof value !== "string") return undefined
  try {
    return Address.parse(value)
  } catch {
    return undefined
  }
}

/** A timestamp sent as a number (the SDK's type) or a decimal string (the specification's wire type). */
const seconds = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isSafeInteger(value)
    ? value
    : typeof value === "string" && /^\d{1,15}$/.test(value)
    ? Number(value)
    : undefined

const decodeSignature = (signed: string, as: "hex" | "base64"): Buffer | undefined => {
  if (as === "hex") return /^[0-9a-fA-F]{128}$/.test(signed) ? Buffer.from(signed, "hex") : undefined
  if (!/^[A-Za-z0-9+/_-]{86}(==)?$/.test(signed)) return undefined
  return Buffer.from(signed, "base64")
}

const verifies = (message: Buffer, signature: Buffer | undefined, publicKey: Uint8Array | undefined) =>
  signature !== undefined && publicKey !== undefined && signVerify(message, signature, Buffer.from(publicKey))

/** How the fake reads `signedMessage`, and the accounts it knows. */
export interface Verifier {
  readonly accounts: ReadonlyMap<string, Uint8Array>
  readonly mode: "raw" | "ton_proof" | "sign_data"
  readonly encoding: "hex" | "base64"
  /** Whether a `ton_proof`/`signData` of this Unix time is recent enough. */
  readonly fresh: (timestamp: number | undefined) => boolean
  /** Whether a `ton_proof`/`signData` may name this dApp domain. */
  readonly domainAllowed: (domain: unknown) => domain is string
}

/**
 * The address whose key signed `nonce` into `signedMessage`, or undefined.
 * `claimed` is getToken's `address` when the schema has the field.
 */
export const signerOf = (
  verifier: Verifier,
  nonce: string,
  signedMessage: string,
  claimed: string | undefined
): string | undefined => {
  const { accounts, domainAllowed, fresh } = verifier
  if (verifier.mode === "raw") {
    // The most likely reading of "signed using your TON wallet" for a key holder: Ed25519 over the nonce's
    // UTF-8 bytes (@ton/crypto `sign`), checked with the key registered for the address. Without getToken's
    // address (the document's example), the key is found among the registered accounts.
    const signature = decodeSignature(signedMessage, verifier.encoding)
    const candidates = claimed !== undefined ? [claimed] : [...accounts.keys()]
    return candidates.find((address) => verifies(Buffer.from(nonce, "utf8"), signature, accounts.get(address)))
  }
  const body = record(parseJson(signedMessage))
  if (body === undefined) return undefined
  const address = parseAddress(body["address"])
  if (address === undefined) return undefined
  const raw = address.toRawString()
  // getToken's address, when sent, must be the one that signed.
  if (claimed !== undefined && claimed !== raw) return undefined
  // The registered key plays the part of the wallet's `get_public_key`, which
  // the specification says a verifier asks the contract deployed at the address.
  const publicKey = accounts.get(raw)
  if (publicKey === undefined) return undefined
  const stated = body["public_key"]
  if (stated !== undefined && stated !== Buffer.from(publicKey).toString("hex")) return undefined
  if (verifier.mode === "ton_proof") {
    // TON Connect backend checkProof request: { address, network, public_key, proof: { …, state_init } }.
    const proof = record(body["proof"])
    const domain = record(proof?.["domain"])
    const timestamp = seconds(proof?.["timestamp"])
    if (proof === undefined || domain === undefined || typeof proof["signature"] !== "string") return undefined
    // The payload is the server's challenge: here, the nonce.
    if (proof["payload"] !== nonce) return undefined
    if (!domainAllowed(domain["value"])) return undefined
    // `lengthBytes` is the UTF-8 length of the domain (specification, "AppDomain").
    if (domain["lengthBytes"] !== Buffer.byteLength(domain["value"], "utf8")) return undefined
    if (!fresh(timestamp)) return undefined
    // The reference verifier's step 2.3: the address is the hash of the state_init sent.
    if (typeof proof["state_init"] !== "string") return undefined
    try {
      const init = loadStateInit(Cell.fromBase64(proof["state_init"]).beginParse())
      if (!contractAddress(address.workChain, init).equals(address)) return undefined
    } catch {
      return undefined
    }
    const hash = tonProofHash(address, domain["value"], timestamp!, nonce)
    return verifies(hash, decodeSignature(proof["signature"], "base64"), publicKey) ? raw : undefined
  }
  // signData answer (TON Connect SDK `SignDataResponse`): { signature, address, timestamp, domain, payload }.
  // The text must be the nonce, the domain allowed and the signature fresh, as for ton_proof.
  const payload = record(body["payload"])
  const timestamp = seconds(body["timestamp"])
  if (payload?.["type"] !== "text" || payload["text"] !== nonce) return undefined
  if (!domainAllowed(body["domain"]) || !fresh(timestamp) || typeof body["signature"] !== "string") return undefined
  const hash = signDataHash(address, body["domain"], timestamp!, nonce)
  return verifies(hash, decodeSignature(body["signature"], "base64"), publicKey) ? raw : undefined
}
