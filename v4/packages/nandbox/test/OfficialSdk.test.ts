import { NandboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const fixture = fileURLToPath(new URL("./fixtures/official-sdk.cjs", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

/** Runs the official SDK against `url` in its own process, from a deep temporary folder (it logs four folders up). */
const runOfficialSdk = (url: string, token: string) =>
  Effect.callback<{ readonly code: number; readonly stdout: string }>((resume) => {
    const cwd = join(mkdtempSync(join(tmpdir(), "nandbox-sdk-")), "a", "b", "c", "d")
    mkdirSync(cwd, { recursive: true })
    execFile(process.execPath, [fixture], {
      cwd,
      env: { ...process.env, NANDBOX_URL: url, NANDBOX_TOKEN: token, SDK_FROM: packageDir, AUTH_TIMEOUT_MS: "5000" },
      timeout: 15_000
    }, (error, stdout) => resume(Effect.succeed({ code: error === null ? 0 : (error.code as number) ?? 1, stdout })))
  })

describe("the official nandbox-bot-api SDK against NandboxFake", () => {
  it.live("authenticates, sending TOKEN_AUTH with rem as a boolean", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make({ botName: "My First API" })
      const result = yield* runOfficialSdk(fake.url, fake.token())
      assert.strictEqual(result.code, 0, result.stdout)
      const line = JSON.parse(result.stdout.trim().split("\n").filter((l) => l.startsWith("{")).at(-1)!)
      assert.deepStrictEqual([line.connected, line.botId, line.name], [true, fake.botId, "My First API"])
      const auth = fake.connections[0]!.frames[0]!
      assert.deepStrictEqual([auth["method"], auth["rem"]], ["TOKEN_AUTH", true])
    })), 20_000)

  it.live(
    "a wrong token is refused with 100099 and the SDK never authenticates",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const fake = yield* NandboxFake.make()
        const result = yield* runOfficialSdk(fake.url, `${fake.botId}:0:wrongwrongwrongwrongwrongwrong`)
        assert.notStrictEqual(result.code, 0)
        assert.strictEqual(fake.counters.rejections, 1)
      })),
    20_000
  )
})
