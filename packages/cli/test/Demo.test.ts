import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Demo from "../src/Demo.js"

describe("authfx demo", () => {
  it.live("runs every step and reports it in the table", () =>
    Effect.gen(function*() {
      const rows = yield* Demo.run
      assert.strictEqual(rows.length, 1)
      const [row] = rows
      assert.strictEqual(row!.provider, "example")
      assert.strictEqual(row!.replays, 1)
      assert.isAtLeast(row!.refreshes, 2)
      assert.strictEqual(row!.outcome, "typed CredentialsRejected")
      const text = Demo.table(rows)
      assert.match(text, /^provider\s+logins\s+refreshes\s+replays\s+requests\s+outcome/)
      assert.notInclude(text, "example-token")
    }))
})
