/**
 * Folders longer than a page: every page is read until an empty one (as alist and OpenList do), over real sockets
 * against the fake, which pages for real; a listing that cannot finish is a typed error, never a short result.
 */
import { TeraboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TeraboxClient from "../src/TeraboxClient.js"

const setup = (options: TeraboxFake.Options = {}) =>
  Effect.gen(function*() {
    const fake = yield* TeraboxFake.make(options)
    const context = yield* Layer.build(
      TeraboxClient.layer({ url: fake.url, ndus: Redacted.make(fake.ndus()), retry: false }).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
    )
    return { fake, terabox: Context.get(context, TeraboxClient.TeraboxClient) }
  })

describe("TeraboxClient.list: every page", () => {
  it.effect("a folder of 1,005 files lists 1,005 (pages of 1000, 5, then an empty one)", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup()
      const paths = fake.addFiles("/big", 1005)
      const entries = yield* terabox.list("/big")
      assert.strictEqual(entries.length, 1005)
      assert.deepStrictEqual(entries.map((e) => e.path).sort(), [...paths].sort())
      assert.strictEqual(new Set(entries.map((e) => e.fsId)).size, 1005)
      assert.strictEqual(fake.counters.listPages, 3)
      assert.deepStrictEqual(
        [fake.lastApiRequest()?.query["page"], fake.lastApiRequest()?.query["num"]],
        ["3", "1000"]
      )
    }))

  it.effect(
    "any page size from 1 to 1000 gives the same entries; the fake's own cap does not cut the listing",
    () =>
      Effect.gen(function*() {
        const { fake, terabox } = yield* setup()
        fake.addFiles("/big", 1005)
        const reference = (yield* terabox.list("/big")).map((e) => e.fsId)
        for (const [pageSize, pages] of [[1000, 3], [100, 12], [7, 145]] as const) {
          const before = fake.counters.listPages
          const entries = yield* terabox.list("/big", { pageSize })
          assert.deepStrictEqual(entries.map((e) => e.fsId), reference, `pageSize ${pageSize}`)
          assert.strictEqual(fake.counters.listPages - before, pages, `pageSize ${pageSize}`)
        }
        // One entry a page: /docs (two files) in three pages.
        assert.strictEqual((yield* terabox.list("/docs", { pageSize: 1 })).length, 2)
        // A site that serves fewer than asked (a cap below the page size): an empty page is still the only end.
        const capped = yield* setup({ numAbove1000: "cap" })
        capped.fake.addFiles("/big", 1005)
        assert.strictEqual((yield* capped.terabox.list("/big", { pageSize: 1000 })).length, 1005)
      }),
    60_000
  )

  it.effect("listStream fetches a page only when the one before has been consumed", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup()
      fake.addFiles("/big", 1005)
      const first = yield* Stream.runCollect(Stream.take(terabox.listStream("/big", { pageSize: 100 }), 150))
      assert.strictEqual(first.length, 150)
      assert.strictEqual(fake.counters.listPages, 2)
      const all = yield* Stream.runCount(terabox.listStream("/big", { pageSize: 100 }))
      assert.strictEqual(all, 1005)
    }))

  it.effect("a page size outside 1..1000 or a bound below 1 is a ConfigurationError, and nothing is sent", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup()
      yield* terabox.quota
      const before = fake.counters.requests
      const cases = [
        [{ pageSize: 0 }, "pageSize"],
        [{ pageSize: 1001 }, "pageSize"],
        [{ pageSize: 20000 }, "pageSize"],
        [{ pageSize: 1.5 }, "pageSize"],
        [{ pageSize: Number.NaN }, "pageSize"],
        [{ maxPages: 0 }, "maxPages"],
        [{ maxEntries: -1 }, "maxEntries"],
        [{ maxEntries: Number.POSITIVE_INFINITY }, "maxEntries"]
      ] as const
      for (const [options, key] of cases) {
        const error = yield* Effect.flip(terabox.list("/docs", options))
        assert.strictEqual(error._tag, "ConfigurationError", JSON.stringify(options))
        assert.strictEqual(error._tag === "ConfigurationError" && error.key, key)
        const streamed = yield* Effect.flip(Stream.runDrain(terabox.listStream("/docs", options)))
        assert.strictEqual(streamed._tag, "ConfigurationError")
      }
      assert.strictEqual(fake.counters.requests, before)
    }))

  it.effect("an error on page 2 fails the whole listing: no short result", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup()
      fake.addFiles("/big", 1005)
      let seen = 0
      const error = yield* terabox.listStream("/big", { pageSize: 500 }).pipe(
        Stream.tap(() =>
          Effect.sync(() => {
            // While page 1 is consumed, the site starts failing: page 2 answers an errno.
            if (seen++ === 0) fake.failNext(1, 200, { body: { errno: -9, request_id: 1 } })
          })
        ),
        Stream.runCollect,
        Effect.flip
      )
      assert.strictEqual(error._tag === "TeraboxApiError" && error.errno, -9)
      assert.strictEqual(seen, 500)
      // A body that is not a page (a wrong shape) on page 3: a ProtocolError, not the 1000 entries before it.
      fake.clearFaults()
      let count = 0
      const shape = yield* terabox.listStream("/big", { pageSize: 500 }).pipe(
        Stream.tap(() => Effect.sync(() => void (++count === 1000 && fake.wrongShapeNext(1)))),
        Stream.runCollect,
        Effect.flip
      )
      assert.strictEqual(shape._tag === "ProtocolError" && shape.reason, "Decode")
      assert.strictEqual(count, 1000)
    }))

  it.effect("a server that serves the same page forever: a ProtocolError after two pages, not a loop", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup({ ignorePage: true })
      fake.addFiles("/big", 1005)
      const error = yield* Effect.flip(terabox.list("/big"))
      assert.strictEqual(error._tag === "ProtocolError" && error.reason, "UnexpectedStatus")
      assert.include(error.message, "repeats page 1")
      assert.strictEqual(fake.counters.listPages, 2)
    }))

  it.effect("more pages than maxPages or entries than maxEntries: ProtocolError(TooLarge), reading stops", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup()
      fake.addFiles("/big", 1005)
      const pages = yield* Effect.flip(terabox.list("/big", { pageSize: 100, maxPages: 5 }))
      assert.strictEqual(pages._tag === "ProtocolError" && pages.reason, "TooLarge")
      assert.include(pages.message, "maxPages")
      assert.strictEqual(fake.counters.listPages, 6)
      const entries = yield* Effect.flip(terabox.list("/big", { pageSize: 100, maxEntries: 450 }))
      assert.strictEqual(entries._tag === "ProtocolError" && entries.reason, "TooLarge")
      assert.include(entries.message, "maxEntries")
      assert.strictEqual(fake.counters.listPages, 6 + 5)
      // Exactly at the bounds: the listing completes (the closing empty page is not counted).
      assert.strictEqual((yield* terabox.list("/big", { pageSize: 100, maxPages: 11, maxEntries: 1005 })).length, 1005)
    }))
})
