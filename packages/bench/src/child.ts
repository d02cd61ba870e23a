/**
 * Starts a fixture in a process of its own and reads the one line it prints
 * when ready; closing its stdin ends it.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

export interface Child {
  readonly line: string
  readonly close: () => void
}

export const start = (
  fixture: string,
  args: ReadonlyArray<string> = [],
  fixtureArgs: ReadonlyArray<string> = []
): Promise<Child> =>
  new Promise((resolve, reject) => {
    const file = fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url))
    const child = spawn(process.execPath, [...args, file, ...fixtureArgs], { stdio: ["pipe", "pipe", "inherit"] })
    let buffer = ""
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`${fixture} did not start`))
    }, 30_000)
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8")
      const end = buffer.indexOf("\n")
      if (end >= 0) {
        clearTimeout(timer)
        resolve({
          line: buffer.slice(0, end),
          close: () => {
            child.stdin.end()
            setTimeout(() => child.kill(), 1_000).unref()
          }
        })
      }
    })
    child.on("error", reject)
  })
