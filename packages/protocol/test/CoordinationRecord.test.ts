import { assert, describe, it } from "vitest"
import * as CoordinationRecord from "../src/CoordinationRecord.js"

describe("CoordinationRecord", () => {
  it("keys and additional data name the provider, key and account, format 2", () => {
    assert.strictEqual(CoordinationRecord.key("nabi", "EQabc"), "nabi/EQabc")
    assert.strictEqual(CoordinationRecord.associatedData("nabi/EQabc", "EQabc"), "authfx/2\u0000nabi/EQabc\u0000EQabc")
    assert.notStrictEqual(
      CoordinationRecord.associatedData("a/b", "c"),
      CoordinationRecord.associatedData("a", "b/c")
    )
  })

  it("a fingerprint is the first 16 hex digits of SHA-256, and holds nothing of the secret", async () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assert.strictEqual(await CoordinationRecord.fingerprint("abc"), "ba7816bf8f01cfea")
  })

  it("unreadable records are described by their reason, never their content", () => {
    assert.strictEqual(
      CoordinationRecord.describeUnreadable("backend", "the key holds a list, not a hash"),
      "the key holds a list, not a hash"
    )
    assert.strictEqual(CoordinationRecord.describeUnreadable("backend", undefined), "the backend cannot read it")
    assert.match(CoordinationRecord.describeUnreadable("account", undefined), /another account/)
  })
})

describe("CoordinationRecord.MemoryTable", () => {
  it("a lease is held by one owner until it lapses; extend and release only by that owner", () => {
    const table = new CoordinationRecord.MemoryTable()
    assert.deepStrictEqual(table.tryLease(0, "k", "lease", "a", 100), { held: true, record: undefined, ttlMillis: 100 })
    assert.deepStrictEqual(table.tryLease(40, "k", "lease", "b", 100), {
      held: false,
      record: undefined,
      ttlMillis: 60
    })
    assert.isFalse(table.extend(40, "k", "lease", "b", 100))
    assert.isTrue(table.extend(50, "k", "lease", "a", 100))
    table.release("k", "lease", "b")
    assert.isFalse(table.tryLease(120, "k", "lease", "b", 100).held)
    assert.isTrue(table.tryLease(150, "k", "lease", "b", 100).held)
  })

  it("commit is a compare-and-set on the generation: publishes, releases the committer's lease", () => {
    const published: Array<string> = []
    const table = new CoordinationRecord.MemoryTable((key) => published.push(key))
    table.tryLease(0, "k", "lease", "a", 100)
    assert.deepStrictEqual(table.commit("k", "lease", "a", 0, "p1", 1), { committed: true, generation: 1 })
    assert.deepStrictEqual(published, ["k"])
    assert.isTrue(table.tryLease(1, "k", "lease", "b", 100).held)
    assert.deepStrictEqual(table.commit("k", "lease", "b", 0, "p2", 1), {
      committed: false,
      record: { generation: 1, payload: "p1" }
    })
    // A floor keeps generations rising after the store lost its records.
    assert.deepStrictEqual(table.commit("k2", "lease", "b", 0, "p", 7), { committed: true, generation: 7 })
    // A newer record than the caller knows is handed over without the lease.
    assert.deepStrictEqual(table.tryLease(2, "k", "lease", "c", 100, 0), {
      held: false,
      record: { generation: 1, payload: "p1" },
      ttlMillis: 0
    })
  })

  it("a record whose generation is not a count is unreadable, and replaced by a commit expecting unreadable", () => {
    const table = new CoordinationRecord.MemoryTable()
    table.put("k", { generation: 1.5, payload: "x" })
    assert.deepStrictEqual(table.record("k"), {
      generation: CoordinationRecord.unreadable,
      payload: "",
      problem: "its generation is not a number"
    })
    assert.isFalse(table.commit("k", "lease", "a", 0, "p", 1).committed)
    assert.deepStrictEqual(table.commit("k", "lease", "a", CoordinationRecord.unreadable, "p", 1), {
      committed: true,
      generation: 1
    })
  })
})
