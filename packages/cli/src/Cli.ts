/**
 * The `authfx` command.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Demo from "./Demo.js"

const demo = Command.make("demo", {}, () =>
  Effect.gen(function*() {
    yield* Console.log("authfx demo — the session engine, narrated\n")
    const rows = yield* Demo.run
    yield* Console.log(`\n${Demo.table(rows)}`)
  })).pipe(Command.withDescription("Run every provider's pipeline against the built-in fakes"))

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("authfx").pipe(
  Command.withDescription("Typed, composable authentication pipelines for Effect"),
  Command.withSubcommands([demo])
)

/**
 * @since 0.1.0
 * @category commands
 */
export const run = Command.run(command, { name: "authfx", version: "0.1.0" })
