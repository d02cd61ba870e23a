import { assert, describe, it } from "@effect/vitest"
import * as Version from "effect/Version"

describe("the v4 line's toolchain", () => {
  it("runs on Node >= 22.19 (effect 4's floor) with effect 4.1", () => {
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number]
    assert.isTrue(major > 22 || (major === 22 && minor >= 19), `Node ${process.versions.node}`)
    assert.match(Version.getCurrentVersion(), /^4\.1\./)
  })
})
