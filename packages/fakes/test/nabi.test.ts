import { keyPairFromSeed, mnemonicToPrivateKey, sign } from "@ton/crypto"
import { assert, describe, it } from "vitest"
import * as Nabi from "../src/Nabi.js"
import { using } from "./utils.js"

const refused = (url: string) => fetch(url).then((r) => r.status, () => "refused")

const post = async (url: string, query: string, variables?: unknown, token?: string) => {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {})
    },
    body: JSON.stringify({ query, variables })
  })
  return { status: response.status, body: await response.json() as any }
}

const nonceQuery = "{ generateNonce { id nonce timestamp } }"
const tokenQuery = "mutation($r: GetTokenInput!) { getToken(request: $r) { accessToken refreshToken } }"

// A key of this test's own (not the demo account's): the fake checks against whatever key an account registers.
const keys = keyPairFromSeed(Buffer.alloc(32, 7))
const address = "0:" + "ab".repeat(32)

describe("Nabi without Effect: start resolves to the whole interface, close stops the server", () => {
  it("a raw Ed25519 login over the nonce, a profile call, 401 once expired, a spent nonce, counters", async () => {
    const fake = await Nabi.start({ accounts: [{ address, publicKey: keys.publicKey }] })
    try {
      const { body: { data: { generateNonce } } } = await post(fake.url, nonceQuery)
      const signedMessage = sign(Buffer.from(generateNonce.nonce, "utf8"), keys.secretKey).toString("hex")
      const login = await post(fake.url, tokenQuery, { r: { id: generateNonce.id, address, signedMessage } })
      const { accessToken, refreshToken } = login.body.data.getToken
      assert.isString(refreshToken)
      const mine = await post(fake.url, "{ myProfiles { id owner } }", undefined, accessToken)
      assert.deepStrictEqual(mine.body.data.myProfiles, [{ id: "p-demo", owner: address }])
      // Nabi: a nonce is single-use.
      const again = await post(fake.url, tokenQuery, { r: { id: generateNonce.id, address, signedMessage } })
      assert.strictEqual(again.body.errors[0].extensions.code, "INVALID_NONCE")
      // Nabi: an expired access token meets HTTP 401; another address's profile meets 400.
      const other = await post(
        fake.url,
        "mutation { updateProfile(request: { id: \"p-other\", name: \"x\" }) { id } }",
        undefined,
        accessToken
      )
      assert.strictEqual(other.status, 400)
      fake.expireAccessTokens()
      assert.strictEqual((await post(fake.url, "{ myProfiles { id } }", undefined, accessToken)).status, 401)
      const refreshed = await post(
        fake.url,
        "mutation($r: RefreshTokenInput!) { refreshToken(request: $r) { token } }",
        {
          r: { token: refreshToken }
        }
      )
      assert.isString(refreshed.body.data.refreshToken.token)
      assert.deepStrictEqual(
        [fake.counters.logins, fake.counters.badNonces, fake.counters.unauthorized, fake.counters.mismatches],
        [1, 1, 1, 1]
      )
      assert.strictEqual(fake.counters.refreshes, 1)
      assert.strictEqual(fake.env().NABI_URL, fake.url)
    } finally {
      await fake.close()
    }
    assert.strictEqual(await refused(fake.url), "refused")
  })

  it("a wrong signature and a schema refusal (graphql-js 200, Apollo 400), a fault, a JSON 404", async () => {
    for (const validationErrors of ["graphql-js", "apollo"] as const) {
      const fake = await Nabi.start({ accounts: [{ address, publicKey: keys.publicKey }], validationErrors })
      try {
        const { body: { data: { generateNonce } } } = await post(fake.url, nonceQuery)
        const wrong = sign(Buffer.from("not the nonce", "utf8"), keys.secretKey).toString("hex")
        const bad = await post(fake.url, tokenQuery, { r: { id: generateNonce.id, address, signedMessage: wrong } })
        assert.strictEqual(bad.body.errors[0].extensions.code, "INVALID_SIGNATURE")
        const invalid = await post(fake.url, "{ nope }")
        assert.strictEqual(invalid.status, validationErrors === "apollo" ? 400 : 200)
        assert.isAbove(invalid.body.errors.length, 0)
        fake.failNext(1, 503)
        assert.strictEqual((await post(fake.url, nonceQuery)).status, 503)
        const unknown = await fetch(fake.url.replace(/\/graphql$/, "/nope"))
        assert.deepStrictEqual([unknown.status, await unknown.json()], [404, { message: "Not Found" }])
        assert.deepStrictEqual([fake.counters.badSignatures, fake.counters.invalidRequests], [1, 1])
      } finally {
        await fake.close()
      }
    }
  })
})

/**
 * The demo account and the switches, as both testkits' `NabiFake` tests had them (moved here once both lines'
 * wrappers were found to run this same fake). The demo account's wallet derivation and the ton_proof check stay in
 * the testkits: they need `@ton/ton`, which this package does not depend on.
 */
