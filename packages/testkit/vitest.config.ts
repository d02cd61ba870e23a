import { defineProject, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// The README's example is a test of its own (examples/*.test.ts), run with the package's.
export default mergeConfig(
  shared,
  defineProject({ test: { name: "testkit", include: ["test/**/*.test.ts", "examples/**/*.test.ts"] } })
)
