import { assert, describe, it } from "vitest"
import * as TeraboxListing from "../src/TeraboxListing.js"

describe("TeraboxListing.limits", () => {
  it("defaults, and any whole page size from 1 to 1000 with positive whole bounds", () => {
    assert.deepStrictEqual(TeraboxListing.limits(), {
      _tag: "Limits",
      limits: { pageSize: 1000, maxPages: 10_000, maxEntries: 1_000_000 }
    })
    for (const pageSize of [1, 7, 1000]) {
      const checked = TeraboxListing.limits({ pageSize, maxPages: 1, maxEntries: 1 })
      assert.deepStrictEqual(checked, { _tag: "Limits", limits: { pageSize, maxPages: 1, maxEntries: 1 } })
    }
  })

  it("names the first option that is not acceptable", () => {
    const cases = [
      [{ pageSize: 0 }, "pageSize"],
      [{ pageSize: 1001 }, "pageSize"],
      [{ pageSize: 1.5 }, "pageSize"],
      [{ pageSize: Number.NaN }, "pageSize"],
      [{ maxPages: 0 }, "maxPages"],
      [{ maxPages: Number.POSITIVE_INFINITY }, "maxPages"],
      [{ maxEntries: -1 }, "maxEntries"],
      [{ maxEntries: Number.POSITIVE_INFINITY }, "maxEntries"],
      [{ pageSize: 0, maxPages: 0 }, "pageSize"]
    ] as const
    for (const [options, key] of cases) {
      const checked = TeraboxListing.limits(options)
      assert.strictEqual(checked._tag === "Invalid" && checked.invalid.key, key, JSON.stringify(options))
    }
    const bad = TeraboxListing.limits({ pageSize: 20000 })
    assert.strictEqual(bad._tag === "Invalid" && bad.invalid.description, "a whole number from 1 to 1000, not 20000")
  })
})

describe("TeraboxListing.step", () => {
  const limits = { pageSize: 2, maxPages: 3, maxEntries: 5 }
  it("pages until an empty one; a short page is not the end", () => {
    let state = TeraboxListing.initial
    const pages = [[1, 2], [3], [4, 5]]
    for (const ids of pages) {
      const step = TeraboxListing.step(state, ids, limits)
      assert.strictEqual(step._tag, "Next")
      if (step._tag === "Next") state = step.state
    }
    assert.deepStrictEqual(state, { page: 4, count: 5, previous: [4, 5] })
    // Exactly at both bounds, the closing empty page ends it.
    assert.deepStrictEqual(TeraboxListing.step(state, [], limits), { _tag: "End" })
  })

  it("a page past maxPages or maxEntries is TooLarge; a repeated page is UnexpectedStatus", () => {
    const past = TeraboxListing.step({ page: 4, count: 4, previous: [4] }, [9], limits)
    assert.strictEqual(past._tag === "Fail" && past.reason, "TooLarge")
    assert.include(past._tag === "Fail" ? past.description : "", "maxPages")
    const over = TeraboxListing.step({ page: 3, count: 4, previous: [3, 4] }, [5, 6], limits)
    assert.strictEqual(over._tag === "Fail" && over.reason, "TooLarge")
    assert.include(over._tag === "Fail" ? over.description : "", "maxEntries")
    const repeated = TeraboxListing.step({ page: 2, count: 2, previous: [1, 2] }, [1, 2], limits)
    assert.strictEqual(repeated._tag === "Fail" && repeated.reason, "UnexpectedStatus")
    assert.include(repeated._tag === "Fail" ? repeated.description : "", "page 2 repeats page 1")
    // The same ids in another order, or one more, is progress.
    assert.strictEqual(TeraboxListing.step({ page: 2, count: 2, previous: [1, 2] }, [2, 1], limits)._tag, "Next")
  })
})
