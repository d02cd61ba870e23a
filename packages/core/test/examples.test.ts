import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { program } from "../examples/provider.js"

describe("README example", () => {
  it.effect("runs, and is the code the README shows", () =>
    Effect.gen(function*() {
      const result = yield* program
      assert.match(result, /^calling Acme with a token that expires at 4102444800$/)
      const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
      const example = readFileSync(new URL("../examples/provider.ts", import.meta.url), "utf8")
      assert.include(readme, example.trim())
    }))
})
