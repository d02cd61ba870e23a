/**
 * `authfx status` with `AUTHFX_REDIS_URL`: a Redis that refuses the password
 * is reported as `Authentication`, not as an outage, and the password is
 * never printed.
 */
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Status from "../src/Status.js"

const available = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0
const password = "status-test-password-91fe"

const freePort = () =>
  Effect.async<number>((resume) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resume(Effect.succeed(port)))
    })
  })

/** A `redis-server` with a password on a loopback port, for the life of the scope. */
const redisWithPassword = Effect.flatMap(freePort(), (port) =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly stop: () => void }>((resume) => {
      const dir = mkdtempSync(join(tmpdir(), "authfx-status-"))
      const child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--requirepass", password, "--save", "", "--appendonly", "no"],
        { stdio: ["ignore", "pipe", "pipe"], cwd: dir }
      )
      let output = ""
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString()
        if (/ready to accept connections/i.test(output)) {
          resume(Effect.succeed({
            port,
            stop: () => {
              child.kill("SIGKILL")
              rmSync(dir, { recursive: true, force: true })
            }
          }))
        }
      })
    }),
    (server) => Effect.sync(server.stop)
  ))

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe.skipIf(!available)("authfx status and the fleet's Redis", () => {
  it.scopedLive("a wrong password: Authentication, said as such, the password never printed", () =>
    Effect.gen(function*() {
      const server = yield* redisWithPassword
      const wrong = yield* Status.checkCoordination.pipe(
        withEnv({ AUTHFX_REDIS_URL: `redis://:not-the-password@127.0.0.1:${server.port}` })
      )
      assert.isDefined(wrong)
      assert.isFalse(wrong!.ok)
      assert.strictEqual(wrong!.error?.reason, "Authentication")
      const text = Status.formatCoordination(wrong!)
      assert.match(text, /refused the credentials \(Authentication\)/)
      assert.notMatch(text, /not reachable/)
      assert.notInclude(text, "not-the-password")
      assert.notInclude(Status.formatCoordination(wrong!, undefined, true), "not-the-password")

      const right = yield* Status.checkCoordination.pipe(
        withEnv({ AUTHFX_REDIS_URL: `redis://:${password}@127.0.0.1:${server.port}` })
      )
      assert.isTrue(right!.ok)
      assert.notInclude(Status.formatCoordination(right!), password)

      const none = yield* Status.checkCoordination.pipe(withEnv({}))
      assert.isUndefined(none)
    }))
})
