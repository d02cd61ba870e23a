import { assert, describe, it } from "vitest"
import * as Gunbot from "../src/Gunbot.js"
import * as WhatsGate from "../src/WhatsGate.js"

const refused = (url: string) => fetch(url).then((r) => r.status, () => "refused")

describe("the fakes without Effect: start resolves to the whole interface, close stops the server", () => {
  it("WhatsGate: the token check, a fault, the counters, a JSON 404 for an unknown path; closed, it refuses", async () => {
    const fake = await WhatsGate.start({ token: "t" })
    try {
      const status = `${fake.url}/status/${fake.device}`
      assert.strictEqual((await fetch(status)).status, 403)
      fake.failNext(1, 503)
      assert.strictEqual((await fetch(status, { headers: { "access-token": "t" } })).status, 503)
      assert.deepStrictEqual(await (await fetch(status, { headers: { "access-token": "t" } })).json(), {
        success: true,
        message: "connected"
      })
      const unknown = await fetch(`${fake.url}/nope`)
      assert.deepStrictEqual([unknown.status, await unknown.json()], [404, { message: "Not Found" }])
      // A malformed escape names no device: not found, not a 500.
      assert.strictEqual((await fetch(`${fake.url}/status/%E0%A4%A`, { headers: { "access-token": "t" } })).status, 404)
      assert.deepStrictEqual({ ...fake.counters }, { requests: 3, rejected: 0, missing: 1, sent: 0, regenerations: 0 })
      assert.deepStrictEqual(fake.env().WHATSGATE_ACCESS_TOKEN, "t")
    } finally {
      await fake.close()
    }
    assert.strictEqual(await refused(fake.url), "refused")
  })

  it("Gunbot: the ENC: login, a bearer call, Express's 404 page; closed, it refuses", async () => {
    const fake = await Gunbot.start()
    try {
      const login = await fetch(`${fake.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ password: fake.encryptedPassword() })
      })
      const { status, token } = await login.json() as { status: string; token: string }
      assert.strictEqual(status, "success")
      const authorized = await fetch(`${fake.url}/api/v1/auth/status`, {
        headers: { authorization: `Bearer ${token}` }
      })
      assert.strictEqual(authorized.status, 200)
      fake.revokeTokens()
      const revoked = await fetch(`${fake.url}/api/v1/auth/status`, { headers: { authorization: `Bearer ${token}` } })
      assert.strictEqual(revoked.status, 401)
      const unknown = await fetch(`${fake.url}/api/v1/nope`, { method: "POST" })
      assert.deepStrictEqual([unknown.status, (await unknown.text()).includes("Cannot POST /api/v1/nope")], [404, true])
      assert.deepStrictEqual([fake.counters.logins, fake.counters.authorized, fake.counters.rejected], [1, 1, 1])
      assert.strictEqual(fake.counters.notFound, 1)
    } finally {
      await fake.close()
    }
    assert.strictEqual(await refused(fake.url), "refused")
  })
})
