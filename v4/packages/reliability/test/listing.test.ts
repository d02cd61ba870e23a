/**
 * Long lists: a folder of more than one page comes back whole, and a listing that cannot finish (a page that
 * fails, a server repeating a page, more pages than the bound, a page whose body stalls) is a typed error, never a
 * short result. Terabox is the one provider with a paged collection (see the package's README); each case records
 * a measured figure for RELIABILITY.md.
 */
import { TeraboxClient } from "@authfx/terabox"
import { SecretScan, TeraboxFake } from "@authfx/testkit"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Outcome from "../src/Outcome.js"
import * as Report from "../src/Report.js"

const capture = SecretScan.makeCapture()
const values: Array<unknown> = []
const secrets: Array<string> = []
const outcome = Outcome.make(values)

const setup = (options: TeraboxFake.Options = {}, client: Partial<TeraboxClient.Options> = {}) =>
  Effect.gen(function*() {
    const fake = yield* TeraboxFake.make(options)
    const context = yield* Layer.build(
      TeraboxClient.layer({ url: fake.url, ndus: Redacted.make(fake.ndus()), retry: false, ...client }).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
    )
    const terabox = Context.get(context, TeraboxClient.TeraboxClient)
    yield* terabox.quota
    secrets.push(fake.ndus(), fake.jsToken(), fake.bdstoken())
    return { fake, terabox }
  })

const section = "Long lists (Terabox /api/list)"

describe("long lists", () => {
  for (const [files, pageSize] of [[1005, undefined], [10_005, undefined], [1005, 100]] as const) {
    it.live(
      `a folder of ${files} files${pageSize === undefined ? "" : ` in pages of ${pageSize}`}: all of them`,
      () =>
        Effect.scoped(Effect.gen(function*() {
          const { fake, terabox } = yield* setup()
          fake.addFiles("/big", files)
          const start = Date.now()
          const entries = yield* terabox.list("/big", pageSize === undefined ? undefined : { pageSize })
          const elapsed = Date.now() - start
          assert.strictEqual(entries.length, files)
          assert.strictEqual(new Set(entries.map((e) => e.fsId)).size, files)
          Report.record({
            section,
            provider: "terabox",
            case: `a folder of ${files.toLocaleString("en")} files, pages of ${pageSize ?? 1000}`,
            outcome: `${entries.length.toLocaleString("en")} entries in ${elapsed} ms`,
            sends: fake.counters.listPages
          })
        })).pipe(Effect.provide(capture.layer)),
      60_000
    )
  }

  it.live("page 2 fails: the listing fails with page 2's error, not with page 1's entries", () =>
    Effect.scoped(Effect.gen(function*() {
      const { fake, terabox } = yield* setup()
      fake.addFiles("/big", 1005)
      let seen = 0
      const got = yield* outcome(
        terabox.listStream("/big", { pageSize: 500 }).pipe(
          Stream.tap(() => Effect.sync(() => void (seen++ === 0 && fake.failNext(1, 200, { body: { errno: -9 } })))),
          Stream.runDrain
        )
      )
      assert.strictEqual(got, "TeraboxApiError(NotFound)")
      fake.clearFaults()
      let again = 0
      const collected = yield* outcome(
        terabox.listStream("/big", { pageSize: 500 }).pipe(
          Stream.tap(() => Effect.sync(() => void (again++ === 0 && fake.wrongShapeNext(1)))),
          Stream.runDrain
        )
      )
      assert.strictEqual(collected, "ProtocolError(Decode)")
      Report.record({
        section,
        provider: "terabox",
        case: "1,005 files, pages of 500; page 2 answers an errno / a body of the wrong shape",
        outcome: `${got} / ${collected}; no short result`,
        sends: fake.counters.listPages
      })
    })).pipe(Effect.provide(capture.layer)))

  it.live("a server that ignores `page`: a ProtocolError after two pages", () =>
    Effect.scoped(Effect.gen(function*() {
      const { fake, terabox } = yield* setup({ ignorePage: true })
      fake.addFiles("/big", 1005)
      const got = yield* outcome(terabox.list("/big"))
      assert.strictEqual(got, "ProtocolError(UnexpectedStatus)")
      assert.strictEqual(fake.counters.listPages, 2)
      Report.record({
        section,
        provider: "terabox",
        case: "the server serves page 1 for every `page`",
        outcome: `${got}: page 2 repeats page 1`,
        sends: fake.counters.listPages
      })
    })).pipe(Effect.provide(capture.layer)))

  it.live("more pages than maxPages, more entries than maxEntries: ProtocolError(TooLarge), reading stops", () =>
    Effect.scoped(Effect.gen(function*() {
      const { fake, terabox } = yield* setup()
      fake.addFiles("/big", 1005)
      const pages = yield* outcome(terabox.list("/big", { pageSize: 10, maxPages: 50 }))
      const afterPages = fake.counters.listPages
      const entries = yield* outcome(terabox.list("/big", { pageSize: 100, maxEntries: 250 }))
      assert.strictEqual(pages, "ProtocolError(TooLarge)")
      assert.strictEqual(entries, "ProtocolError(TooLarge)")
      assert.strictEqual(afterPages, 51)
      assert.strictEqual(fake.counters.listPages - afterPages, 3)
      Report.record({
        section,
        provider: "terabox",
        case: "1,005 files: pages of 10 with maxPages 50 / pages of 100 with maxEntries 250",
        outcome: `${pages} after ${afterPages} pages / ${entries} after ${fake.counters.listPages - afterPages} pages`,
        sends: fake.counters.listPages
      })
    })).pipe(Effect.provide(capture.layer)))

  it.live("page 2's body stalls after the headers: TransportError(Timeout) at the client's bound", () =>
    Effect.scoped(Effect.gen(function*() {
      const { fake, terabox } = yield* setup({}, { timeout: "300 millis" })
      fake.addFiles("/big", 150)
      let armed = false
      const start = Date.now()
      const got = yield* outcome(
        terabox.listStream("/big", { pageSize: 100 }).pipe(
          Stream.tap(() => Effect.sync(() => void (armed || (armed = true, fake.stallBodyNext(1))))),
          Stream.runDrain
        )
      )
      const elapsed = Date.now() - start
      assert.strictEqual(got, "TransportError(Timeout)")
      assert.isBelow(elapsed, 3_000)
      Report.record({
        section,
        provider: "terabox",
        case: "150 files, pages of 100; page 2's body stalls (client timeout 300 ms; default 30 s)",
        outcome: `${got} after ${elapsed} ms`,
        sends: fake.counters.listPages
      })
    })).pipe(Effect.provide(capture.layer)))

  it("no secret in any failure or log of these cases", () => {
    assert.isAbove(values.length, 0)
    assert.deepStrictEqual(SecretScan.scan(secrets, { capture, values }), [])
  })
})

afterAll(() =>
  Report.flush(
    "Long lists",
    "Folders longer than one page, listed against `TeraboxFake` over loopback (Node's undici client): the client reads pages until an empty one, so the page count includes that closing page; the last column counts the pages the fake served (a page replaced by an injected fault is not counted). A listing that cannot finish fails with a typed error, never with the entries read so far."
  )
)
