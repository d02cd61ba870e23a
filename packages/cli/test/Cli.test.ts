import { assert, describe, it } from "@effect/vitest"
import { mnemonicNew } from "@ton/crypto"
import * as Effect from "effect/Effect"
import { execFile, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Fakes from "../src/Fakes.js"

const bin = fileURLToPath(new URL("../bin/authfx.mjs", import.meta.url))

/** Runs `authfx ...args` in its own process with exactly `env` added. */
const authfx = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>) =>
  Effect.async<{ readonly code: number; readonly output: string }>((resume) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(NANDBOX|NABI|WHATSGATE|GUNBOT|TERABOX)_/.test(key))
    )
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...clean, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resume(
          Effect.succeed({
            code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
            output: stdout + stderr
          })
        )
    )
  })

/** A wrong value of each provider's secret, of the right shape. */
const wrong = (
  provider: string,
  env: Readonly<Record<string, string>>,
  otherMnemonic: string
): Record<string, string> => {
  switch (provider) {
    case "nandbox":
      return { NANDBOX_TOKEN: `${env["NANDBOX_TOKEN"]!.split(":")[0]}:0:WrongWrongWrongWrongWrongWrong` }
    case "nabi":
      // Another key with the fake's address would be a ConfigurationError (the address is bound to the key):
      // the other key's own derived wallet, unknown to the fake, is what gets refused.
      return { NABI_MNEMONIC: otherMnemonic, NABI_ADDRESS: "" }
    case "whatsgate":
      return { WHATSGATE_ACCESS_TOKEN: "wg_wrongwrongwrongwrongwrong" }
    case "gunbot":
      return { GUNBOT_PASSWORD: "wrong-password-for-gunbot" }
    default:
      return { TERABOX_NDUS: "Y2YqaCTe_wrongwrongwrongwrongwrong" }
  }
}

const secretVars = [
  "NANDBOX_TOKEN",
  "NABI_MNEMONIC",
  "WHATSGATE_ACCESS_TOKEN",
  "GUNBOT_PASSWORD",
  "GUNBOT_WALLET",
  "TERABOX_NDUS"
]

describe("authfx status against the fakes", () => {
  it.live(
    "each provider: the fake's env authenticates (exit 0); a wrong secret fails typed (exit 1); no secret printed",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const running = yield* Fakes.startAll
        const otherMnemonic = (yield* Effect.promise(() => mnemonicNew(24))).join(" ")
        yield* Effect.forEach(running, (fake) =>
          Effect.gen(function*() {
            const right = yield* authfx(["status", fake.provider], fake.env)
            assert.strictEqual(right.code, 0, right.output)
            assert.match(right.output, new RegExp(`✓ ${fake.provider}`))
            const bad = wrong(fake.provider, fake.env, otherMnemonic)
            const failed = yield* authfx(["status", fake.provider], { ...fake.env, ...bad })
            assert.strictEqual(failed.code, 1, failed.output)
            assert.match(failed.output, new RegExp(`✗ ${fake.provider} +(CredentialsRejected|CredentialsMissing): `))
            for (const key of secretVars) {
              for (const value of [fake.env[key], bad[key]]) {
                if (value === undefined) continue
                // Words of a mnemonic, tokens and passwords, and their secret parts.
                const secret = key === "NANDBOX_TOKEN" ? value.split(":")[2]! : value
                assert.notInclude(right.output, secret, `${key} printed`)
                assert.notInclude(failed.output, secret, `${key} printed`)
              }
            }
          }), { concurrency: 2 })
      })),
    120_000
  )

  it.live("with nothing configured: a message and exit 1", () =>
    Effect.gen(function*() {
      const result = yield* authfx(["status"], {})
      assert.strictEqual(result.code, 1)
      assert.include(result.output, "no provider is configured")
    }), 30_000)
})

describe("authfx fakes --json", () => {
  it.live("prints one JSON object per provider, then closes cleanly on SIGINT", () =>
    Effect.async<void>((resume) => {
      const child = spawn(process.execPath, [bin, "fakes", "--json"], { stdio: ["ignore", "pipe", "pipe"] })
      let output = ""
      child.stdout.on("data", (chunk) => {
        output += chunk.toString()
        if (output.split("\n").filter((l) => l.startsWith("{")).length === 5) child.kill("SIGINT")
      })
      child.on("exit", (code, signal) => {
        try {
          const lines = output.trim().split("\n")
          const parsed = lines.map((line) => JSON.parse(line))
          assert.deepStrictEqual(parsed.map((p) => p.provider), ["nandbox", "nabi", "whatsgate", "gunbot", "terabox"])
          for (const p of parsed) {
            assert.deepStrictEqual(Object.keys(p), ["provider", "url", "env"])
            assert.match(p.url, /^(ws|http):\/\/127\.0\.0\.1:\d+/)
          }
          assert.include(Object.keys(parsed[0].env), "NANDBOX_TOKEN")
          assert.isTrue(code === 0 || code === 130 || signal === "SIGINT", `exit ${code} ${signal}`)
          resume(Effect.void)
        } catch (error) {
          resume(Effect.die(error))
        }
      })
    }), 30_000)
})
