/**
 * nandbox connect + authenticate, three ways measured alike: the fake in a
 * process of its own; per connection a new authfx layer, a new official-SDK
 * connection, or a new raw `ws` socket; timed to the decoded TOKEN_AUTH_OK.
 */
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import WebSocket from "ws"
import * as Child from "./child.js"

const now = () => performance.now()
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const runs = 50
const warmup = 5

const rawOnce = (url: string, token: string) =>
  new Promise<number>((resolve, reject) => {
    const start = now()
    const socket = new WebSocket(url)
    socket.on("open", () => socket.send(JSON.stringify({ method: "TOKEN_AUTH", token, rem: true })))
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { method?: string }
      if (frame.method === "TOKEN_AUTH_OK") {
        const elapsed = (now() - start) * 1000
        socket.close()
        resolve(elapsed)
      }
    })
    socket.on("error", reject)
  })

const sdkRuns = (url: string, token: string) =>
  Effect.async<ReadonlyArray<number> | undefined>((resume) => {
    const fixture = fileURLToPath(new URL("../fixtures/official-sdk-loop.cjs", import.meta.url))
    // The SDK writes its log four folders up from its working directory.
    const cwd = join(mkdtempSync(join(tmpdir(), "nandbox-sdk-")), "a", "b", "c", "d")
    mkdirSync(cwd, { recursive: true })
    execFile(process.execPath, [fixture], {
      cwd,
      env: {
        ...process.env,
        NANDBOX_URL: url,
        NANDBOX_TOKEN: token,
        SDK_FROM: fileURLToPath(new URL("..", import.meta.url)),
        RUNS: String(runs + warmup)
      },
      timeout: 60_000
    }, (error, stdout) => {
      const line = stdout.split("\n").find((l) => l.startsWith("["))
      resume(Effect.succeed(
        error === null && line !== undefined ? (JSON.parse(line) as Array<number>).slice(warmup) : undefined
      ))
    })
  })

/** Medians in µs of authfx, the official SDK, a raw socket, and authfx's re-authentication on a live layer. */
export const connect = Effect.scoped(Effect.gen(function*() {
  const child = yield* Effect.acquireRelease(
    Effect.promise(() => Child.start("nandbox-server.ts", ["--import", "tsx"])),
    (c) => Effect.sync(c.close)
  )
  const { token, url } = JSON.parse(child.line) as { url: string; token: string }
  const layer = NandboxConnection.layer({ url, token: Redacted.make(token) }).pipe(
    Layer.provide(NodeSocket.layerWebSocketConstructor)
  )
  // The WebSocket constructor is the application's, built once; what is created per connection is the client.
  const sockets = yield* Layer.build(NodeSocket.layerWebSocketConstructor)
  const authfx: Array<number> = []
  const viaLayer: Array<number> = []
  const raw: Array<number> = []
  for (let i = 0; i < runs + warmup; i++) {
    // `NandboxConnection.make`, the constructor of a connection made on demand.
    const made = yield* Scope.make()
    const start = now()
    const { auth } = yield* Scope.extend(NandboxConnection.make({ url, token: Redacted.make(token) }), made).pipe(
      Effect.provide(sockets)
    )
    yield* auth.session
    const elapsed = (now() - start) * 1000
    yield* Scope.close(made, Exit.void)
    // The same through its layer, as an application wires it.
    const scope = yield* Scope.make()
    const layerStart = now()
    const context = yield* Scope.extend(Layer.build(layer), scope)
    yield* Context.get(context, NandboxAuth.NandboxAuth).session
    const layerElapsed = (now() - layerStart) * 1000
    yield* Scope.close(scope, Exit.void)
    const rawElapsed = yield* Effect.promise(() => rawOnce(url, token))
    if (i >= warmup) {
      authfx.push(elapsed)
      viaLayer.push(layerElapsed)
      raw.push(rawElapsed)
    }
  }
  const reauth: Array<number> = []
  const live = yield* Layer.build(layer)
  const liveAuth = Context.get(live, NandboxAuth.NandboxAuth)
  yield* liveAuth.session
  for (let i = 0; i < runs + warmup; i++) {
    const start = now()
    yield* liveAuth.refresh
    if (i >= warmup) reauth.push((now() - start) * 1000)
  }
  const sdk = yield* sdkRuns(url, token)
  return {
    authfx: median(authfx),
    viaLayer: median(viaLayer),
    raw: median(raw),
    reauth: median(reauth),
    sdk: sdk === undefined ? undefined : median(sdk)
  }
}))

// `node --import tsx src/nandbox.ts` runs this figure alone (the rest of `pnpm bench` takes minutes).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  Effect.runPromise(connect).then((figures) => {
    const ratio = (a: number, b: number | undefined) => b === undefined ? "n/a" : (a / b).toFixed(2)
    console.log(JSON.stringify(figures))
    console.log(
      `authfx / SDK ${ratio(figures.authfx, figures.sdk)}×, authfx / raw ws ${ratio(figures.authfx, figures.raw)}×`
    )
  })
}
