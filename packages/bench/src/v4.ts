/**
 * The v4 line's column: `node scripts/v4.mjs bench` (v4/packages/bench, under
 * the Node 22 that effect 4 needs) measures the same figures the same way with
 * the v4 line's packages and prints them as one line of JSON; this runs it in
 * the same `pnpm bench` run and lays its figures beside the v3 line's.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Child from "./child.js"
import * as Report from "./report.js"

const root = fileURLToPath(new URL("../../../", import.meta.url))

interface HitTimes {
  readonly medianUs: number
  readonly p99Us: number
}

/** What `v4/packages/bench/src/main.ts` prints. */
export interface Figures {
  readonly node: string
  readonly effect: string
  readonly core: string
  readonly hit: { readonly authfx: number; readonly bare: number; readonly locking: number }
  readonly heapBytes: number
  readonly heapOwnClockBytes: number
  readonly build: {
    readonly buildUs: number
    readonly buildAfterGcUs: number
    readonly plainUs: number
    readonly plainAfterGcUs: number
  }
  readonly growthBytes: number
  readonly http: {
    readonly noHeaderUs: number
    readonly bareUs: number
    readonly authUs: number
    readonly addedUs: number
  }
  readonly nandbox:
    | { readonly status: "not yet ported" | "no fake" }
    | { readonly status: "failed"; readonly error: string }
    | { readonly status: "measured"; readonly authfxUs: number; readonly globalUs: number }
  readonly accountBytes: number
  readonly keyedHit: { readonly keyed: HitTimes; readonly direct: HitTimes }
  readonly minutes: number
}

/** Whether the v4 line has a nandbox package yet (its connect figure needs the fake running). */
const nandboxPorted = () => existsSync(`${root}v4/packages/nandbox/package.json`)

/** Runs the v4 bench (install from the lockfile, build, measure) and reads its JSON line. */
export const measure = async (): Promise<Figures> => {
  // The nandbox fake the v3 figure uses, started here for the v4 one when there is a v4 nandbox to measure.
  const fake = nandboxPorted() ? await Child.start("nandbox-server.ts", ["--import", "tsx"]) : undefined
  try {
    return await new Promise<Figures>((resolve, reject) => {
      const child = spawn(process.execPath, [`${root}scripts/v4.mjs`, "bench"], {
        cwd: root,
        env: { ...process.env, AUTHFX_BENCH_NANDBOX: fake?.line ?? "" },
        stdio: ["ignore", "pipe", "inherit"]
      })
      let out = ""
      child.stdout.on("data", (chunk: Buffer) => void (out += chunk.toString("utf8")))
      child.on("error", reject)
      child.on("close", (code) => {
        const line = out.trim().split("\n").pop()
        if (code !== 0 || line === undefined || line === "") reject(new Error(`the v4 bench exited with ${code}`))
        else resolve(JSON.parse(line) as Figures)
      })
    })
  } finally {
    fake?.close()
  }
}

/** The v3 line's figures of this run that have a v4 counterpart (`undefined`: its section did not run). */
export interface V3 {
  readonly hitNs?: number | undefined
  readonly heapBytes?: number | undefined
  readonly heapOwnClockBytes?: number | undefined
  readonly buildUs?: number | undefined
  /** Build figure measured again after the fresh-process ones (warm), beside `buildPublicRefsUs` measured alike. */
  readonly buildWarmUs?: number | undefined
  readonly buildPublicRefsUs?: number | undefined
  readonly growthBytes?: number | undefined
  readonly addedUs?: number | undefined
  readonly accountBytes?: number | undefined
  readonly keyedMedianUs?: number | undefined
  readonly directMedianUs?: number | undefined
  readonly nandboxUs?: number | undefined
  readonly sdkUs?: number | undefined
}

const kib = (bytes: number | undefined) => bytes === undefined ? "—" : `${(bytes / 1024).toFixed(2)} KiB`
const ns = (n: number | undefined) => n === undefined ? "—" : `${n.toFixed(0)} ns`
const micro = (n: number | undefined) => n === undefined ? "—" : Report.us(n)
const ratio = (v4: number | undefined, v3: number | undefined) =>
  v4 === undefined || v3 === undefined || v3 <= 0 ? "—" : `${(v4 / v3).toFixed(2)}×`

/** The peers' figures of this run beside rows 2 and 3, as the targets table and the peers table state them. */
export interface Peers {
  /** The lightest peer's heap per instance (its own object only). */
  readonly heap?: { readonly name: string; readonly bytes: number } | undefined
  /** The fastest peer's build + first token + close (fresh process). */
  readonly build?: { readonly name: string; readonly us: number } | undefined
}

