import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Demo from "../src/Demo.js"

describe("authfx demo", () => {
  it.live("runs every provider's pipeline and reports it in the table", () =>
    Effect.gen(function*() {
      const rows = yield* Demo.run
      assert.deepStrictEqual(rows.map((r) => r.provider), ["nandbox", "nabi", "whatsgate", "gunbot", "terabox"])
      assert.isTrue(Demo.allOk(rows), Demo.table(rows))
      const whatsgate = rows[2]!
      assert.deepStrictEqual([whatsgate.logins, whatsgate.refreshes, whatsgate.replays], [1, 1, 1])
      const gunbot = rows[3]!
      // A first login, a proactive one before exp, and one after the revocation.
      assert.deepStrictEqual([gunbot.logins, gunbot.replays], [3, 1])
      const text = Demo.table(rows)
      assert.match(text, /^provider\s+logins\s+refreshes\s+replays\s+requests\s+outcome/)
      assert.notInclude(text, "ENC:")
      const nabi = rows[1]!
      // One signed login; renewals by refresh token, one of them after the expiry.
      assert.strictEqual(nabi.logins, 1)
      assert.isAtLeast(nabi.refreshes, 2)
      assert.strictEqual(nabi.replays, 1)
      const nandbox = rows[0]!
      // A first authentication, one after the outage, one after the rotation.
      assert.deepStrictEqual([nandbox.logins, nandbox.refreshes], [1, 2])
      const terabox = rows[4]!
      // One session from the page, renewed after the rotation and after the move.
      assert.deepStrictEqual([terabox.logins, terabox.refreshes, terabox.replays], [1, 2, 2])
    }), 30_000)
})
