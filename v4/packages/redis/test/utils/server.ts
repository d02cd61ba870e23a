/**
 * A real `redis-server` for the tests: started on a unix socket in a fresh
 * temporary directory (no port to race for), without persistence, and
 * stopped by its PID.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface RedisServer {
  readonly url: string
  readonly socket: string
  readonly pid: number
  readonly signal: (signal: NodeJS.Signals) => void
  readonly stop: () => Promise<void>
}

/** Whether `redis-server` can be run here. */
export const available = (): boolean => spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0

/** Starts a server; `extra` arguments are appended (`--requirepass`, `--user`, …). */
export const start = (extra: ReadonlyArray<string> = []): Promise<RedisServer> =>
  new Promise((resolve, reject) => {
    const dir = mkdtempSync(join(tmpdir(), "authfx-redis-"))
    const socket = join(dir, "redis.sock")
    const child = spawn(
      "redis-server",
      [
        "--port",
        "0",
        "--unixsocket",
        socket,
        "--unixsocketperm",
        "700",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        ...extra
      ],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      rmSync(dir, { recursive: true, force: true })
      reject(new Error(`redis-server did not start within 10 s:\n${output}`))
    }, 10_000)
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      if (!/ready to accept connections/i.test(output)) return
      clearTimeout(timer)
      const exited = new Promise<void>((done) => child.once("exit", () => done()))
      resolve({
        url: `unix://${socket}`,
        socket,
        pid: child.pid!,
        signal: (signal) => void process.kill(child.pid!, signal),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            process.kill(child.pid!, "SIGCONT")
            process.kill(child.pid!, "SIGKILL")
            await exited
          }
          rmSync(dir, { recursive: true, force: true })
        }
      })
    })
  })
