/**
 * The testkit fakes in a Node process of their own (the app's `fakes.ts`,
 * compiled), for the programs that run under Bun and Deno.
 */
import { spawn } from "node:child_process"
import type { App } from "./Consumer.js"

export interface Running {
  /** Every fake's variables, merged: what the programs read their configuration from. */
  readonly env: Readonly<Record<string, string>>
  /** What the fakes have seen so far (each program's `seen`, by name), asked of the process (at most 10 s). */
  readonly seen: () => Promise<Readonly<Record<string, unknown>>>
  readonly stop: () => void
}

/** Starts `out/fakes.js` with the providers' fakes and waits (at most 30 s) for the line of their variables. */
export const start = (app: App, providers: ReadonlyArray<string>): Promise<Running> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["out/fakes.js", ...providers], {
      cwd: app.dir,
      stdio: ["pipe", "pipe", "pipe"]
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
    // The first line is the variables; each later `seen {…}` answers a `seen` asked on standard input, in order.
    const asked: Array<(line: string) => void> = []
    let started = false
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      for (let newline = stdout.indexOf("\n"); newline !== -1; newline = stdout.indexOf("\n")) {
        const line = stdout.slice(0, newline)
        stdout = stdout.slice(newline + 1)
        if (started) {
          if (line.startsWith("seen ")) asked.shift()?.(line.slice("seen ".length))
          continue
        }
        started = true
        clearTimeout(timer)
        child.removeAllListeners("exit")
        resolve({
          env: JSON.parse(line) as Record<string, string>,
          seen: () =>
            new Promise((resolve, reject) => {
              const timeout = setTimeout(
                () => reject(new Error("the fakes process did not answer within 10 s")),
                10_000
              )
              asked.push((answer) => {
                clearTimeout(timeout)
                resolve(JSON.parse(answer) as Record<string, unknown>)
              })
              child.stdin.write("seen\n")
            }),
          stop: () => void child.kill()
        })
      }
    })
  })
