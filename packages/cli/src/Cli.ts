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
    yield* Console.log("authfx demo — each provider's pipeline against its loopback fake\n")
    const rows = yield* Demo.run
    yield* Console.log(Demo.table(rows))
    if (!Demo.allOk(rows)) return yield* Effect.fail(new DemoFailed())
  })).pipe(Command.withDescription("Run every provider's pipeline against the built-in fakes"))

class DemoFailed extends Error {
  override readonly message = "some providers did not complete the demo"
}

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
