import { keyPairFromSeed, sign } from "@ton/crypto"
import { assert, describe, it } from "vitest"
import * as Nabi from "../src/Nabi.js"

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
