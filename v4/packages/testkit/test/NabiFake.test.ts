import { assert, describe, it } from "@effect/vitest"
import { beginCell, storeStateInit } from "@ton/core"
import { mnemonicToPrivateKey, sign } from "@ton/crypto"
import { WalletContractV3R2, WalletContractV4, WalletContractV5R1 } from "@ton/ton"
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import * as NabiFake from "../src/NabiFake.js"

/** A plain `fetch` against the fake: the testkit never imports a provider package. */
const graphql = (url: string, query: string) =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query })
    })
    return { status: response.status, body: await response.json() as any }
  })

const keys = Effect.promise(() => mnemonicToPrivateKey(NabiFake.demoAccount.mnemonic.split(" ")))

const nonce = (url: string) =>
  Effect.map(
    graphql(url, "query { generateNonce { id nonce timestamp } }"),
    (answer) => answer.body.data.generateNonce as { id: string; nonce: string }
  )

const getToken = (url: string, request: Record<string, string>) =>
  graphql(
    url,
    `query { getToken(request: { ${
      Object.entries(request).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")
    } }) { accessToken refreshToken } }`
  )

/**
 * A ton_proof made here as a wallet app makes it, from TON Connect's
 * specification — a third writing of the layout, beside the client's and the
 * fake's.
 */
const tonProof = (
  secretKey: Buffer,
  address: { workChain: number; hash: Buffer },
  domain: string,
  timestamp: number,
  payload: string
) => {
  const head = Buffer.from("ton-proof-item-v2/")
  const wc = Buffer.from([0, 0, 0, 0])
  wc.writeInt32BE(address.workChain)
  const len = Buffer.alloc(4)
  len.writeUInt32LE(Buffer.byteLength(domain))
  const ts = Buffer.alloc(8)
  ts.writeBigUInt64LE(BigInt(timestamp))
  const inner = createHash("sha256").update(
    Buffer.concat([head, wc, address.hash, len, Buffer.from(domain), ts, Buffer.from(payload)])
  ).digest()
  const outer = createHash("sha256").update(
    Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.from("ton-connect"), inner])
  )
    .digest()
  return sign(outer, secretKey).toString("base64")
}

