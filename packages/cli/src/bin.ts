#!/usr/bin/env node
// `authfx --version` answers before anything else is loaded: the commands bring every provider, the fakes and
// their dependencies, which take a good part of a second to import.
import { createRequire } from "node:module"

const version = (createRequire(import.meta.url)("../package.json") as { readonly version: string }).version
const args = process.argv.slice(2)

if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  process.stdout.write(`${version}\n`)
} else {
  const [NodeContext, NodeRuntime, Effect, Cli] = await Promise.all([
    import("@effect/platform-node/NodeContext"),
    import("@effect/platform-node/NodeRuntime"),
    import("effect/Effect"),
    import("./Cli.js")
  ])
  Cli.run(process.argv).pipe(
    // A "no" from the command is already explained on stdout: just the exit code.
    Effect.catchTag("CommandFailed", () => Effect.sync(() => void (process.exitCode = 1))),
    Effect.provide(NodeContext.layer),
    NodeRuntime.runMain
  )
}
