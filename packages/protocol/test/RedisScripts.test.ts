import { assert, describe, it } from "vitest"
import * as RedisScripts from "../src/RedisScripts.js"

describe("RedisScripts", () => {
  it("a credential's keys share one hash tag; braces in a key cannot end it", () => {
    assert.deepStrictEqual(RedisScripts.names("authfx", "nabi/{x}", "lease"), {
      lock: "authfx:{nabi/_x_}:lease",
      record: "authfx:{nabi/_x_}:session",
      channel: "authfx:{nabi/_x_}:generation"
    })
    const channels = RedisScripts.channels("authfx")
    assert.strictEqual(channels.pattern, "authfx:{*}:generation")
    assert.strictEqual(channels.keyOf("authfx:{nabi/_x_}:generation"), "nabi/_x_")
    assert.isUndefined(channels.keyOf("other:{k}:generation"))
  })

  it("replies read as records: absent, readable, or unreadable with the server's problem", () => {
    assert.deepStrictEqual(RedisScripts.leaseAttemptOf([1, 500, "", "", ""]), {
      held: true,
      record: undefined,
      ttlMillis: 500
    })
    assert.deepStrictEqual(RedisScripts.leaseAttemptOf([0, -2, "3", "p", ""]), {
      held: false,
      record: { generation: 3, payload: "p" },
      ttlMillis: 0
    })
    assert.deepStrictEqual(RedisScripts.leaseAttemptOf([0, 10, "", "", "the key holds a list, not a hash"]).record, {
      generation: -1,
      payload: "",
      problem: "the key holds a list, not a hash"
    })
    assert.strictEqual(RedisScripts.recordOf("9007199254740993", "p", "")?.generation, -1)
    assert.deepStrictEqual(RedisScripts.commitResultOf([1, "4"]), { committed: true, generation: 4 })
    assert.deepStrictEqual(RedisScripts.commitResultOf([0, "4", "p", ""]), {
      committed: false,
      record: { generation: 4, payload: "p" }
    })
  })

  it("refused credentials and permissions are told from outages; descriptions are short", () => {
    for (const message of ["NOAUTH Authentication required.", "WRONGPASS invalid username-password pair", "NOPERM x"]) {
      assert.isTrue(RedisScripts.isAuthenticationError(new Error(message)), message)
    }
    assert.isFalse(RedisScripts.isAuthenticationError(new Error("Connection is closed.")))
    assert.isFalse(RedisScripts.isAuthenticationError("NOAUTH"))
    assert.isTrue(RedisScripts.isCommandTimeout(new Error("Command timed out")))
    assert.strictEqual(RedisScripts.describe(new Error("x".repeat(500))).length, "Error: ".length + 120)
    assert.strictEqual(RedisScripts.describe({ password: "p" }), "unknown error")
  })
})
