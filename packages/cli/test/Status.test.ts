import * as SecretScan from "@authfx/testkit/SecretScan"
import { assert, describe, it } from "@effect/vitest"
import { mnemonicNew } from "@ton/crypto"
import * as Effect from "effect/Effect"
import { createServer, type Server, type Socket } from "node:net"
import * as Fakes from "../src/Fakes.js"
import * as Status from "../src/Status.js"
import { ansi, authfx, timed } from "./run.js"

/** A wrong value of each provider's secret, of the right shape. */
const wrong = (env: Readonly<Record<string, string>>, otherMnemonic: string): Record<string, string> => ({
  NANDBOX_TOKEN: `${env["NANDBOX_TOKEN"]!.split(":")[0]}:0:WrongWrongWrongWrongWrongWrong`,
  // Another key with the fake's address would be a ConfigurationError (the address is bound to the key):
  // the other key's own derived wallet, unknown to the fake, is what gets refused.
  NABI_MNEMONIC: otherMnemonic,
  NABI_ADDRESS: "",
  WHATSGATE_ACCESS_TOKEN: "wg_wrongwrongwrongwrongwrong",
  GUNBOT_PASSWORD: "wrong-password-for-gunbot",
  TERABOX_NDUS: "Y2YqaCTe_wrongwrongwrongwrongwrong"
})

/** Every secret value in `env`, and the secret part of a nandbox token. */
const secretsOf = (env: Readonly<Record<string, string>>): ReadonlyArray<string> =>
  Status.providers.flatMap((p) => Status.variables[p].filter((v) => v.secret).map((v) => env[v.name]))
    .filter((value): value is string => value !== undefined)
    .flatMap((value) => value.includes(":") ? [value, value.split(":").at(-1)!] : [value])

const assertNoSecret = (output: string, env: Readonly<Record<string, string>>) => {
  for (const secret of secretsOf(env)) assert.notInclude(output, secret, "a secret was printed")
  // Not even one word of a mnemonic in a row with the next.
  const words = env["NABI_MNEMONIC"]?.split(" ") ?? []
  if (words.length > 1) assert.notInclude(output, `${words[0]} ${words[1]}`)
}

/** The fakes' variables, all together. */
const allEnv = (running: ReadonlyArray<Fakes.Running>) => Object.assign({}, ...running.map((r) => r.env))

/** One provider's block of text output: its heading and its indented lines. */
const block = (output: string, provider: string): string => {
  const lines = output.split("\n")
  const start = lines.findIndex((l) => new RegExp(`^[✓✗] ${provider} `).test(l))
  if (start < 0) return ""
  const end = lines.findIndex((l, i) => i > start && !l.startsWith("  "))
  return lines.slice(start, end < 0 ? undefined : end).join("\n")
}