/** The table: one row per figure, the v3 line's, the v4 line's, v4 divided by v3, and the peers where measured. */
export const table = (v3: V3, v4: Figures, peers: Peers = {}): Array<string> => {
  const nandbox = v4.nandbox.status === "measured" ? v4.nandbox.authfxUs : undefined
  const nandboxGlobal = v4.nandbox.status === "measured" ? v4.nandbox.globalUs : undefined
  const sdk = (us: number | undefined) => v3.sdkUs === undefined ? "" : ` (${ratio(us, v3.sdkUs)} the SDK)`
  const nandboxCell = (us: number | undefined) =>
    v4.nandbox.status === "measured"
      ? `${micro(us)}${sdk(us)}`
      : v4.nandbox.status === "failed"
      ? `failed: ${v4.nandbox.error.replace(/\|/g, "/")}`
      : v4.nandbox.status
  const rows: Array<[string, string, string, string]> = [
    ["1", "cached `session` hit inside an Effect loop", ns(v3.hitNs), ns(v4.hit.authfx)],
    ["2", "heap per idle engine holding a session and its pending renewal", kib(v3.heapBytes), kib(v4.heapBytes)],
    [
      "2b",
      "the same on a clock of the user's own (each pending renewal a sleeping fiber: what an engine weighs without the shared platform timer)",
      kib(v3.heapOwnClockBytes),
      kib(v4.heapOwnClockBytes)
    ],
    ["3", "build + first token + close of an engine (fresh process)", micro(v3.buildUs), micro(v4.build.buildUs)],
    [
      "3b",
      "the same with the fiber-refs sharing compared through public API only (v3's fallback when effect's `FiberRefs` representation changes; v4 reads no internal)",
      v3.buildPublicRefsUs === undefined
        ? "—"
        : `${
          micro(v3.buildPublicRefsUs)
        } (warm process, best of 3 alternating rounds; the read of \`locals\` measured alike: ${
          micro(v3.buildWarmUs)
        })`,
      "—"
    ],
    ["4", "CPU added per authenticated request (canned response)", micro(v3.addedUs), micro(v4.http.addedUs)],
    [
      "8",
      "nandbox connect + authenticate on the `ws` package's WebSocket, as the official SDK (median of 50; v4: beside the v3 run's SDK figure)",
      v3.nandboxUs === undefined ? "—" : `${micro(v3.nandboxUs)}${sdk(v3.nandboxUs)}`,
      nandboxCell(nandbox)
    ],
    [
      "8b",
      "the same on Node 22's global `WebSocket` (undici): what effect 4's `Socket.layerWebSocketConstructorGlobal` and `@effect/platform-node` 4's `NodeSocket.layerWebSocketConstructor` give (effect 3's Node constructor is `ws`)",
      "—",
      nandboxCell(nandboxGlobal)
    ],
    ["10", "heap growth over 10,000 open/acquire/close cycles", kib(v3.growthBytes), kib(v4.growthBytes)],
    ["11", "heap per idle `Keyed` account (100,000 accounts)", kib(v3.accountBytes), kib(v4.accountBytes)],
    [
      "15",
      "keyed hit / direct hit, Promise callers, medians",
      v3.keyedMedianUs === undefined || v3.directMedianUs === undefined
        ? "—"
        : `${micro(v3.keyedMedianUs)} / ${micro(v3.directMedianUs)}`,
      `${micro(v4.keyedHit.keyed.medianUs)} / ${micro(v4.keyedHit.direct.medianUs)}`
    ]
  ]
  const v4Number: Record<string, number | undefined> = {
    "1": v4.hit.authfx,
    "2": v4.heapBytes,
    "2b": v4.heapOwnClockBytes,
    "3": v4.build.buildUs,
    "4": v4.http.addedUs,
    "8": nandbox,
    "10": undefined,
    "11": v4.accountBytes,
    "15": v4.keyedHit.keyed.medianUs
  }
  const v3Number: Record<string, number | undefined> = {
    "1": v3.hitNs,
    "2": v3.heapBytes,
    "2b": v3.heapOwnClockBytes,
    "3": v3.buildUs,
    "4": v3.addedUs,
    "8": v3.nandboxUs,
    "11": v3.accountBytes,
    "15": v3.keyedMedianUs
  }
  const peerCell: Record<string, string> = {
    "2": peers.heap === undefined ? "—" : `${kib(peers.heap.bytes)} (${peers.heap.name}, lightest)`,
    "3": peers.build === undefined ? "—" : `${micro(peers.build.us)} (${peers.build.name}, fastest)`
  }
  return [
    "| # | what | v3 line | v4 line | v4 / v3 | peers (this run) |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(([id, what, a, b]) =>
      `| ${id} | ${what} | ${a} | ${b} | ${ratio(v4Number[id], v3Number[id])} | ${peerCell[id] ?? "—"} |`
    )
  ]
}

/** How the v4 column is measured, for BENCHMARKS.md. */
export const howMeasured = (v4: Figures): string =>
  `The v4 column: \`node scripts/v4.mjs bench\` from the same \`pnpm bench\` run (v4/packages/bench, private): the v4 workspace installed from its lockfile, its packages compiled (\`dist/\`), run under Node ${v4.node} with \`--expose-gc\` and effect ${v4.effect} (@authfx/core ${v4.core}); each figure measured as the v3 line's figure of the same number (same loops, counts, warm-up and \`gc()\` placement; 3 and 15 in fresh processes), in ${
    v4.minutes.toFixed(1)
  } minutes. 2b builds the engines under \`Effect.withClock\` (v3) / \`Clock.Clock\` provided (v4) with a clock that delegates to the live one but is another object. 3b (v3) sets the engine's fiber-refs comparison to its public-API fallback (\`FiberRefs.fiberRefs\` and \`FiberRefs.get\`) in that fresh process. The v4 nandbox figures (8, 8b) are measured against the same fake as the v3 figure, under Node 22 where the v3 figure and the official SDK's run under the main process's Node; 8 and 8b alternate connection by connection, the WebSocket constructor built once for each.`
