/**
 * nandbox connect + authenticate on the v4 line, measured as the v3 line's
 * bench measures authfx's figure (packages/bench/src/nandbox.ts): per
 * connection `NandboxConnection.make` in a new scope, `session`, the scope
 * closed, timed to the decoded TOKEN_AUTH_OK; the WebSocket constructor built
 * once, as an application has it; 5 warm-up runs dropped, median of 50. The
 * fake runs in a process the v3 bench started (`AUTHFX_BENCH_NANDBOX` gives its
 * URL and token); the official SDK and the raw socket are measured there, in
 * the same run.
 *
 * Two WebSocket constructors, measured alternately: the `ws` package's (what
 * the v3 figure and the official SDK use, through effect 3's
 * `NodeSocket.layerWebSocketConstructor`), and Node 22's global `WebSocket`
 * (undici), which effect 4's `Socket.layerWebSocketConstructorGlobal` and
 * `@effect/platform-node` 4's `NodeSocket.layerWebSocketConstructor` give. The
 * first compares the two lines on the same socket library; the second is what a
 * v4 application gets by default.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import { existsSync } from "node:fs"
import WebSocket from "ws"

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
  | {
    readonly status: "measured"
    /** With the `ws` package's constructor, as the v3 figure. */
    readonly authfxUs: number
    /** With Node's global `WebSocket` (undici), effect 4's default. */
    readonly globalUs: number
  }

/** The `ws` package's client as effect 4's `WebSocketConstructor` (subprotocols and handshake headers passed on). */
const layerWs = Layer.succeed(Socket.WebSocketConstructor)((url, options) =>
  typeof options === "object" && !Array.isArray(options)
    ? new WebSocket(url, options.protocols, { headers: options.headers })
    : new WebSocket(url, options)
)

const median = (xs: Array<number>) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export const connect = async (): Promise<Figure> => {
  if (!ported()) return { status: "not yet ported" }
  const fake = process.env["AUTHFX_BENCH_NANDBOX"]
  if (fake === undefined || fake === "") return { status: "no fake" }
  const { token, url } = JSON.parse(fake) as { readonly url: string; readonly token: string }
  // A specifier in a variable: the package may not exist yet when this is compiled.
  const specifier = "@authfx/nandbox"
  try {
    const nandbox = (await import(specifier)) as NandboxModule
    return await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const constructors = [yield* Layer.build(layerWs), yield* Layer.build(Socket.layerWebSocketConstructorGlobal)]
      const samples: [Array<number>, Array<number>] = [[], []]
      for (let i = 0; i < runs + warmup; i++) {
        for (const [which, sockets] of constructors.entries()) {
          const made = yield* Scope.make()
          const start = performance.now()
          const { auth } = yield* Scope.provide(
            nandbox.NandboxConnection.make({ url, token: Redacted.make(token) }),
            made
          ).pipe(Effect.provideContext(sockets))
          yield* auth.session
          const elapsed = (performance.now() - start) * 1000
          yield* Scope.close(made, Exit.void)
          if (i >= warmup) samples[which].push(elapsed)
        }
      }
      return { status: "measured", authfxUs: median(samples[0]), globalUs: median(samples[1]) } as const
    })) as Effect.Effect<Figure, unknown>)
  } catch (error) {
    return { status: "failed", error: String(error).slice(0, 200) }
  }
}
