/**
 * The `authfx` command: `demo`, `fakes`, `status`, `fleet`.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as Usage from "@effect/cli/Usage"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Providers from "./internal/providers.js"
import * as Style from "./internal/style.js"

// Each command loads its module when it runs: `authfx status` does not import the fakes, `authfx fakes` does not
// import the providers, and a usage error imports neither.
const Demo = Effect.promise(() => import("./Demo.js"))
const Fakes = Effect.promise(() => import("./Fakes.js"))
const Status = Effect.promise(() => import("./Status.js"))
const Fleet = Effect.promise(() => import("./Fleet.js"))

/**
 * The command ran and its answer is "no": the demo saw a provider misbehave,
 * or a provider did not authenticate. Its output already says why.
 *
 * @since 0.1.0
 * @category errors
 */
export class CommandFailed extends Data.TaggedError("CommandFailed")<{ readonly reason: string }> {}

/** Whether `--log-level` was given: without it `status` shows only errors (its report says every failure). */
const logLevelGiven = FiberRef.unsafeMake(false)

/**
 * Log lines go to stderr, so that stdout is the command's answer (`status --json` is JSON lines and nothing else),
 * in colour only where stderr takes it.
 */
const toStderr = Effect.locallyWith(
  FiberRef.currentLoggers,
  (loggers) =>
    loggers.pipe(
      HashSet.remove(Logger.defaultLogger),
      HashSet.remove(Logger.prettyLoggerDefault),
      HashSet.add(Logger.prettyLogger({ stderr: true, colors: Style.colourFor(process.stderr) }))
    )
)

const isProvider = (name: string): name is Providers.ProviderName =>
  (Providers.providers as ReadonlyArray<string>).includes(name)

/** A provider's name; an unknown one is named in the error, with the known ones. */
const providerArg = Args.text({ name: "provider" }).pipe(
  Args.mapEffect((name) =>
    isProvider(name)
      ? Effect.succeed(name)
      : Effect.fail(
        HelpDoc.p(`unknown provider ${JSON.stringify(name)}: expected one of ${Providers.providers.join(", ")}`)
      )
  )
)

const demo = Command.make(
  "demo",
  { providers: providerArg.pipe(Args.repeated) },
  ({ providers }) =>
    Effect.gen(function*() {
      const result = yield* (yield* Demo).run(providers)
      if (!result.ok) return yield* new CommandFailed({ reason: "some providers did not complete the demo" })
    })
).pipe(
  Command.withDescription(
    "Run each provider's pipeline (all, or the ones named) against its built-in fake, narrated, with a verdict"
  )
)

const fakes = Command.make("fakes", {
  json: Options.boolean("json").pipe(Options.withDescription("one JSON object per line, and nothing else")),
  env: Options.boolean("env").pipe(
    Options.withDescription("export NAME='value' lines that a POSIX shell can eval or source")
  )
}, ({ env, json }) =>
  Effect.scoped(Effect.gen(function*() {
    const Fake = yield* Fakes
    const running = yield* Fake.startAll
    const mode = json ? "json" : env ? "env" : "text"
    yield* Console.log(Fake.formatAll(running, mode))
    return yield* Effect.never
  }))).pipe(
    Command.withDescription(
      "Start every provider's fake on loopback and print how to authenticate against each; runs until Ctrl-C"
    )
  )

/** The status argument's help lists each provider's variables, one line per variable under its provider. */
const statusProviders = Providers.providers.reduce(
  (args, provider) =>
    Args.withDescription(
      args,
      [
        `${provider}:`,
        ...Providers.variables[provider].map((v) =>
          `  ${v.name.padEnd(24)}${v.description}${v.required ? " (required)" : ""}`
        )
      ].join("\n")
    ),
  providerArg.pipe(
    Args.repeated,
    Args.withDescription(
      `${Providers.providers.join(", ")}: the providers to check; by default every one whose secret variable (the ` +
        "first below) is set. The variables:"
    )
  )
)