describe("authfx status against the fakes", () => {
  it.live(
    "every provider authenticates: who, where, from which variable, until when; exit 0; no secret",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const running = yield* Fakes.startAll
        const env = allEnv(running)
        const result = yield* authfx(["status"], env)
        assert.strictEqual(result.code, 0, result.stdout + result.stderr)
        assert.notMatch(result.stdout, ansi, "colour in a pipe")
        assert.notInclude(result.stdout, "checking", "a progress line in a pipe")
        for (const fake of running) {
          const text = block(result.stdout, fake.provider)
          assert.match(text, new RegExp(`^✓ ${fake.provider} +${fake.url.replace(/\/$/, "").replace(/[.]/g, "\\.")}`))
          assert.match(text, /\n {2}- Logged in as .+/)
          assert.match(text, /\n {2}- Credential from [A-Z_]+/)
        }
        assert.include(block(result.stdout, "nandbox"), `bot "authfx fake bot"`)
        assert.include(block(result.stdout, "terabox"), "user authfx_fake_user")
        assert.include(block(result.stdout, "whatsgate"), `device ${env["WHATSGATE_DEVICE"]} (connected)`)
        // JWT sessions say when they end and how long is left.
        assert.match(
          block(result.stdout, "gunbot"),
          /Session expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in \d+m \d+s\)/
        )
        assert.match(
          block(result.stdout, "nabi"),
          /Session expires .+ UTC \(in \d+m \d+s\); renewable until .+ \(in \d+d/
        )
        assert.include(result.stdout, "5 of 5 providers authenticated")
        assertNoSecret(result.stdout + result.stderr, env)
      })),
    90_000
  )

  it.live(
    "wrong secrets: every provider fails with its typed error, exit 1, no secret",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const running = yield* Fakes.startAll
        const otherMnemonic = (yield* Effect.promise(() => mnemonicNew(24))).join(" ")
        const env = { ...allEnv(running), ...wrong(allEnv(running), otherMnemonic) }
        const result = yield* authfx(["status"], env)
        assert.strictEqual(result.code, 1, result.stdout + result.stderr)
        for (const provider of Status.providers) {
          assert.match(
            block(result.stdout, provider),
            /\n {2}- (CredentialsRejected|CredentialsMissing|ConfigurationError)/
          )
        }
        assert.include(result.stdout, "0 of 5 providers authenticated")
        // The report says every failure: without --log-level, the engine's "login failed" warnings are not repeated.
        assert.notInclude(result.stderr, "WARN", result.stderr)
        assertNoSecret(result.stdout + result.stderr, env)
        assertNoSecret(result.stdout + result.stderr, allEnv(running))
      })),
    90_000
  )

  it.live(
    "--json: one object per provider and line, with expiry, and no secret",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const running = yield* Fakes.startAll
        const env = allEnv(running)
        const result = yield* authfx(["status", "--json", "gunbot", "nabi", "nandbox"], env)
        assert.strictEqual(result.code, 0, result.stdout + result.stderr)
        const objects = result.stdout.trim().split("\n").map((line) => JSON.parse(line))
        assert.sameMembers(objects.map((o) => o.provider), ["gunbot", "nabi", "nandbox"])
        for (const o of objects) {
          assert.strictEqual(o.ok, true)
          assert.strictEqual(o.error, null)
          assert.isString(o.account)
          assert.isTrue(o.credentials.length > 0)
          assert.strictEqual(o.url, running.find((r) => r.provider === o.provider)!.url.replace(/\/$/, ""))
        }
        const gunbot = objects.find((o) => o.provider === "gunbot")
        assert.isAbove(gunbot.secondsLeft, 0)
        assert.isAbove(Date.parse(gunbot.expiresAt), Date.now())
        assert.deepStrictEqual(gunbot.credentials, ["GUNBOT_PASSWORD", "GUNBOT_WALLET"])
        assert.isNull(objects.find((o) => o.provider === "nandbox").expiresAt)
        assertNoSecret(result.stdout, env)
      })),
    90_000
  )

  it.live(
    "the session state of the engine: expiry, renewal, generation, in text and in --json",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const running = yield* Fakes.startAll
        const env = allEnv(running)
        const text = yield* authfx(["status", "gunbot", "nandbox"], env)
        assert.strictEqual(text.code, 0, text.stdout + text.stderr)
        assert.match(
          block(text.stdout, "gunbot"),
          /Session expires .+ UTC \(in 59m \d+s\); renewal due .+ UTC \(in \d+m \d+s\)\n {2}- Session authenticated, generation 1$/
        )
        assert.match(block(text.stdout, "nandbox"), /\n {2}- Session authenticated, generation 1$/)
        assert.notInclude(block(text.stdout, "nandbox"), "Session expires")
        const json = yield* authfx(["status", "--json", "gunbot", "nabi", "terabox"], env)
        const objects = json.stdout.trim().split("\n").map((line) => JSON.parse(line))
        for (const o of objects) {
          assert.strictEqual(o.session.authenticated, true, o.provider)
          assert.strictEqual(o.session.generation, 1, o.provider)
          assert.isAtMost(Date.parse(o.session.acquiredAt), Date.now())
        }
        for (const provider of ["gunbot", "nabi"]) {
          const o = objects.find((o) => o.provider === provider)
          // Renewed ahead of the expiry, after the login.
          assert.isBelow(Date.parse(o.renewsAt), Date.parse(o.expiresAt), provider)
          assert.isAbove(Date.parse(o.renewsAt), Date.parse(o.session.acquiredAt), provider)
        }
        const terabox = objects.find((o) => o.provider === "terabox")
        assert.isNull(terabox.expiresAt)
        assert.isNull(terabox.renewsAt)
        assertNoSecret(text.stdout + json.stdout, env)
      })),
    90_000
  )

  it.live(
    "--log-level debug: each engine's login and its expiry on stderr, stdout still JSON lines, no secret",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const running = yield* Fakes.startAll
        const env = allEnv(running)
        const result = yield* authfx(["status", "--log-level", "debug", "--json", "gunbot", "nabi", "nandbox"], env)
        assert.strictEqual(result.code, 0, result.stdout + result.stderr)
        const objects = result.stdout.trim().split("\n").map((line) => JSON.parse(line))
        assert.sameMembers(objects.map((o) => o.provider), ["gunbot", "nabi", "nandbox"])
        // One login line per provider, with the expiry the report gives.
        const logins = [
          ...result.stderr.matchAll(
            /DEBUG .*: authfx: session acquired, expiring (at (\S+)|never)\n(?: {2}.+\n)*? {2}authfx\.provider: (\w+)/g
          )
        ]
        assert.sameMembers(logins.map((m) => m[3]), ["gunbot", "nabi", "nandbox"], result.stderr)
        for (const m of logins) {
          assert.strictEqual(m[2] ?? null, objects.find((o) => o.provider === m[3]).expiresAt, m[0])
        }
        assert.isNull(objects.find((o) => o.provider === "nandbox").expiresAt)
        assert.deepStrictEqual(SecretScan.scan(secretsOf(env), { values: [result.stdout, result.stderr] }), [])
        assertNoSecret(result.stdout + result.stderr, env)
      })),
    90_000
  )

  it.live(
    "--log-level warning: the engine's warnings about a failed login go to stderr, without a secret",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const running = yield* Fakes.startAll
        const env = { ...allEnv(running), GUNBOT_PASSWORD: "wrong-password-for-gunbot" }
        const result = yield* authfx(["status", "--log-level", "warning", "--json", "gunbot"], env)
        assert.strictEqual(result.code, 1, result.stdout + result.stderr)
        assert.strictEqual(JSON.parse(result.stdout.trim()).error.tag, "CredentialsRejected")
        assert.match(result.stderr, /WARN .*: authfx: login failed: CredentialsRejected: gunbot rejected/)
        assertNoSecret(result.stdout + result.stderr, env)
      })),
    90_000
  )

  it.live(
    "a healthy provider is printed at once while a silent server waits out --timeout; a dead one fails fast",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const running = yield* Fakes.startAll
        const whatsgate = running.find((r) => r.provider === "whatsgate")!
        // A server that accepts connections and never answers, and a port nobody listens on.
        const sockets: Array<Socket> = []
        const silent = yield* Effect.acquireRelease(
          Effect.async<Server>((resume) => {
            const server = createServer((socket) => void sockets.push(socket))
            server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
          }),
          (server) => Effect.sync(() => (sockets.forEach((s) => s.destroy()), server.close()))
        )
        const deadPort = yield* Effect.async<number>((resume) => {
          const server = createServer()
          server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as { port: number }).port
            server.close(() => resume(Effect.succeed(port)))
          })
        })
        const silentPort = (silent.address() as { port: number }).port
        const result = yield* timed(["status", "--timeout", "4", "whatsgate", "gunbot", "terabox"], {
          ...whatsgate.env,
          GUNBOT_URL: `http://127.0.0.1:${silentPort}`,
          GUNBOT_PASSWORD: "some-password",
          GUNBOT_WALLET: "0x_0123456789abcdef01234567",
          TERABOX_URL: `http://127.0.0.1:${deadPort}`,
          TERABOX_NDUS: "Y2YqaCTe_somecookie"
        })
        const output = result.chunks.map((c) => c.text).join("")
        assert.strictEqual(result.code, 1, output)
        const at = (pattern: RegExp) => {
          let text = ""
          for (const chunk of result.chunks) {
            text += chunk.text
            if (pattern.test(text)) return chunk.at
          }
          return assert.fail(`${pattern} never printed:\n${output}`)
        }
        assert.match(block(output, "gunbot"), /TransportError: gunbot: transport failure \(Timeout\).*within 4s/)
        assert.match(block(output, "terabox"), /TransportError: terabox: transport failure \(Network\)/)
        // The healthy and the dead provider are printed well before the silent one gives up.
        assert.isAtLeast(result.exitAt - at(/✓ whatsgate/), 1_500, output)
        assert.isAtLeast(result.exitAt - at(/✗ terabox/), 1_500, output)
        assert.isBelow(at(/✗ gunbot/), result.exitAt)
        // Printed in the order they ended.
        assert.isBelow(output.indexOf("terabox"), output.indexOf("✗ gunbot"))
      })),
    90_000
  )

  it.live(
    "configuration problems are worded the same way for every provider, before anything is sent",
    () =>
      Effect.gen(function*() {
        const result = yield* authfx(["status", ...Status.providers], {
          NANDBOX_TOKEN: "",
          NABI_MNEMONIC: "",
          NABI_URL: "http://127.0.0.1:9/graphql",
          WHATSGATE_ACCESS_TOKEN: " ",
          WHATSGATE_URL: "http://127.0.0.1:9/api",
          WHATSGATE_DEVICE: "1",
          GUNBOT_PASSWORD: "",
          GUNBOT_URL: "http://127.0.0.1:9",
          TERABOX_NDUS: ""
        })
        assert.strictEqual(result.code, 1)
        for (
          const [provider, message] of [
            ["nandbox", "NANDBOX_TOKEN is empty"],
            ["nabi", "NABI_MNEMONIC is empty"],
            ["whatsgate", "WHATSGATE_ACCESS_TOKEN is empty"],
            ["gunbot", "GUNBOT_PASSWORD is empty"],
            ["terabox", "TERABOX_NDUS is empty"]
          ] as const
        ) {
          assert.include(block(result.stdout, provider), `\n  - ${message}\n`, result.stdout)
        }
        const unset = yield* authfx(["status", "nabi", "gunbot"], { NABI_MNEMONIC: "a b c", GUNBOT_PASSWORD: "x" })
        assert.include(block(unset.stdout, "nabi"), "\n  - NABI_URL is not set")
        assert.include(block(unset.stdout, "gunbot"), "\n  - GUNBOT_URL is not set")
      }),
    60_000
  )

  it.live("with nothing configured: a message on stderr and exit 1", () =>
    Effect.gen(function*() {
      const result = yield* authfx(["status"])
      assert.strictEqual(result.code, 1)
      assert.include(result.stderr, "no provider is configured")
      assert.strictEqual(result.stdout, "")
    }), 30_000)
})

describe("authfx status formatting", () => {
  it("time left reads as a person says it", () => {
    assert.strictEqual(Status.formatLeft(42_000), "42s")
    assert.strictEqual(Status.formatLeft(29 * 60_000 + 58_000), "29m 58s")
    assert.strictEqual(Status.formatLeft(7 * 86_400_000 - 3_600_000), "6d 23h")
    assert.strictEqual(Status.formatLeft(-1), "expired")
  })
})
