/**
 * nandbox connect + authenticate on the v4 line, measured as the v3 line's
 * bench measures authfx's figure (packages/bench/src/nandbox.ts): per
 * connection `NandboxConnection.make` in a new scope, `session`, the scope
 * closed, timed to the decoded TOKEN_AUTH_OK; 5 warm-up runs dropped, median
 * of 50. The fake runs in a process the v3 bench started (`AUTHFX_BENCH_NANDBOX`
 * gives its URL and token); the official SDK and the raw socket are measured
 * there, in the same run. Until `@authfx/nandbox` is ported to the v4 line
 * (`v4/packages/nandbox`), the figure is "not yet ported".
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import { existsSync } from "node:fs"

const runs = 50
const warmup = 5

/** The v4 line's nandbox package, compiled (`v4/packages/nandbox/dist`), when it exists. */
export const ported = (): boolean => existsSync(new URL("../../nandbox/package.json", import.meta.url))

/** What the figure needs of `@authfx/nandbox`: the v3 line's public names, which the port keeps. */
interface NandboxModule {
  readonly NandboxConnection: {
    readonly make: (options: { readonly url: string; readonly token: Redacted.Redacted<string> }) => Effect.Effect<
      { readonly auth: { readonly session: Effect.Effect<unknown, unknown> } },
      unknown,
      any
    >
  }
}

export type Figure =
  | { readonly status: "not yet ported" }
  | { readonly status: "no fake" }
  | { readonly status: "failed"; readonly error: string }
  | { readonly status: "measured"; readonly authfxUs: number }

export const connect = async (): Promise<Figure> => {
  if (!ported()) return { status: "not yet ported" }
  const fake = process.env["AUTHFX_BENCH_NANDBOX"]
  if (fake === undefined || fake === "") return { status: "no fake" }
  const { token, url } = JSON.parse(fake) as { readonly url: string; readonly token: string }
  // A specifier in a variable: the package may not exist yet when this is compiled.
  const specifier = "@authfx/nandbox"
  try {
    const nandbox = (await import(specifier)) as NandboxModule
    const samples = await Effect.runPromise(Effect.gen(function*() {
      const out: Array<number> = []
      for (let i = 0; i < runs + warmup; i++) {
        const made = yield* Scope.make()
        const start = performance.now()
        const { auth } = yield* Scope.provide(
          nandbox.NandboxConnection.make({ url, token: Redacted.make(token) }),
          made
        ).pipe(Effect.provide(Socket.layerWebSocketConstructorGlobal))
        yield* auth.session
        const elapsed = (performance.now() - start) * 1000
        yield* Scope.close(made, Exit.void)
        if (i >= warmup) out.push(elapsed)
      }
      return out
    }) as Effect.Effect<Array<number>, unknown>)
    samples.sort((a, b) => a - b)
    return { status: "measured", authfxUs: samples[Math.floor(samples.length / 2)]! }
  } catch (error) {
    return { status: "failed", error: String(error).slice(0, 200) }
  }
}
