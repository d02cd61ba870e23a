/**
 * The testkit fakes in a Node process of their own (the app's `fakes.ts`,
 * compiled), for the programs that run under Bun and Deno.
 */
import { spawn } from "node:child_process"
import type { App } from "./Consumer.js"

export interface Running {
  /** Every fake's variables, merged: what the programs read their configuration from. */
  readonly env: Readonly<Record<string, string>>
  readonly stop: () => void
}

/** Starts `out/fakes.js` with the providers' fakes and waits (at most 30 s) for the line of their variables. */
export const start = (app: App, providers: ReadonlyArray<string>): Promise<Running> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["out/fakes.js", ...providers], {
      cwd: app.dir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill()
      reject(new Error(`the fakes process ${why}\n${stdout}\n${stderr}`))
    }
    const timer = setTimeout(() => fail("did not start within 30 s"), 30_000)
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")))
    child.on("exit", (code) => fail(`exited (${code})`))
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      const newline = stdout.indexOf("\n")
      if (newline === -1) return
      clearTimeout(timer)
      child.removeAllListeners("exit")
      resolve({
        env: JSON.parse(stdout.slice(0, newline)) as Record<string, string>,
        stop: () => void child.kill()
      })
    })
  })
