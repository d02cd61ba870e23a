import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"

describe("README example", () => {
  it("is examples/whatsgate.test.ts as it is (type-checked and run with the package's tests)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    const example = readFileSync(new URL("../examples/whatsgate.test.ts", import.meta.url), "utf8")
    assert.include(readme, example.trim())
  })
})
