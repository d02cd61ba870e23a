// What every portable program shares: which runtime runs it, and a main that
// prints a failure and sets the exit code. Nothing here is specific to Node:
// these programs run unchanged under Node, Bun and Deno.
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

declare const Bun: { readonly version: string } | undefined
declare const Deno: { readonly version: { readonly deno: string } } | undefined

/** `bun 1.4.4`, `deno 2.9.6` or `node 20.20.2`. */
export const runtime = (): string =>
  typeof Bun !== "undefined"
    ? `bun ${Bun.version}`
    : typeof Deno !== "undefined"
    ? `deno ${Deno.version.deno}`
    : `node ${process.versions.node}`

/** The environment, with `overrides` in front: a wrong credential for the typed-error half of a program. */
export const envWith = (overrides: Readonly<Record<string, string>>) =>
  Layer.setConfigProvider(
    ConfigProvider.fromMap(new Map(Object.entries(overrides))).pipe(
      ConfigProvider.orElse(() => ConfigProvider.fromEnv())
    )
  )

/** Runs `program`; `typed error: none` or a defect makes the exit code 1. */
export const main = <E>(program: Effect.Effect<string, E>): void => {
  console.log(`runtime: ${runtime()}`)
  Effect.runPromise(program).then(
    (typed) => {
      console.log(`typed error: ${typed}`)
      process.exit(typed === "none" ? 1 : 0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    }
  )
}
