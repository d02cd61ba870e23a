import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import * as Fakes from "../src/Fakes.js"
import * as Status from "../src/Status.js"
import { ansi, authfx, bin, cleanEnv, root, untilOutput } from "./run.js"

/** Runs `script` in bash with `args` as $1…, in a clean environment. */
const bash = (script: string, args: ReadonlyArray<string> = []) =>
  Effect.async<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resume) => {
    execFile(
      "bash",
      ["-c", script, "bash", ...args],
      { env: cleanEnv(), timeout: 90_000 },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }))
    )
  })

describe("authfx usage errors", () => {
  const cases = [
    [["status", "foo"], "unknown provider \"foo\": expected one of nandbox, nabi, whatsgate, gunbot, terabox"],
    [["demo", "gunbot", "terrabox"], "unknown provider \"terrabox\": expected one of nandbox, nabi, whatsgate"],
    [["bogus"], "Invalid subcommand for authfx - use one of 'demo', 'fakes', 'status', 'fleet'"],
    [["status", "--timeout", "0"], "--timeout must be above 0"],
    [["fakes", "--jsn"], "Received unknown argument: '--jsn'"]
  ] as const
  it.live(
    `${cases.map(([args]) => `authfx ${args.join(" ")}`).join("; ")}: a message and the usage, exit 2`,
    () =>
      Effect.forEach(cases, ([args, message]) =>
        Effect.gen(function*() {
          const result = yield* authfx(args)
          assert.strictEqual(result.code, 2, result.stderr)
          assert.strictEqual(result.stdout, "")
          assert.include(result.stderr, message)
          assert.match(result.stderr, /\nusage: authfx /)
          const sub = args[0] === "bogus" ? undefined : args[0]
          if (sub !== undefined) assert.match(result.stderr, new RegExp(`usage: authfx ${sub} `))
          // No parser dump, no log line, no colour in a pipe.
          assert.notInclude(result.stderr, "{")
          assert.notInclude(result.stderr, "ERROR")
          assert.notMatch(result.stderr, ansi)
          assert.isBelow(result.stderr.trim().split("\n").length, 8, result.stderr)
        }), { concurrency: 2, discard: true }),
    60_000
  )
})

describe("authfx help", () => {
  it.live(
    "status --help lists every provider's variables, without colour in a pipe",
    () =>
      Effect.gen(function*() {
        const result = yield* authfx(["status", "--help"])
        assert.strictEqual(result.code, 0)
        assert.notMatch(result.stdout, ansi)
        for (const provider of Status.providers) {
          for (const v of Status.variables[provider]) assert.include(result.stdout, v.name)
        }
        assert.include(result.stdout, "--timeout")
        assert.include(result.stdout, "--json")
      }),
    30_000
  )

  it.live(
    "help names the command as typed, lists only the options that apply, and fits in 120 columns",
    () =>
      Effect.gen(function*() {
        const [root, status, demo, fakes, short] = yield* Effect.all([
          authfx(["--help"]),
          authfx(["status", "--help"]),
          authfx(["demo", "-h"]),
          authfx(["fakes", "--help"]),
          authfx(["status", "-h"])
        ], { concurrency: 2 })
        for (const result of [root, status, demo, fakes, short]) {
          assert.strictEqual(result.code, 0, result.stderr)
          assert.strictEqual(result.stderr, "")
          for (const line of result.stdout.split("\n")) assert.isAtMost([...line].length, 120, line)
          // @effect/cli's built-ins that authfx does not support, and its generic banner.
          assert.notInclude(result.stdout, "--wizard")
          assert.notInclude(result.stdout, "--completions")
          assert.notMatch(result.stdout, /^\$ /m)
          assert.notInclude(result.stdout, "A true or false value")
          assert.include(result.stdout, "--log-level")
        }
        assert.match(status.stdout, /^authfx status\n/)
        assert.match(status.stdout, /\n {2}authfx status \[--json\] \[--timeout float\] <provider>\.\.\.\n/)
        assert.strictEqual(short.stdout, status.stdout)
        assert.match(demo.stdout, /\n {2}authfx demo <provider>\.\.\.\n/)
        assert.match(fakes.stdout, /\n {2}authfx fakes \[--json\] \[--env\]\n/)
        for (const command of ["demo", "fakes", "status", "fleet"]) assert.include(root.stdout, `  authfx ${command}`)
        // Each variable on a line of its own.
        assert.match(status.stdout, /\n {2}GUNBOT_WALLET +the gunthy wallet/)
      }),
    60_000
  )

  it.live("--version answers", () =>
    Effect.gen(function*() {
      const result = yield* authfx(["--version"])
      assert.strictEqual(result.code, 0)
      assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/)
    }), 30_000)
})