describe("Nabi.start: the demo account, authenticated operations and the switches", () => {
  const demoKeys = () => mnemonicToPrivateKey(Nabi.demoAccount.mnemonic.split(" "))

  const nonce = async (url: string) =>
    (await post(url, "query { generateNonce { id nonce timestamp } }")).body.data.generateNonce as {
      id: string
      nonce: string
    }

  /** `getToken` with its request written inline, as a client without variables sends it. */
  const getToken = (url: string, request: Record<string, string>) =>
    post(
      url,
      `query { getToken(request: { ${
        Object.entries(request).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")
      } }) { accessToken refreshToken } }`
    )

  /** A login of the demo account with a raw hex signature over the nonce. */
  const login = async (url: string) => {
    const { secretKey } = await demoKeys()
    const issued = await nonce(url)
    return getToken(url, {
      id: issued.id,
      address: Nabi.demoAccount.address,
      signedMessage: sign(Buffer.from(issued.nonce), secretKey).toString("hex")
    })
  }

  const refresh = (url: string, token: string) =>
    post(url, `query { refreshToken(request: { token: ${JSON.stringify(token)} }) { token refreshToken } }`)

  it("env() names the demo account's address and the mode; a raw hex signature over the nonce logs in, once", () =>
    using(Nabi.start, {}, async (fake) => {
      assert.strictEqual(fake.env()["NABI_ADDRESS"], Nabi.demoAccount.address)
      assert.strictEqual(fake.env()["NABI_SIGNATURE_MODE"], "raw")
      const { secretKey } = await demoKeys()
      const issued = await nonce(fake.url)
      const request = {
        id: issued.id,
        address: Nabi.demoAccount.address,
        signedMessage: sign(Buffer.from(issued.nonce), secretKey).toString("hex")
      }
      assert.isString((await getToken(fake.url, request)).body.data.getToken.accessToken)
      // The nonce is single-use.
      assert.strictEqual((await getToken(fake.url, request)).body.errors[0].extensions.code, "INVALID_NONCE")
    }))

  it("getTokenInput and validationErrors: the shape the schema takes and how a refusal is answered", async () => {
    using(Nabi.start, { getTokenInput: "without-address", validationErrors: "apollo" }, async (without) => {
      const { secretKey } = await demoKeys()
      const issued = await nonce(without.url)
      const signedMessage = sign(Buffer.from(issued.nonce), secretKey).toString("hex")
      const refused = await getToken(without.url, { id: issued.id, address: Nabi.demoAccount.address, signedMessage })
      assert.strictEqual(refused.status, 400)
      assert.strictEqual(refused.body.errors[0].extensions.code, "GRAPHQL_VALIDATION_FAILED")
      assert.include(refused.body.errors[0].message, "\"address\"")
      // Validation runs before any resolver: the nonce is still good, and the key is found without an address.
      const ok = await getToken(without.url, { id: issued.id, signedMessage })
      assert.isString(ok.body.data.getToken.accessToken)
      assert.deepStrictEqual([without.counters.invalidRequests, without.counters.logins], [1, 1])
    })
    using(Nabi.start, {}, async (plain) => {
      const plainRefusal = await post(plain.url, "query { generateNonce { id colour } }")
      assert.strictEqual(plainRefusal.status, 200)
      assert.isUndefined(plainRefusal.body.errors[0].extensions)
    })
  })

  it("authenticated operations: 401 without a valid access token, 400 for a profile of another address", () =>
    using(Nabi.start, {}, async (fake) => {
      const tokens = await login(fake.url)
      const access: string = tokens.body.data.getToken.accessToken
      const mine = await post(fake.url, "query { myProfiles { id } }", undefined, access)
      assert.deepStrictEqual([mine.status, mine.body.data.myProfiles], [200, [{ id: "p-demo" }]])
      const none = await post(fake.url, "query { myProfiles { id } }")
      assert.deepStrictEqual([none.status, none.body.errors[0].extensions.code], [401, "UNAUTHENTICATED"])
      const other = await post(
        fake.url,
        "mutation { updateProfile(request: { id: \"p-other\", name: \"x\" }) { id } }",
        undefined,
        access
      )
      assert.deepStrictEqual([other.status, other.body.errors[0].extensions], [400, {
        code: "PROFILE_MISMATCH",
        profileId: "p-other"
      }])
      fake.expireAccessTokens()
      assert.strictEqual((await post(fake.url, "query { myProfiles { id } }", undefined, access)).status, 401)
      assert.deepStrictEqual([fake.counters.unauthorized, fake.counters.mismatches, fake.counters.authorized], [
        2,
        1,
        2
      ])
      // A refresh token that is not single-use is accepted again; another path is a 404 and not counted.
      const refreshed = await refresh(fake.url, tokens.body.data.getToken.refreshToken)
      assert.isString(refreshed.body.data.refreshToken.token)
      assert.isNull(refreshed.body.data.refreshToken.refreshToken)
      const before = fake.counters.requests
      const notFound = await fetch(fake.url.replace("/graphql", "/other"), { method: "POST" })
      assert.deepStrictEqual([notFound.status, fake.counters.requests], [404, before])
    }))

  it("singleUseRefreshToken: a spent refresh token is refused, the rotated one accepted", () =>
    using(Nabi.start, { singleUseRefreshToken: true }, async (fake) => {
      const tokens = await login(fake.url)
      const first = await refresh(fake.url, tokens.body.data.getToken.refreshToken)
      const rotated: string = first.body.data.refreshToken.refreshToken
      assert.isString(rotated)
      const spent = await refresh(fake.url, tokens.body.data.getToken.refreshToken)
      assert.strictEqual(spent.body.errors[0].extensions.code, "INVALID_REFRESH_TOKEN")
      assert.isString((await refresh(fake.url, rotated)).body.data.refreshToken.token)
      assert.deepStrictEqual([fake.counters.refreshes, fake.counters.refusedRefreshes], [2, 1])
    }))
})
