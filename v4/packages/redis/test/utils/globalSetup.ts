/**
 * One `redis-server` per test run. Without `redis-server` the run fails —
 * a skipped suite is not a pass — unless `AUTHFX_SKIP_REDIS=1` says this
 * machine has no way to install it, and then it says so loudly.
 */
import type { TestProject } from "vitest/node"
import * as Server from "./server.js"

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string | undefined
  }
}

export default async function setup(project: TestProject) {
  if (!Server.available()) {
    if (process.env["AUTHFX_SKIP_REDIS"] === "1") {
      const line = "!".repeat(78)
      console.warn(`\n${line}\n!! AUTHFX_SKIP_REDIS=1 and no redis-server: THE REDIS TESTS ARE SKIPPED.\n${line}\n`)
      project.provide("redisUrl", undefined)
      return
    }
    throw new Error(
      "redis-server is not installed: `apt-get install -y --no-install-recommends redis-server` " +
        "(or AUTHFX_SKIP_REDIS=1 on a machine without apt, which skips these tests)"
    )
  }
  const server = await Server.start()
  project.provide("redisUrl", server.url)
  return () => server.stop()
}
