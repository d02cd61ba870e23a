import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile, execFileSync } from "node:child_process"
import * as Fakes from "../src/Fakes.js"
import { bin, cleanEnv } from "./run.js"

/** util-linux `script` gives the command a pseudo-terminal; without it this test cannot run. */
const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`

/** Runs `authfx ...args` on a pseudo-terminal and returns everything it wrote, escape sequences included. */
const onTerminal = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>) =>
  Effect.async<{ readonly code: number; readonly raw: string }>((resume) => {
    const command = [process.execPath, bin, ...args].map(quote).join(" ")
    execFile(
      "script",
      ["-qefc", command, "/dev/null"],
      { env: { ...cleanEnv(), TERM: "xterm-256color", ...env }, timeout: 90_000 },
      (error, stdout) => resume(Effect.succeed({ code: error === null ? 0 : Number(error.code ?? 1), raw: stdout }))
    )
  })

const green = "\u001b[32m"

describe.skipIf(!hasScript)("authfx on a terminal", () => {
  it.live(
    "status, demo and help use colour (status a live progress line) on a TTY; NO_COLOR removes it",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const running = yield* Fakes.startAll
        const whatsgate = running.find((r) => r.provider === "whatsgate")!.env
        const [status, statusPlain, demo, demoPlain, help, helpPlain] = yield* Effect.all([
          onTerminal(["status", "whatsgate"], whatsgate),
          onTerminal(["status", "whatsgate"], { ...whatsgate, NO_COLOR: "1" }),
          onTerminal(["demo", "whatsgate"], {}),
          onTerminal(["demo", "whatsgate"], { NO_COLOR: "1" }),
          onTerminal(["status", "--help"], {}),
          onTerminal(["status", "--help"], { NO_COLOR: "1" })
        ], { concurrency: 2 })
        for (const result of [status, statusPlain, demo, demoPlain, help, helpPlain]) {
          assert.strictEqual(result.code, 0, result.raw)
        }
        // @effect/cli's help is styled on a terminal, and plain with NO_COLOR.
        assert.match(help.raw, /\u001b\[[0-9;]*m/)
        assert.notMatch(helpPlain.raw, /\u001b\[[0-9;]*m/)
        assert.include(helpPlain.raw, "NANDBOX_TOKEN")
        assert.include(status.raw, `${green}✓`)
        assert.include(demo.raw, `${green}✓`)
        assert.include(demo.raw, "\u001b[1mwhatsgate\u001b[22m")
        // The progress line is drawn and then erased on a terminal, with or without colour.
        assert.include(statusPlain.raw, "checking whatsgate")
        assert.include(statusPlain.raw, "\r\u001b[2K")
        // NO_COLOR: no colour at all, the same words.
        for (const plain of [statusPlain, demoPlain]) assert.notMatch(plain.raw, /\u001b\[[0-9;]*m/)
        assert.include(statusPlain.raw, "✓ whatsgate")
        assert.include(demoPlain.raw, "✓ every provider behaved as expected")
      })),
    120_000
  )
})
