import { defineProject, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

export default mergeConfig(
  shared,
  defineProject({ test: { name: "redis", globalSetup: ["./test/utils/globalSetup.ts"] } })
)
