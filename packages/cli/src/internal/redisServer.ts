import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export class RedisServerError extends Data.TaggedError("RedisServerError")<{ readonly description: string }> {}

/** Whether `redis-server` is on the PATH. */
export const available = (): boolean => spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0

/**
 * A private `redis-server` for the life of the scope: on a unix socket in a
 * fresh temporary directory (no port to collide with), no persistence,
 * stopped by its PID.
 */
export const start = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly pid: number; readonly stop: () => void }, RedisServerError>(
    (resume) => {
      const dir = mkdtempSync(join(tmpdir(), "authfx-fleet-"))
      const socket = join(dir, "redis.sock")
      const child = spawn(
        "redis-server",
        ["--port", "0", "--unixsocket", socket, "--unixsocketperm", "700", "--save", "", "--appendonly", "no"],
        { stdio: ["ignore", "pipe", "pipe"], cwd: dir }
      )
      const stop = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
        rmSync(dir, { recursive: true, force: true })
      }
      let output = ""
      const timer = setTimeout(() => {
        stop()
        resume(Effect.fail(new RedisServerError({ description: "redis-server did not start within 10 s" })))
      }, 10_000)
      child.once("error", (error) => {
        clearTimeout(timer)
        stop()
        resume(Effect.fail(new RedisServerError({ description: error.message })))
      })
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString()
        if (!/ready to accept connections/i.test(output)) return
        clearTimeout(timer)
        resume(Effect.succeed({ url: `unix://${socket}`, pid: child.pid!, stop }))
      })
      return Effect.sync(stop)
    }
  ),
  (server) => Effect.sync(server.stop)
)
