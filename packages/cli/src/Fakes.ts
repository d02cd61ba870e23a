/**
 * `authfx fakes`: every provider's testkit fake on loopback, with the
 * environment that authenticates against each.
 *
 * @since 0.1.0
 */
import { GunbotFake, NabiFake, NandboxFake, TeraboxFake, WhatsGateFake } from "@authfx/testkit"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/**
 * @since 0.1.0
 * @category models
 */
export interface Running {
  readonly provider: string
  readonly url: string
  readonly env: Readonly<Record<string, string>>
}

/**
 * Starts the five fakes for the life of the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startAll: Effect.Effect<ReadonlyArray<Running>, never, Scope.Scope> = Effect.gen(function*() {
  const nandbox = yield* NandboxFake.make({ botName: "authfx fake bot" })
  const nabi = yield* NabiFake.make()
  const whatsgate = yield* WhatsGateFake.make()
  const gunbot = yield* GunbotFake.make()
  const terabox = yield* TeraboxFake.make({ uname: "authfx_fake_user" })
  return [
    { provider: "nandbox", url: nandbox.url, env: nandbox.env() },
    { provider: "nabi", url: nabi.url, env: nabi.env() },
    { provider: "whatsgate", url: whatsgate.url, env: whatsgate.env() },
    { provider: "gunbot", url: gunbot.url, env: gunbot.env() },
    { provider: "terabox", url: terabox.url, env: terabox.env() }
  ]
})

/**
 * One line per fake: JSON (`{"provider","url","env"}`) or text.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (running: Running, json: boolean): string =>
  json
    ? JSON.stringify({ provider: running.provider, url: running.url, env: running.env })
    : `${running.provider.padEnd(10)} ${running.url}\n${
      Object.entries(running.env).map(([key, value]) => `           ${key}=${shellQuote(value)}`).join("\n")
    }`

/**
 * `value` as one POSIX shell word: in single quotes, each `'` written `'\''`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const shellQuote = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`

/**
 * `export NAME='value'` for each variable, so that `eval "$(authfx fakes --env)"`
 * sets them in a POSIX shell.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatEnv = (running: Running): string =>
  [
    `# ${running.provider} fake at ${running.url}`,
    ...Object.entries(running.env).map(([key, value]) => `export ${key}=${shellQuote(value)}`)
  ].join("\n")

/**
 * Everything `authfx fakes` prints once the fakes are up: JSON lines and
 * nothing else, shell lines, or text with a closing hint.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatAll = (running: ReadonlyArray<Running>, mode: "json" | "env" | "text"): string =>
  mode === "json"
    ? running.map((fake) => format(fake, true)).join("\n")
    : mode === "env"
    ? [...running.map(formatEnv), "# the fakes run until this command is interrupted (Ctrl-C)"].join("\n")
    : [...running.map((fake) => format(fake, false)), "", "the fakes run until interrupted (Ctrl-C)"].join("\n")