const status = Command.make("status", {
  providers: statusProviders,
  json: Options.boolean("json").pipe(Options.withDescription("one JSON object per provider and line, nothing else")),
  timeout: Options.float("timeout").pipe(
    Options.filterMap((seconds) => seconds > 0 ? Option.some(seconds) : Option.none(), "--timeout must be above 0"),
    Options.withDefault(10),
    Options.withDescription("seconds to wait for each provider (default 10)")
  )
}, ({ json, providers, timeout }) =>
  Effect.gen(function*() {
    // The engine warns when a login fails; the report says so already, with the typed error: without
    // `--log-level`, only errors are logged (`--log-level warning` shows the warnings, `debug` each login).
    const quiet = !(yield* FiberRef.get(logLevelGiven))
    const reports = yield* (yield* Status).run({ providers, timeout: Duration.seconds(timeout), json }).pipe(
      quiet ? Logger.withMinimumLogLevel(LogLevel.Error) : (self) => self
    )
    if (reports.length === 0) {
      yield* Console.error(
        "no provider is configured: set the variables of at least one (authfx status --help lists them)"
      )
      return yield* new CommandFailed({ reason: "nothing to check" })
    }
    const failed = reports.filter((r) => !r.ok).length
    if (!json && reports.length > 1) {
      yield* Console.log(`\n${reports.length - failed} of ${reports.length} providers authenticated`)
    }
    if (failed > 0) return yield* new CommandFailed({ reason: "not every provider authenticated" })
  })).pipe(
    Command.withDescription(
      "Authenticate each provider from the environment, concurrently, and say who you are, where, with which " +
        "variables and until when; never a secret. Exits 0 only if every provider checked authenticated"
    )
  )

const fleet = Command.make("fleet", {}, () => Effect.flatMap(Fleet, (module) => module.main)).pipe(
  Command.withDescription("Show 4 replicas sharing one Nabi session through a real Redis (needs redis-server)")
)

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("authfx").pipe(
  Command.withDescription("Typed, composable authentication pipelines for Effect"),
  Command.withSubcommands([demo, fakes, status, fleet])
)

const subcommands: Record<string, Usage.Usage> = {
  demo: Command.getUsage(demo),
  fakes: Command.getUsage(fakes),
  status: Command.getUsage(status),
  fleet: Command.getUsage(fleet)
}

/**
 * The usage lines of the subcommand `args` name (or of `authfx`), for a
 * message after a bad argument.
 *
 * @since 0.1.0
 * @category help
 */
export const usage = (args: ReadonlyArray<string>): string => {
  const sub = args.find((arg) => !arg.startsWith("-"))
  const target = sub !== undefined && sub in subcommands ? subcommands[sub]! : undefined
  const lines = (target === undefined ? Object.values(subcommands) : [target]).flatMap((usage) =>
    Usage.enumerate(usage, CliConfig.defaultConfig).map((span) =>
      `authfx ${Style.strip(HelpDoc.toAnsiText(HelpDoc.p(span))).trim()}`
    )
  )
  const more = target === undefined ? "authfx --help" : `authfx ${sub} --help`
  return `usage: ${lines.join("\n       ")}\n(${more} says more)`
}

/** `@effect/cli`'s help shows no parent command and lists every built-in option; this one does neither. */
const noBuiltIns = CliConfig.make({ showBuiltIns: false })

const commands: Record<string, Command.Command<any, any, any, any>> = { demo, fakes, status, fleet }

/** The built-in options `authfx` keeps (`--wizard` and `--completions` are not for this command). */
const builtIns: ReadonlyArray<readonly [string, string]> = [
  [
    "--log-level all | trace | debug | info | warning | error | fatal | none",
    "the lowest level of the log lines shown, on stderr (default info; for status, error)"
  ],
  ["-h, --help", "this help"]
]

/** As `@effect/cli` styles its headings: bold (the console drops it where colour may not go). */
const bold = (text: string) => `\u001b[1m${text}\u001b[0m`

/** Lines the generic help adds to every option and argument, which say nothing here. */
const noise =
  /^\s*(A true or false value\.|A floating point number\.|This setting is optional\.|A user-defined piece of text\.|One of the following: .*|This argument may be repeated zero or more times\.)$/

/**
 * Wraps each line to `width` columns, continuing under its own indentation.
 *
 * @since 0.1.0
 * @category help
 */
export const wrap = (text: string, width = 120): string =>
  text.split("\n").flatMap((line) => {
    if (Style.width(line) <= width) return [line]
    const indent = /^\s*(?:- )?/.exec(Style.strip(line))![0].length
    const out: Array<string> = []
    let current = ""
    for (const word of line.trimEnd().split(/(?<=\S) (?=\S)/)) {
      if (current !== "" && Style.width(current) + 1 + Style.width(word) > width) {
        out.push(current)
        current = " ".repeat(indent) + word.trimStart()
      } else {
        current = current === "" ? word : `${current} ${word}`
      }
    }
    if (current !== "") out.push(current)
    return out
  }).join("\n")