describe("NabiFake (v4)", () => {
  it.effect("the demo account's addresses are the real v3r2/v4r2/v5r1 wallets of its key", () =>
    Effect.gen(function*() {
      const { publicKey } = yield* keys
      assert.strictEqual(publicKey.toString("hex"), NabiFake.demoAccount.publicKeyHex)
      const derived = {
        v3r2: WalletContractV3R2.create({ workchain: 0, publicKey }).address.toRawString(),
        v4r2: WalletContractV4.create({ workchain: 0, publicKey }).address.toRawString(),
        v5r1: WalletContractV5R1.create({ workchain: 0, publicKey }).address.toRawString()
      }
      assert.deepStrictEqual(derived, { ...NabiFake.demoAccount.addresses })
      assert.strictEqual(NabiFake.demoAccount.address, derived.v4r2)
    }))

  it.live("env() names the real address and the mode; a raw hex signature over the nonce logs in", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make()
      assert.strictEqual(fake.env()["NABI_ADDRESS"], NabiFake.demoAccount.address)
      assert.strictEqual(fake.env()["NABI_SIGNATURE_MODE"], "raw")
      const { secretKey } = yield* keys
      const issued = yield* nonce(fake.url)
      const ok = yield* getToken(fake.url, {
        id: issued.id,
        address: NabiFake.demoAccount.address,
        signedMessage: sign(Buffer.from(issued.nonce), secretKey).toString("hex")
      })
      assert.isString(ok.body.data.getToken.accessToken)
      // The nonce is single-use.
      const again = yield* getToken(fake.url, {
        id: issued.id,
        address: NabiFake.demoAccount.address,
        signedMessage: sign(Buffer.from(issued.nonce), secretKey).toString("hex")
      })
      assert.strictEqual(again.body.errors[0].extensions.code, "INVALID_NONCE")
    }))

  it.live("ton_proof: the checkProof body is verified the way TON Connect's reference verifier does", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make({ signatureMode: "ton_proof" })
      const { publicKey, secretKey } = yield* keys
      const wallet = WalletContractV4.create({ workchain: 0, publicKey })
      const stateInit = beginCell().store(storeStateInit(wallet.init)).endCell().toBoc().toString("base64")
      const otherInit = beginCell().store(storeStateInit(WalletContractV3R2.create({ workchain: 0, publicKey }).init))
        .endCell().toBoc().toString("base64")
      const now = Math.floor(Date.now() / 1000)
      const attempt = (change: { domain?: string; timestamp?: number; payload?: string; stateInit?: string }) =>
        Effect.gen(function*() {
          const issued = yield* nonce(fake.url)
          const domain = change.domain ?? "127.0.0.1"
          const timestamp = change.timestamp ?? now
          const payload = change.payload ?? issued.nonce
          const body = {
            address: wallet.address.toRawString(),
            network: "-239",
            public_key: publicKey.toString("hex"),
            proof: {
              timestamp,
              domain: { lengthBytes: Buffer.byteLength(domain), value: domain },
              payload,
              signature: tonProof(secretKey, wallet.address, domain, timestamp, payload),
              state_init: change.stateInit ?? stateInit
            }
          }
          const answer = yield* getToken(fake.url, {
            id: issued.id,
            address: wallet.address.toRawString(),
            signedMessage: JSON.stringify(body)
          })
          return answer.body.errors?.[0]?.extensions?.code ?? "OK"
        })
      assert.strictEqual(yield* attempt({}), "OK")
      // Each rule, broken alone (the signature always matches what was sent):
      assert.strictEqual(yield* attempt({ domain: "evil.example" }), "INVALID_SIGNATURE")
      assert.strictEqual(yield* attempt({ timestamp: now - 16 * 60 }), "INVALID_SIGNATURE")
      assert.strictEqual(yield* attempt({ payload: "another payload" }), "INVALID_SIGNATURE")
      assert.strictEqual(yield* attempt({ stateInit: otherInit }), "INVALID_SIGNATURE")
      assert.deepStrictEqual([fake.counters.logins, fake.counters.badSignatures], [1, 4])
    }))

  it.live("getTokenInput and validationErrors: the shape the schema takes and how a refusal is answered", () =>
    Effect.gen(function*() {
      const without = yield* NabiFake.make({ getTokenInput: "without-address", validationErrors: "apollo" })
      const { secretKey } = yield* keys
      const issued = yield* nonce(without.url)
      const signedMessage = sign(Buffer.from(issued.nonce), secretKey).toString("hex")
      const refused = yield* getToken(without.url, {
        id: issued.id,
        address: NabiFake.demoAccount.address,
        signedMessage
      })
      assert.strictEqual(refused.status, 400)
      assert.strictEqual(refused.body.errors[0].extensions.code, "GRAPHQL_VALIDATION_FAILED")
      assert.include(refused.body.errors[0].message, "\"address\"")
      // Validation runs before any resolver: the nonce is still good, and the key is found without an address.
      const ok = yield* getToken(without.url, { id: issued.id, signedMessage })
      assert.isString(ok.body.data.getToken.accessToken)
      assert.deepStrictEqual([without.counters.invalidRequests, without.counters.logins], [1, 1])

      const plain = yield* NabiFake.make()
      const plainRefusal = yield* graphql(plain.url, "query { generateNonce { id colour } }")
      assert.strictEqual(plainRefusal.status, 200)
      assert.isUndefined(plainRefusal.body.errors[0].extensions)
    }))

  it.live("authenticated operations: 401 without a valid access token, 400 for a profile of another address", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make()
      const { secretKey } = yield* keys
      const issued = yield* nonce(fake.url)
      const tokens = yield* getToken(fake.url, {
        id: issued.id,
        address: NabiFake.demoAccount.address,
        signedMessage: sign(Buffer.from(issued.nonce), secretKey).toString("hex")
      })
      const access: string = tokens.body.data.getToken.accessToken
      const call = (query: string, token: string | undefined) =>
        Effect.promise(async () => {
          const response = await fetch(fake.url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              ...(token !== undefined ? { authorization: `Bearer ${token}` } : {})
            },
            body: JSON.stringify({ query })
          })
          return { status: response.status, body: await response.json() as any }
        })
      const mine = yield* call("query { myProfiles { id } }", access)
      assert.deepStrictEqual([mine.status, mine.body.data.myProfiles], [200, [{ id: "p-demo" }]])
      const none = yield* call("query { myProfiles { id } }", undefined)
      assert.deepStrictEqual([none.status, none.body.errors[0].extensions.code], [401, "UNAUTHENTICATED"])
      const other = yield* call("mutation { updateProfile(request: { id: \"p-other\", name: \"x\" }) { id } }", access)
      assert.deepStrictEqual([other.status, other.body.errors[0].extensions], [400, {
        code: "PROFILE_MISMATCH",
        profileId: "p-other"
      }])
      fake.expireAccessTokens()
      assert.strictEqual((yield* call("query { myProfiles { id } }", access)).status, 401)
      assert.deepStrictEqual([fake.counters.unauthorized, fake.counters.mismatches, fake.counters.authorized], [
        2,
        1,
        2
      ])
      // A refresh token that is not single-use is accepted again; another path is a 404 and not counted.
      const refresh = (token: string) =>
        graphql(fake.url, `query { refreshToken(request: { token: ${JSON.stringify(token)} }) { token refreshToken } }`)
      const refreshed = yield* refresh(tokens.body.data.getToken.refreshToken)
      assert.isString(refreshed.body.data.refreshToken.token)
      assert.isNull(refreshed.body.data.refreshToken.refreshToken)
      const before = fake.counters.requests
      const notFound = yield* Effect.promise(() => fetch(fake.url.replace("/graphql", "/other"), { method: "POST" }))
      assert.deepStrictEqual([notFound.status, fake.counters.requests], [404, before])
    }))

  it.live("singleUseRefreshToken: a spent refresh token is refused, the rotated one accepted", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make({ singleUseRefreshToken: true })
      const { secretKey } = yield* keys
      const issued = yield* nonce(fake.url)
      const tokens = yield* getToken(fake.url, {
        id: issued.id,
        address: NabiFake.demoAccount.address,
        signedMessage: sign(Buffer.from(issued.nonce), secretKey).toString("hex")
      })
      const refresh = (token: string) =>
        graphql(fake.url, `query { refreshToken(request: { token: ${JSON.stringify(token)} }) { token refreshToken } }`)
      const first = yield* refresh(tokens.body.data.getToken.refreshToken)
      const rotated: string = first.body.data.refreshToken.refreshToken
      assert.isString(rotated)
      const spent = yield* refresh(tokens.body.data.getToken.refreshToken)
      assert.strictEqual(spent.body.errors[0].extensions.code, "INVALID_REFRESH_TOKEN")
      assert.isString((yield* refresh(rotated)).body.data.refreshToken.token)
      assert.deepStrictEqual([fake.counters.refreshes, fake.counters.refusedRefreshes], [2, 1])
    }))
})
