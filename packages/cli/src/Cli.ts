/**
 * The `authfx` command: `demo`, `fakes`, `status`, `fleet`.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Demo from "./Demo.js"
import * as Fakes from "./Fakes.js"
import * as Fleet from "./Fleet.js"
import * as Status from "./Status.js"

/**
 * The command ran and its answer is "no": the demo saw a provider misbehave,
 * or a provider did not authenticate. Its output already says why.
 *
 * @since 0.1.0
 * @category errors
 */
export class CommandFailed extends Data.TaggedError("CommandFailed")<{ readonly reason: string }> {}

const demo = Command.make("demo", {}, () =>
  Effect.gen(function*() {
    yield* Console.log("authfx demo — each provider's pipeline against its loopback fake\n")
    const rows = yield* Demo.run
    yield* Console.log(Demo.table(rows))
    if (!Demo.allOk(rows)) return yield* new CommandFailed({ reason: "some providers did not complete the demo" })
  })).pipe(Command.withDescription("Run every provider's pipeline against the built-in fakes, narrated"))

const fakes = Command.make("fakes", {
  json: Options.boolean("json").pipe(Options.withDescription("one JSON object per line"))
}, ({ json }) =>
  Effect.scoped(Effect.gen(function*() {
    const running = yield* Fakes.startAll
    for (const fake of running) yield* Console.log(Fakes.format(fake, json))
    if (!json) yield* Console.log("\nthe fakes run until interrupted (Ctrl-C)")
    return yield* Effect.never
  }))).pipe(
    Command.withDescription("Start every provider's fake on loopback and print how to authenticate against each")
  )

const provider = Args.choice(Status.providers.map((p) => [p, p] as [string, Status.ProviderName]), { name: "provider" })
  .pipe(
    Args.repeated
  )

const status = Command.make("status", { providers: provider }, ({ providers }) =>
  Effect.gen(function*() {
    const results = yield* Status.run(providers)
    if (results.length === 0) {
      yield* Console.log("no provider is configured: set the environment variables of at least one (see README)")
      return yield* new CommandFailed({ reason: "nothing to check" })
    }
    for (const result of results) yield* Console.log(Status.format(result))
    if (results.some((r) => !r.ok)) return yield* new CommandFailed({ reason: "not every provider authenticated" })
  })).pipe(Command.withDescription("Authenticate each configured provider from the environment and say who you are"))

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("authfx").pipe(
  Command.withDescription("Typed, composable authentication pipelines for Effect"),
  Command.withSubcommands([demo, fakes, status, Fleet.command])
)

/**
 * @since 0.1.0
 * @category commands
 */
export const run = Command.run(command, { name: "authfx", version: "0.1.0" })
