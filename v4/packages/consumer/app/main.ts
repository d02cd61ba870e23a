// What every program of the app shares. A provider's program file (`<provider>.ts`, e.g. `whatsgate.ts`) exports
// a `Program`; the runners pick one by name: `node.ts` (Node, its fake in the same process, @effect/platform-node's
// undici client), `portable.ts` (Bun and Deno: the runtime's fetch, the fakes in a Node process, `fakes.ts`) and
// `readme.ts` (the package's README examples, with the environment `authfx fakes` prints).
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import type * as HttpClient from "effect/http/HttpClient"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"

export interface Program {
  /** Starts the provider's testkit fake for the life of the scope and returns the variables a program reads. */
  readonly fake: Effect.Effect<Readonly<Record<string, string>>, never, Scope.Scope>
  /**
   * Authenticates, prints `authenticated: …` and `call: …`, then provokes a typed error and returns it (`none`
   * when there was none). Its configuration is the environment; the HTTP client and the WebSocket are the runtime's.
   */
  readonly program: Effect.Effect<string, unknown, HttpClient.HttpClient | Socket.WebSocketConstructor>
  /**
   * The package's README examples (`readme/<provider>/`, every file), run as a user runs them, after `fake` has set
   * the environment; returns what the example returns, or one line per example run (an array).
   */
  readonly readme?: Effect.Effect<unknown, unknown, Scope.Scope> | undefined
  /** What the fake `fake` started has seen, as JSON, for the test to check (`fakes.ts` prints it when asked). */
  readonly seen?: (() => unknown) | undefined
}

declare const Bun: { readonly version: string } | undefined
declare const Deno: { readonly version: { readonly deno: string } } | undefined

/** `bun 1.4.4`, `deno 2.9.6` or `node 22.23.5`. */
export const runtime = (): string =>
  typeof Bun !== "undefined"
    ? `bun ${Bun.version}`
    : typeof Deno !== "undefined"
    ? `deno ${Deno.version.deno}`
    : `node ${process.versions.node}`

/** The environment as it is when the layer is built, with `overrides` in front (a wrong credential). */
export const envWith = (overrides: Readonly<Record<string, string>> = {}): Layer.Layer<never> =>
  ConfigProvider.layer(Effect.sync(() => ConfigProvider.fromEnvRecord({ ...process.env, ...overrides })))

/** The program named on the command line (`<runner> <provider>`). */
export const load = async (): Promise<{ readonly name: string; readonly program: Program }> => {
  const name = process.argv[2]
  if (name === undefined || !/^[a-z0-9-]+$/.test(name)) throw new Error(`which program? (${String(name)})`)
  return { name, program: (await import(`./${name}.js`)) as Program }
}

/** Runs `effect` and exits: 0 when it succeeds, 1 with the failure printed when it fails or dies. */
export const main = <A, E>(effect: Effect.Effect<A, E>): void => {
  Effect.runPromiseExit(effect).then((exit) => {
    if (exit._tag === "Failure") console.error(exit.cause)
    process.exit(exit._tag === "Success" ? 0 : 1)
  }, (error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
