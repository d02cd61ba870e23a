import { WhatsGateFake } from "@authfx/testkit"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"

// The code under test: the application's own call to WhatsGate, which retries a 503 twice.
const deviceStatus = (url: string, token: string, device: string) =>
  Effect.gen(function*() {
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.filterStatusOk,
      HttpClient.retryTransient({ times: 2, schedule: Schedule.spaced("10 millis") })
    )
    const response = yield* client.get(`${url}/status/${device}`, { headers: { "Access-Token": token } })
    return yield* HttpClientResponse.schemaBodyJson(Schema.Struct({ message: Schema.String }))(response)
  })

describe("my WhatsGate integration", () => {
  // Real sockets and real time (the retry waits 10 ms): `scopedLive`, not the TestClock of `scoped`.
  it.scopedLive("survives one 503, and sends the token once per attempt", () =>
    Effect.gen(function*() {
      // 1. Start the fake: a real server on 127.0.0.1, port 0, closed with the test's scope.
      const fake = yield* WhatsGateFake.make({ devices: { "100200300": "connected" } })
      // 2. Inject a fault: the next answer is a 503 (dropNext, truncateNext, setDelay… work the same way).
      fake.failNext(1, 503)
      const status = yield* deviceStatus(fake.url, fake.token(), "100200300")
      assert.strictEqual(status.message, "connected")
      // 3. Read its counters: the 503 and the retry reached it; neither was refused for its token.
      assert.strictEqual(fake.counters.requests, 2)
      assert.strictEqual(fake.counters.rejected, 0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
