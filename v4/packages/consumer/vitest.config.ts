import { defineProject, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// Build, pack and npm install take a minute or two on a 2-core machine.
export default mergeConfig(
  shared,
  defineProject({ test: { name: "consumer", hookTimeout: 600_000, testTimeout: 180_000 } })
)
