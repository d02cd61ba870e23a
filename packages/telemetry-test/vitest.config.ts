import { defineProject, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// A real redis-server for the coordinated renewal, started as the redis package's tests start it.
export default mergeConfig(
  shared,
  defineProject({ test: { name: "telemetry-test", globalSetup: ["../redis/test/utils/globalSetup.ts"] } })
)
