import * as Effect from "effect/Effect"
import { execFile, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

/** The `authfx` executable, as `npx authfx` or `pnpm authfx` runs it. */
export const bin = fileURLToPath(new URL("../bin/authfx.mjs", import.meta.url))

/** The repository root (where `pnpm authfx` is run from). */
export const root = fileURLToPath(new URL("../../../", import.meta.url))

/** The environment of this process without any provider's variables, colour hints or TTY hints. */
export const cleanEnv = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(([key, value]) =>
      value !== undefined && !/^(NANDBOX|NABI|WHATSGATE|GUNBOT|TERABOX)_/.test(key) &&
      !["NO_COLOR", "FORCE_COLOR"].includes(key)
    )
  ) as Record<string, string>

export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly millis: number
}

/**
 * Runs `authfx ...args` in its own process (pipes: not a terminal) with `env`
 * added to a clean environment. Generous timeout: the machine's two cores are
 * shared.
 */
export const authfx = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  Effect.async<Ran>((resume) => {
    const started = Date.now()
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...cleanEnv(), ...env }, timeout: 90_000 },
      (error, stdout, stderr) =>
        resume(Effect.succeed({
          code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
          stdout,
          stderr,
          millis: Date.now() - started
        }))
    )
  })

/** A chunk of output and when it arrived, in milliseconds after the process started. */
export interface Chunk {
  readonly at: number
  readonly text: string
}

/**
 * Runs a long-lived command until `done(stdout so far)` holds, then sends
 * SIGINT to its process group; returns what it printed and how it ended.
 */
export const untilOutput = (
  command: string,
  args: ReadonlyArray<string>,
  done: (stdout: string) => boolean,
  options: { readonly env?: Readonly<Record<string, string>>; readonly cwd?: string } = {}
) =>
  Effect.async<
    { readonly stdout: string; readonly stderr: string; readonly code: number | null; readonly signal: string | null }
  >(
    (resume) => {
      const child = spawn(command, args, {
        env: { ...cleanEnv(), ...options.env },
        cwd: options.cwd,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true
      })
      let stdout = ""
      let stderr = ""
      let stopped = false
      const stop = () => {
        if (stopped) return
        stopped = true
        process.kill(-child.pid!, "SIGINT")
      }
      const guard = setTimeout(stop, 60_000)
      child.stdout.on("data", (chunk) => {
        stdout += chunk.toString()
        if (done(stdout)) stop()
      })
      child.stderr.on("data", (chunk) => void (stderr += chunk.toString()))
      child.on("exit", (code, signal) => {
        clearTimeout(guard)
        resume(Effect.succeed({ stdout, stderr, code, signal }))
      })
      return Effect.sync(stop)
    }
  )

/** Runs `authfx ...args`, recording when each chunk of stdout arrived. */
export const timed = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>) =>
  Effect.async<{ readonly chunks: ReadonlyArray<Chunk>; readonly code: number | null; readonly exitAt: number }>(
    (resume) => {
      const started = Date.now()
      const child = spawn(process.execPath, [bin, ...args], {
        env: { ...cleanEnv(), ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      const chunks: Array<Chunk> = []
      child.stdout.on("data", (chunk) => chunks.push({ at: Date.now() - started, text: chunk.toString() }))
      child.on("exit", (code) => resume(Effect.succeed({ chunks, code, exitAt: Date.now() - started })))
    }
  )

/** Any ANSI escape sequence. */
export const ansi = /\u001b\[/
