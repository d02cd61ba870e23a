/**
 * What the testkit's `NabiFake` adds to `@authfx/fakes`' Nabi fake: `make(options)` runs it for the life of a scope
 * with the options passed through and the `FakeServer.Cors` setting in effect, and closing the scope stops it; and
 * two protocol cases that need `@ton/ton` (which `@authfx/fakes` does not depend on): the demo account's wallets and
 * the ton_proof check. The rest of the protocol is tested once, without Effect, in `packages/fakes/test/nabi.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { beginCell, storeStateInit } from "@ton/core"
import { mnemonicToPrivateKey, sign } from "@ton/crypto"
import { WalletContractV3R2, WalletContractV4, WalletContractV5R1 } from "@ton/ton"
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import * as FakeServer from "../src/FakeServer.js"
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

  it.live("make runs the fake for the life of the scope with the options given; closing the scope stops it", () =>
    Effect.gen(function*() {
      const page = "http://127.0.0.1:5173"
      const url = yield* Effect.scoped(Effect.gen(function*() {
        const fake = yield* NabiFake.make({ signatureMode: "ton_proof", validationErrors: "apollo" }).pipe(
          Effect.provideService(FakeServer.Cors, [page])
        )
        assert.isFalse("close" in fake, "the scope, not the caller, closes the fake")
        assert.strictEqual(fake.env()["NABI_SIGNATURE_MODE"], "ton_proof")
        // The options and the FakeServer.Cors setting reached the fake: Apollo's 400 for a query the schema refuses,
        // with the page's origin allowed.
        const invalid = yield* Effect.promise(() =>
          fetch(fake.url, {
            method: "POST",
            headers: { "content-type": "application/json", origin: page },
            body: JSON.stringify({ query: "{ nope }" })
          })
        )
        assert.deepStrictEqual([invalid.status, invalid.headers.get("access-control-allow-origin")], [400, page])
        return fake.url
      }))
      const after = yield* Effect.promise(() => fetch(url).then((r) => r.status, () => "refused"))
      assert.strictEqual(after, "refused")
    }))
})
