/**
 * Every Terabox exchange has the default bound (30 s, the body included): a server that sends its headers and then
 * stalls ends in `TransportError(Timeout)` — API calls, each page of a listing, and the homepage read. Time is the
 * TestClock's; the sockets are real.
 */
import { TeraboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
import * as TeraboxClient from "../src/TeraboxClient.js"

const setup = (options: Partial<TeraboxClient.Options> = {}) =>
  Effect.gen(function*() {
    const fake = yield* TeraboxFake.make()
    const context = yield* Layer.build(
      TeraboxClient.layer({ url: fake.url, ndus: Redacted.make(fake.ndus()), retry: false, ...options }).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
    )
    return { fake, terabox: Context.get(context, TeraboxClient.TeraboxClient) }
  })

/** Real time passes until the fake has answered `n` more requests' headers (the stalled one included). */
const untilRequests = (fake: TeraboxFake.TeraboxFake, n: number) =>
  Effect.promise(() =>
    new Promise<void>((resolve) => {
      const poll = () => (fake.counters.requests >= n ? setTimeout(resolve, 20) : setTimeout(poll, 2))
      poll()
    })
  )

/** Runs `call` against a stalled body: not done at 29 s, `TransportError(Timeout)` at 30 s. */
const stalls = <A, E extends { readonly _tag: string }>(
  fake: TeraboxFake.TeraboxFake,
  call: Effect.Effect<A, E>,
  requestsBeforeStall = 0
) =>
  Effect.gen(function*() {
    const before = fake.counters.requests
    // The next request stalls, or (when requests come before it) the call arms the stall itself.
    if (requestsBeforeStall === 0) fake.stallBodyNext(1)
    const fiber = yield* Effect.forkChild(call)
    yield* untilRequests(fake, before + requestsBeforeStall + 1)
    yield* TestClock.adjust("29 seconds")
    assert.isUndefined(fiber.pollUnsafe(), "still waiting at 29 s")
    yield* TestClock.adjust("1 second")
    const error = yield* Effect.flip(Fiber.join(fiber))
    assert.strictEqual(
      error._tag === "TransportError" && (error as unknown as { readonly reason: string }).reason,
      "Timeout",
      String(error)
    )
    fake.clearFaults()
  })

describe("Terabox: the default 30 s bound on every exchange", () => {
  it.effect("quota, userInfo, a write and a listing's second page: headers, then a stalled body", () =>
    Effect.gen(function*() {
      // A fresh client (and fake) for each call: each case meets its own stalled connection.
      const cases = [
        ["quota", (t: TeraboxClient.Service) => t.quota],
        ["userInfo", (t: TeraboxClient.Service) => t.userInfo],
        ["rename", (t: TeraboxClient.Service) => t.rename("/docs/notes.txt", "todo.txt")]
      ] as const
      for (const [, call] of cases) {
        const { fake, terabox } = yield* setup()
        yield* terabox.quota
        yield* stalls(fake, call(terabox))
      }
      const { fake, terabox } = yield* setup()
      yield* terabox.quota
      fake.addFiles("/big", 150)
      // Page 1 answers; while it is consumed the site stalls, so page 2's body never ends.
      let armed = false
      const listing = terabox.listStream("/big", { pageSize: 100 }).pipe(
        Stream.tap(() => Effect.sync(() => void (armed || (armed = true, fake.stallBodyNext(1))))),
        Stream.runCollect
      )
      yield* stalls(fake, listing, 1)
      // Once the server answers again, so does the client.
      assert.strictEqual((yield* terabox.list("/big", { pageSize: 100 })).length, 150)
    }))

  it.effect("the homepage read (the session's acquisition) stalls: TransportError(Timeout) at 30 s", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup()
      yield* stalls(fake, terabox.quota)
      assert.strictEqual(fake.counters.pages, 0)
      yield* terabox.quota
      assert.strictEqual(fake.counters.pages, 1)
    }))

  it.effect("a timeout of our own replaces the default", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup({ timeout: "5 seconds" })
      yield* terabox.quota
      fake.stallBodyNext(1)
      const before = fake.counters.requests
      const fiber = yield* Effect.forkChild(terabox.quota)
      yield* untilRequests(fake, before + 1)
      yield* TestClock.adjust("5 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag === "TransportError" && error.reason, "Timeout")
    }))
})
