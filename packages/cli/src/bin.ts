#!/usr/bin/env node
// `authfx --version` answers before anything else is loaded: the commands bring every provider, the fakes and
// their dependencies, which take a good part of a second to import.
import { createRequire } from "node:module"

const version = (createRequire(import.meta.url)("../package.json") as { readonly version: string }).version
const args = process.argv.slice(2)

if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  process.stdout.write(`${version}\n`)
} else {
  const [NodeContext, NodeRuntime, Effect, Console, ValidationError, Cli] = await Promise.all([
    import("@effect/platform-node/NodeContext"),
    import("@effect/platform-node/NodeRuntime"),
    import("effect/Effect"),
    import("effect/Console"),
    import("@effect/cli/ValidationError"),
    import("./Cli.js")
  ])
  Console.consoleWith((base) => Cli.run(process.argv).pipe(Effect.withConsole(Cli.console(base)))).pipe(
    // A "no" from the command is already explained on stdout: just the exit code.
    Effect.catchTag("CommandFailed", () => Effect.sync(() => void (process.exitCode = 1))),
    // @effect/cli has already printed what was wrong with the arguments: add the usage, exit 2 (as getopt tools do).
    Effect.catchIf(ValidationError.isValidationError, () =>
      Effect.zipRight(
        Console.error(Cli.usage(args)),
        Effect.sync(() => void (process.exitCode = 2))
      )),
    Effect.provide(NodeContext.layer),
    NodeRuntime.runMain
  )
}