const providerLines = (stdout: string) => stdout.split("\n").filter((line) => line !== "")

describe("authfx fakes", () => {
  it.live(
    "--json prints one JSON object per line and nothing else, then closes cleanly on SIGINT",
    () =>
      Effect.gen(function*() {
        const result = yield* untilOutput(
          process.execPath,
          [bin, "fakes", "--json"],
          (out) => providerLines(out).length >= 5
        )
        const parsed = providerLines(result.stdout).map((line) => JSON.parse(line))
        assert.deepStrictEqual(parsed.map((p) => p.provider), ["nandbox", "nabi", "whatsgate", "gunbot", "terabox"])
        for (const p of parsed) {
          assert.deepStrictEqual(Object.keys(p), ["provider", "url", "env"])
          assert.match(p.url, /^(ws|http):\/\/127\.0\.0\.1:\d+/)
        }
        assert.include(Object.keys(parsed[0].env), "NANDBOX_TOKEN")
        assert.isTrue(result.code === 0 || result.code === 130 || result.signal === "SIGINT", `${result.code}`)
      }),
    60_000
  )

  it.live(
    "the README's `npx -y pnpm@10.34.9 --silent authfx fakes --json` prints only JSON lines",
    () =>
      Effect.gen(function*() {
        const result = yield* untilOutput(
          "npx",
          ["-y", "pnpm@10.34.9", "--silent", "authfx", "fakes", "--json"],
          (out) => providerLines(out).length >= 5,
          { cwd: root }
        )
        const lines = providerLines(result.stdout)
        assert.strictEqual(lines.length, 5, result.stdout + result.stderr)
        for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line)
      }),
    90_000
  )

  it.live(
    "--env prints lines bash can eval, after which status authenticates against every fake",
    () =>
      Effect.gen(function*() {
        const result = yield* untilOutput(
          process.execPath,
          [bin, "fakes", "--env"],
          (out) => out.includes("# the fakes run until")
        )
        for (const line of providerLines(result.stdout)) assert.match(line, /^(# .*|export [A-Z_]+='[^']*')$/)
        // The fakes are gone with that process: start them again here and print their variables the same way.
        const again = yield* Effect.scoped(Effect.gen(function*() {
          const running = yield* Fakes.startAll
          const text = Fakes.formatAll(running, "env")
          return yield* bash(`eval "$1" && exec "$2" "$3" status --timeout 30`, [text, process.execPath, bin])
        }))
        assert.strictEqual(again.code, 0, again.stdout + again.stderr)
        assert.include(again.stdout, "5 of 5 providers authenticated")
      }),
    90_000
  )

  it.live("shell quoting survives quotes, spaces, dollars, backticks and newlines", () =>
    Effect.gen(function*() {
      const nasty = `it's "a" $HOME \`id\` \\n\nline two; rm -rf /tmp/nothing #`
      const text = Fakes.formatEnv({ provider: "x", url: "http://127.0.0.1:1", env: { NASTY: nasty, PLAIN: "abc" } })
      const result = yield* bash(`eval "$1" && printf '%s' "$NASTY" && printf '|%s' "$PLAIN"`, [text])
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stdout, `${nasty}|abc`)
    }), 30_000)
})
