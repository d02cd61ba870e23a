import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { program } from "../examples/provider.js"
import { status } from "../examples/state.js"

describe("README example", () => {
  it.effect("runs, and is the code the README shows", () =>
    Effect.gen(function*() {
      const result = yield* program
      assert.match(result, /^calling Acme with a token that expires at 4102444800$/)
      const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
      const example = readFileSync(new URL("../examples/provider.ts", import.meta.url), "utf8")
      assert.include(readme, example.trim())
    }))

  it.effect("the state example runs, shows no secret, and is in the README", () =>
    Effect.gen(function*() {
      const result = yield* status
      assert.strictEqual(result.before, "acme: not authenticated")
      assert.strictEqual(result.after, "acme: session #1, expires 2100-01-01T00:00:00.000Z")
      assert.notInclude(result.json, "hunter2")
      assert.notInclude(result.json, "eyJ")
      const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
      const example = readFileSync(new URL("../examples/state.ts", import.meta.url), "utf8")
      assert.include(readme, example.trim())
    }))
})
