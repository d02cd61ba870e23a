/**
 * The v4 line's figures, measured as the v3 line's `pnpm bench` measures its
 * own (same loops, same counts, same `gc()` placement), and printed as one
 * line of JSON: `node scripts/v4.mjs bench` builds and runs this under Node 22,
 * and the v3 bench puts the figures in BENCHMARKS.md's v4 column.
 *
 * `main.js [all|engine-build|keyed-hit|http]`: `all` (the default) runs the main-process
 * figures here and the build figure in a fresh process of its own, as the v3
 * bench does. `http` and `engine-build` alone measure one row (for profiling with
 * `node --cpu-prof`).
 */
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Engine from "./engine.js"
import * as Http from "./http.js"
import * as Keyed from "./keyed.js"
import * as Nandbox from "./nandbox.js"

const log = (text: string) => process.stderr.write(`v4 bench: ${text}\n`)

/** Runs one figure in a fresh process (`--expose-gc`, the same loader), reading the JSON line it prints. */
const fresh = (figure: string): unknown => {
  const result = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), figure],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 600_000 }
  )
  const line = result.stdout.trim().split("\n").pop()
  if (result.status !== 0 || line === undefined || line === "") throw new Error(`figure ${figure} failed`)
  return JSON.parse(line)
}

const engineBuild = Effect.gen(function*() {
  const buildUs = yield* Engine.buildCost
  const plainUs = yield* Engine.acquireReleaseCost
  Engine.gc()
  const buildAfterGcUs = yield* Engine.buildCost
  Engine.gc()
  const plainAfterGcUs = yield* Engine.acquireReleaseCost
  return { buildUs, buildAfterGcUs, plainUs, plainAfterGcUs }
})

const all = Effect.gen(function*() {
  const started = performance.now()
  log("cached-session hit")
  const hit = yield* Engine.cachedHit
  log("heap per idle engine (100,000), on the live clock and on a clock of the user's own")
  const heapBytes = yield* Engine.heapPerEngine(100_000)
  const heapOwnClockBytes = yield* Engine.heapPerEngineOwnClock(100_000)
  log("build + first token + close (fresh process)")
  const build = fresh("engine-build")
  const growthBytes = yield* Engine.cycleGrowth
  log("CPU added per authenticated request (canned response)")
  const http = yield* Http.ablation
  log("nandbox connect")
  const nandbox = yield* Effect.promise(() => Nandbox.connect())
  log("heap per idle Keyed account (100,000); keyed hit beside the direct hit (fresh process)")
  const accountBytes = yield* Keyed.perAccount(100_000)
  const keyedHit = fresh("keyed-hit")
  return {
    node: process.version,
    effect: yield* Effect.promise(() => version("effect")),
    core: yield* Effect.promise(() => version("@authfx/core")),
    hit,
    heapBytes,
    heapOwnClockBytes,
    build,
    growthBytes,
    http,
    nandbox,
    accountBytes,
    keyedHit,
    minutes: (performance.now() - started) / 60_000
  }
})

const version = async (name: string): Promise<string> => {
  try {
    const { readFile } = await import("node:fs/promises")
    const file = name === "@authfx/core"
      ? new URL("../../core/package.json", import.meta.url)
      : new URL(`../node_modules/${name}/package.json`, import.meta.url)
    return (JSON.parse(await readFile(file, "utf8")) as { readonly version: string }).version
  } catch {
    return "?"
  }
}

const figure = process.argv[2] ?? "all"
const program: Effect.Effect<unknown, unknown> = figure === "engine-build"
  ? engineBuild
  : figure === "keyed-hit"
  ? Keyed.keyedHit
  : figure === "http"
  ? Http.ablation
  : all

Effect.runPromise(program).then(
  (value) => {
    process.stdout.write(`\n${JSON.stringify(value)}\n`)
    process.exit(0)
  },
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