const usageLines = (cmd: Command.Command<any, any, any, any>, prefix: string) =>
  Usage.enumerate(Command.getUsage(cmd), noBuiltIns).map((span) =>
    `${prefix}${Style.strip(HelpDoc.toAnsiText(HelpDoc.p(span))).trim()}`
  )

/** The paragraph under DESCRIPTION in a command's generic help. */
const descriptionOf = (cmd: Command.Command<any, any, any, any>) =>
  Style.strip(HelpDoc.toAnsiText(Command.getHelp(cmd, noBuiltIns))).split("\n\n")[1]?.trim() ?? ""

/**
 * The help of `authfx` or of the subcommand `args` name, or `undefined`
 * when `args` do not ask for help: the usage names the command as it is
 * typed (`authfx status …`), only the options that apply are listed, and no
 * line is wider than 120 columns.
 *
 * @since 0.1.0
 * @category help
 */
export const help = (args: ReadonlyArray<string>): string | undefined => {
  const end = args.indexOf("--")
  const flags = end < 0 ? args : args.slice(0, end)
  if (!flags.includes("--help") && !flags.includes("-h")) return undefined
  const sub = flags.find((arg) => !arg.startsWith("-"))
  const target = sub !== undefined && sub in commands ? commands[sub]! : undefined
  const options = builtIns.map(([name, description]) => `${bold(name)}\n\n  ${description}`).join("\n\n")
  if (target === undefined) {
    const list = Object.values(commands).map((cmd) =>
      `${usageLines(cmd, "  authfx ").join("\n")}\n\n    ${descriptionOf(cmd)}`
    )
    return wrap([
      "authfx 0.1.0: typed, composable authentication pipelines for Effect",
      "",
      bold("USAGE"),
      "",
      "  authfx <command> [options]",
      "",
      bold("COMMANDS"),
      "",
      list.join("\n\n"),
      "",
      bold("OPTIONS"),
      "",
      options,
      "",
      bold("--version"),
      "",
      "  the version",
      "",
      "authfx <command> --help says more about each command."
    ].join("\n"))
  }
  const generic = HelpDoc.toAnsiText(Command.getHelp(target, noBuiltIns))
    .split("\n")
    .filter((line) => !noise.test(Style.strip(line)))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()
  return wrap([
    `authfx ${sub}`,
    "",
    bold("USAGE"),
    "",
    ...usageLines(target, `  authfx `),
    "",
    generic,
    "",
    Style.strip(generic).includes("OPTIONS") ? options : `${bold("OPTIONS")}\n\n${options}`
  ].join("\n"))
}

const cli = Command.run(command, { name: "authfx", version: "0.1.0" })

/**
 * Runs `authfx` with `process.argv`-style arguments: the help (`-h`,
 * `--help`) is `help`'s; everything else is `@effect/cli`'s.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (argv: ReadonlyArray<string>) => {
  const text = help(argv.slice(2))
  const given = argv.some((arg) => arg === "--log-level" || arg.startsWith("--log-level="))
  return text === undefined ? cli(argv).pipe(Effect.locally(logLevelGiven, given), toStderr) : Console.log(text)
}

/**
 * A console that writes colour only where it may (a terminal, no `NO_COLOR`):
 * `@effect/cli` colours its help and errors unconditionally.
 *
 * @since 0.1.0
 * @category help
 */
export const console = (base: Console.Console): Console.Console => {
  const out = Style.colourFor(process.stdout)
  const err = Style.colourFor(process.stderr)
  const clean = (keep: boolean) => (args: ReadonlyArray<unknown>) =>
    keep ? args : args.map((a) => typeof a === "string" ? Style.strip(a) : a)
  return {
    ...base,
    log: (...args) => base.log(...clean(out)(args)),
    info: (...args) => base.info(...clean(out)(args)),
    error: (...args) => base.error(...clean(err)(args)),
    warn: (...args) => base.warn(...clean(err)(args)),
    unsafe: {
      ...base.unsafe,
      log: (...args) => base.unsafe.log(...clean(out)(args)),
      info: (...args) => base.unsafe.info(...clean(out)(args)),
      error: (...args) => base.unsafe.error(...clean(err)(args)),
      warn: (...args) => base.unsafe.warn(...clean(err)(args))
    }
  }
}
