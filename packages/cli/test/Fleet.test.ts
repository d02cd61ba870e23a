import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Fleet from "../src/Fleet.js"
import * as RedisServer from "../src/internal/redisServer.js"

// Without redis-server this fails (a skipped demo is not a pass), unless AUTHFX_SKIP_REDIS=1 says the machine has
// no way to install it.
const skip = !RedisServer.available() && process.env["AUTHFX_SKIP_REDIS"] === "1"

describe.skipIf(skip)("authfx fleet", () => {
  it.live("4 replicas through a real Redis: 1 login, 1 refresh, 0 refused, one session", () =>
    Effect.gen(function*() {
      const result = yield* Fleet.run
      assert.deepStrictEqual(result, { replicas: 4, logins: 1, refreshes: 1, refused: 0, shared: true })
    }).pipe(Effect.provide(Logger.remove(Logger.defaultLogger))))
})
