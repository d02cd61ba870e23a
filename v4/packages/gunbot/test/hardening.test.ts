/**
 * Gunbot cases of the v3 reliability suite's kind (faults, sizes, origins) that `v4/packages/reliability` does not
 * run, against the v4 client and the v4 `GunbotFake` over loopback with effect 4's `FetchHttpClient`: the faults meet
 * the login (a cold client) rather than a call after a successful one, and a redirect meets the login's encrypted
 * password. The fault matrix, the 64 MiB answers to a call, the first redirect, the unencodable body and the random
 * servers run once, in `v4/packages/reliability` (faults, hardening, badInput), for every HTTP provider.
 */
import { GunbotFake, SecretScan } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import * as GunbotClient from "../src/GunbotClient.js"

const Http = FetchHttpClient.layer
const MiB = 1024 * 1024

/** Three quick retries, as the v3 reliability suite's subjects use: the cases count sends, not wait. */
const quickRetry = Schedule.max([Schedule.spaced("5 millis"), Schedule.recurs(3)])

/** `success`, `Tag(reason)` for a typed failure, `DEFECT` for anything else (the cases assert it never is). */
const outcome = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) return "success"
    const error = Cause.findErrorOption(exit.cause)
    if (error._tag === "None") return Cause.hasInterruptsOnly(exit.cause) ? "INTERRUPTED" : "DEFECT"
    const e = error.value as { readonly _tag?: string; readonly reason?: unknown }
    return typeof e.reason === "string" ? `${e._tag}(${e.reason})` : String(e._tag)
  })

const subject = (
  options: { readonly url?: string; readonly retry?: Schedule.Schedule<unknown, unknown> | false } = {}
) =>
  Effect.gen(function*() {
    const fake = yield* GunbotFake.make({ password: SecretScan.sentinel("gb") })
    const context = yield* Layer.build(
      GunbotClient.layer({
        url: options.url ?? fake.url,
        password: Redacted.make(fake.password()),
        gunthyWallet: Redacted.make(fake.gunthyWallet),
        retry: options.retry ?? quickRetry
      }).pipe(Layer.provide(Http))
    )
    const client = Context.get(context, GunbotClient.GunbotClient)
    return { fake, client, call: client.status }
  })

/** Another origin that records what reaches it. */
const otherOrigin = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly seen: Array<string>; readonly close: () => void }>((resume) => {
    const seen: Array<string> = []
    const server = createServer((request: IncomingMessage, response) => {
      seen.push(`${request.method} ${request.url} ${JSON.stringify(request.headers)}`)
      request.resume()
      response.end("{}")
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, seen, close: () => server.close() }))
    })
  }),
  (other) => Effect.sync(other.close)
)

describe("GunbotClient faults at the login (not in the reliability suite)", () => {
  it.live("the login meets 503 then 200: one retried login, then the call", () =>
    Effect.gen(function*() {
      const { call, fake } = yield* subject()
      fake.failNext(1, 503)
      assert.strictEqual(yield* outcome(call), "success")
      assert.deepStrictEqual([fake.counters.logins, fake.counters.requests], [1, 3])
    }))
})

describe("GunbotClient bounds and origins at the login (not in the reliability suite)", () => {
  it.live("a 64 MiB login answer: ProtocolError(TooLarge), the rest not read", () =>
    Effect.gen(function*() {
      const { call, fake } = yield* subject({ retry: false })
      fake.oversizeNext(1, 64 * MiB)
      assert.strictEqual(yield* outcome(call), "ProtocolError(TooLarge)")
      yield* Effect.sleep(Duration.millis(50))
      assert.isBelow(fake.oversizeBytesWritten(), 32 * MiB)
    }), 20_000)

  it.live("a redirect to another origin, on a call and on the login: nothing reaches it", () =>
    Effect.gen(function*() {
      const other = yield* otherOrigin
      const { call, fake } = yield* subject()
      yield* call
      fake.redirectNext(1, `${other.url}/collect?from=authfx`, 302)
      assert.notStrictEqual(yield* outcome(call), "success")
      // The login: the encrypted password must not follow a redirect either.
      fake.revokeTokens()
      fake.redirectNext(1, `${other.url}/api/v1/auth/login`, 307)
      assert.notStrictEqual(yield* outcome(call), "success")
      assert.deepStrictEqual(other.seen, [], "the other origin saw no request")
      fake.clearFaults()
      assert.strictEqual(yield* outcome(call), "success")
    }))
})
