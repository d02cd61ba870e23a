/**
 * `pnpm bench`: each figure measured side by side in one run, written to
 * BENCHMARKS.md at the repository root with the machine, versions and date.
 */
import * as BrowserReport from "@authfx/consumer/Browser"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import { readFileSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { fileURLToPath } from "node:url"
import * as Authfx from "./authfx.js"
import * as Cli from "./cli.js"
import * as Contest from "./contest.js"
import * as Engine from "./engine.js"
import * as Fleet from "./fleet.js"
import * as Http from "./http.js"
import * as Keyed from "./keyed.js"
import * as Nandbox from "./nandbox.js"
import * as Report from "./report.js"
import * as V4 from "./v4.js"

const version = (name: string) => {
  try {
    return JSON.parse(
      readFileSync(fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url)), "utf8")
    ).version as string
  } catch {
    return "?"
  }
}

/** Acquire/evict cycles of the many-accounts figure (`AUTHFX_BENCH_CYCLES` overrides, for a quick run). */
const CYCLES = Number(process.env["AUTHFX_BENCH_CYCLES"] ?? 1_000_000)

/**
 * What limits each target this run missed (and, for the engine, what got it here), from profiles of this code; a
 * met target gets no paragraph.
 */
const limits = (rows: ReadonlyArray<Report.Row>): Array<string> => {
  const missed = (...ids: Array<string>) => rows.some((row) => ids.includes(row.id) && row.met === false)
  const lines: Array<string> = []
  if (missed("2", "3", "11")) {
    lines.push(
      "- **2, 3, 11 (engine footprint and build).** Figures of the compiled JavaScript (`dist/`), as npm users run it. An engine is one object whose operations are on its prototype (before: about 38 closures and 13 contexts per instance); it keeps its builder's fiber refs in a copy shared by the engines that differ only in their context; a login waits on a small internal flight rather than a `Deferred`; the renewals pending on the live clock share one platform timer (a heap ordered by due time; `TestClock` and users' own clocks keep a sleeping fiber so that time there moves only with that clock); a `Keyed` account is a small slot instead of an `RcMap` entry. A V8 heap snapshot of an idle engine: the engine object (232 B), its entry, the context `Scope.extend` creates (255 B), the `session` effect and the preallocated hit. What a build + first token + close still costs, by profile: a fiber forked per login (so that interrupting the caller never aborts it; 7–10 µs), the login's span (about 9 µs) and `Effect.provide` of the builder's context to the login (5–9 µs)."
    )
  }
  if (missed("4", "5")) {
    lines.push(
      "- **4, 5 (per-request cost).** Per request the client reads the cached session (no lock, no `FiberRef` write), signs, reads the body within the exchange (so a timeout covers it and a size bound can stop it) and hands back one small response object whose request is rendered only when read. The canned client of figure 4 answers a web `Response`, as `fetch` does, so every request there also pays the redirect override `fetch` needs (`FetchHttpClient.RequestInit` set on the fiber and put back: about 1.8 µs, two copies of the fiber's `FiberRefs`); with Node's undici client (figure 5) it is dropped after the first response. The bare client of both figures sets the same `Authorization` header, whose redacted rendering in the platform's span costs it as much as us. Figure 5 shares the machine's two cores between the client and the server's process, and varies from run to run well beyond the 2% it allows: for this same code, two earlier runs the same day gave 0.971 and 0.850 while the CPU added per request (figure 4) was 10.5 and 2.6 µs — the difference between the clients is below what one run can resolve here."
    )
  }
  if (missed("8", "9")) {
    lines.push(
      "- **8, 9 (nandbox connect).** A connection runs 2 fibers (the supervisor and the login), its watchdog and keep-alive are timers, and the socket's TCP connect starts before the rest is built. On this 2-core machine the client is CPU-bound: its CPU time per connect is about its wall time, and a raw `ws` socket alone uses 0.7–1.1 ms of CPU for a 1.2–1.9 ms connect. Measured floors (earlier runs, same method): `Layer.build` of the two-layer graph an application writes (508 Effect steps) followed by a raw socket is already 1.53–1.58× the raw socket, and adding a session engine whose login is that raw socket is 1.76–1.79× raw and 1.03–1.07× the SDK, before any nandbox code runs — hence the `make` figure, the constructor for connections made on demand (the keyed form uses it too)."
    )
  }
  if (missed("15")) {
    lines.push(
      "- **15 (keyed hit).** The direct figure is the same engine's `session`; everything a keyed hit adds is `Keyed.use` itself (finding the account, holding it for the duration of the call, letting it go, and the scope it opens for that), which is being made cheaper in `@authfx/core`; this row measures it beside the direct hit in every run."
    )
  }
  if (missed("14")) {
    lines.push(
      "- **14 (fleet).** One refresh per round and no failure are the target; the round trips are what the Lua scripts and lease releases cost."
    )
  }
  if (lines.length === 0) lines.push("Every target was met in this run.")
  return lines
}

/** The sections of a run; `pnpm bench --only <section>[,<section>…]` runs those alone and writes no BENCHMARKS.md. */
const sections = ["hit", "engine", "http", "nandbox", "peers", "keyed", "cli", "bundles", "fleet", "v4"] as const
type Section = typeof sections[number]

const only = ((): ReadonlyArray<Section> | undefined => {
  const args = process.argv.slice(2)
  const at = args.findIndex((a) => a === "--only" || a.startsWith("--only="))
  if (at < 0) return undefined
  const value = args[at]!.includes("=") ? args[at]!.slice("--only=".length) : args[at + 1] ?? ""
  const names = value.split(",").filter((x) => x !== "")
  const unknown = names.filter((x) => !(sections as ReadonlyArray<string>).includes(x))
  if (names.length === 0 || unknown.length > 0) {
    console.error(`--only takes one or more of ${sections.join(", ")} (comma-separated)`)
    process.exit(2)
  }
  return names as Array<Section>
})()

const program = Effect.gen(function*() {
  const log = (text: string) => Effect.sync(() => console.log(text))
  const started = performance.now()
  const want = (section: Section) => only === undefined || only.includes(section)
  const when = <A, E, R>(section: Section, effect: Effect.Effect<A, E, R>) =>
    want(section) ? Effect.map(effect, (a): A | undefined => a) : Effect.succeed(undefined)
  const step = (section: Section, text: string) =>
    want(section) ? log(`${sections.indexOf(section) + 1}/${sections.length} ${text}`) : Effect.void

  yield* step("hit", "cached-session hit in an Effect loop")
  const hit = yield* when("hit", Engine.cachedHit)
  yield* step("engine", "engine footprint: heap per idle instance (100,000), build cost (fresh process), cycles")
  const heap = yield* when("engine", Engine.heapPerEngine(100_000))
  const build = yield* when(
    "engine",
    Effect.promise(() =>
      Contest.inChild("engine-build", 0) as Promise<
        {
          readonly buildUs: number
          readonly buildAfterGcUs: number
          readonly plainUs: number
          readonly plainAfterGcUs: number
          readonly buildWarmUs: number
          readonly buildPublicRefsUs: number
        }
      >
    )
  )
  const heapOwnClock = yield* when("engine", Engine.heapPerEngineOwnClock(100_000))
  const growth = yield* when("engine", Engine.cycleGrowth)
  yield* step("http", "CPU added per authenticated request (canned response); throughput, server in a child process")
  const ablation = yield* when("http", Http.ablation)
  const http = yield* when("http", Http.throughput)
  yield* step("nandbox", "nandbox connect + authenticate: authfx, official SDK, raw ws")
  const nandbox = yield* when("nandbox", Nandbox.connect)
  yield* step("peers", "authfx and the peers: hit, build, heap, stampede, storms (a fresh process per figure)")
  const contest = yield* when("peers", Effect.promise(() => Contest.run((line) => console.log(line))))
  yield* step("keyed", "many accounts: keyed hit beside the direct hit, heap per idle account, acquire/evict cycles")
  const keyedHit = yield* when(
    "keyed",
    Effect.promise(() => Contest.inChild("keyed-hit", 0) as Promise<Keyed.KeyedHit>)
  )
  const accountHeap = yield* when("keyed", Keyed.authfxPerAccount(100_000))
  const accountCycles = yield* when("keyed", Keyed.authfxCycles(CYCLES, 1_000))
  const octokitHeap = yield* when("keyed", Effect.promise(() => Keyed.octokitPerAccount(15_000)))
  const octokitCycles = yield* when("keyed", Effect.promise(() => Keyed.octokitCycles(CYCLES, 1_000)))
  yield* step("cli", "authfx --version from the packed CLI (build, pack, npm install first)")
  const cli = yield* when("cli", Effect.promise(() => Cli.versionStartup()))
  yield* step("bundles", "browser bundle sizes of the packed packages (esbuild)")
  const bundles = yield* when("bundles", Effect.promise(() => Cli.bundleSizes()))
  yield* step("fleet", "a fleet at expiry: 8 replicas x 1,000 callers through a real Redis, and alone")
  const fleet = yield* when("fleet", Fleet.measure())
  const alone = fleet === undefined ? undefined : yield* Fleet.measure({ coordinated: false })
  yield* step("v4", "the v4 line's figures: node scripts/v4.mjs bench (v4/packages/bench under Node 22)")
  // A v4 line that cannot run here (no Node 22 to be had, a failing build) costs its column, not the run.
  let v4Failure: string | undefined
  const v4 = yield* when(
    "v4",
    Effect.promise(() =>
      V4.measure().catch((error: unknown) => {
        v4Failure = String(error)
        return undefined
      })
    )
  )
  const minutes = (performance.now() - started) / 60_000

  const authfx = contest?.[0]
  const peers = contest?.slice(1) ?? []
  const lightest = peers.length === 0 ? undefined : peers.reduce((a, b) => a.heapBytes <= b.heapBytes ? a : b)
  const rows: Array<Report.Row> = []
  if (hit !== undefined) {
    rows.push({
      id: "1",
      what: "cached `session` hit inside an Effect loop",
      measured: `${hit.authfx.toFixed(0)} ns/call (bare \`Effect.succeed\` ${
        hit.bare.toFixed(0)
      } ns; \`cachedInvalidateWithTTL\` ${hit.locking.toFixed(0)} ns, ${
        (hit.locking / hit.authfx).toFixed(1)
      }× slower)`,
      target: "< 1 µs and ≥ 10× faster than the locking cache",
      met: hit.authfx < 1000 && hit.locking / hit.authfx >= 10
    })
  }
  if (heap !== undefined && build !== undefined) {
    rows.push({
      id: "2",
      what: "heap per idle engine holding a session and its pending renewal (100,000 alive)",
      measured: `${(heap / 1024).toFixed(2)} KiB${
        lightest === undefined
          ? ""
          : ` (lightest peer: ${lightest.name} ${(lightest.heapBytes / 1024).toFixed(2)} KiB per instance)`
      }`,
      target: "≤ 2 KiB",
      met: heap <= 2048
    }, {
      id: "3",
      what: "build + first token + close of an engine (fresh process, no `gc()` before)",
      measured: `${build.buildUs.toFixed(1)} µs (right after a forced \`gc()\`: ${
        build.buildAfterGcUs.toFixed(1)
      } µs; a plain Effect \`acquireRelease\` in a scope of its own: ${build.plainUs.toFixed(1)} µs, after \`gc()\` ${
        build.plainAfterGcUs.toFixed(1)
      } µs)`,
      target: "≤ 50 µs",
      met: build.buildUs <= 50
    })
  }
  if (ablation !== undefined && http !== undefined) {
    const throughputRatio = http.authfx / http.bare
    rows.push({
      id: "4",
      what:
        "CPU added per authenticated request over the bare client sending the same header (canned response, no network)",
      measured: `${ablation.addedUs.toFixed(2)} µs (${ablation.authUs.toFixed(2)} vs ${
        ablation.bareUs.toFixed(2)
      } µs; over a client sending no header: ${(ablation.authUs - ablation.noHeaderUs).toFixed(2)} µs)`,
      target: "≤ 5 µs",
      met: ablation.addedUs <= 5
    }, {
      id: "5",
      what: "authenticated / bare `HttpClient` throughput, server in a child process, 16 in flight",
      measured: `${throughputRatio.toFixed(3)} (${http.authfx.toFixed(0)} vs ${http.bare.toFixed(0)} req/s)`,
      target: "≥ 0.98",
      met: throughputRatio >= 0.98
    })
  }
  if (authfx !== undefined) {
    rows.push({
      id: "6",
      what: "cold stampede, 10,000 concurrent callers",
      measured: `${authfx.stampede!.acquisitions} acquisition, ${authfx.stampede!.failures} failures`,
      target: "1 and 0",
      met: authfx.stampede!.acquisitions === 1 && authfx.stampede!.failures === 0
    }, {
      id: "7",
      what: "rejection storm, 1,000 concurrent calls after revocation (lenient / rotating tokens)",
      measured: `${authfx.storm!.lenient.reacquisitions} / ${authfx.storm!.rotating.reacquisitions} re-acquisitions, ${
        authfx.storm!.lenient.failures
      } / ${authfx.storm!.rotating.failures} failures`,
      target: "1 and 0",
      met: authfx.storm!.lenient.reacquisitions === 1 && authfx.storm!.rotating.reacquisitions === 1 &&
        authfx.storm!.lenient.failures === 0 && authfx.storm!.rotating.failures === 0
    })
  }
  if (nandbox !== undefined) {
    rows.push({
      id: "8",
      what: "nandbox connect + authenticate / official SDK (median of 50)",
      measured: nandbox.sdk === undefined
        ? `${(nandbox.authfx / 1000).toFixed(2)} ms (the official SDK did not run)`
        : `${(nandbox.authfx / nandbox.sdk).toFixed(2)}× (${(nandbox.authfx / 1000).toFixed(2)} vs ${
          (nandbox.sdk / 1000).toFixed(2)
        } ms)`,
      target: "≤ 1.0×",
      met: nandbox.sdk === undefined ? undefined : nandbox.authfx <= nandbox.sdk
    }, {
      id: "9",
      what: "nandbox connect + authenticate / raw `ws` socket (median of 50)",
      measured: `${(nandbox.authfx / nandbox.raw).toFixed(2)}× (${(nandbox.authfx / 1000).toFixed(2)} vs ${
        (nandbox.raw / 1000).toFixed(2)
      } ms; through \`Layer.build\` of its layer ${(nandbox.viaLayer / 1000).toFixed(2)} ms, ${
        (nandbox.viaLayer / nandbox.raw).toFixed(2)
      }×; re-authentication on a live layer ${(nandbox.reauth / 1000).toFixed(2)} ms)`,
      target: "≤ 1.3×",
      met: nandbox.authfx <= 1.3 * nandbox.raw
    })
  }
  if (growth !== undefined) {
    rows.push({
      id: "10",
      what: "heap growth over 10,000 open/acquire/close cycles of an engine",
      measured: `${(growth / 1024).toFixed(0)} KiB`,
      target: "no growth (< 1 MiB)",
      met: growth < 1024 * 1024
    })
  }
  if (
    accountHeap !== undefined && octokitHeap !== undefined && accountCycles !== undefined &&
    octokitCycles !== undefined && keyedHit !== undefined
  ) {
    const { direct, keyed } = keyedHit.promise
    rows.push({
      id: "11",
      what: "many accounts: heap per idle account (`Keyed`, 100,000 accounts, each an engine with its session)",
      measured: `${(accountHeap / 1024).toFixed(2)} KiB (Octokit auth-app: ${
        (octokitHeap / 1024).toFixed(2)
      } KiB per cached installation token, 15,000 in its LRU)`,
      target: "≤ 2 KiB",
      met: accountHeap <= 2048
    }, {
      id: "12",
      what: `many accounts: heap growth over ${
        accountCycles.cycles.toLocaleString("en")
      } acquire/evict cycles at capacity 1,000`,
      measured: `${(accountCycles.growth / 1024).toFixed(0)} KiB in ${
        accountCycles.seconds.toFixed(1)
      } s (Octokit's LRU, ${octokitCycles.cycles.toLocaleString("en")} cycles: ${
        (octokitCycles.growth / 1024).toFixed(0)
      } KiB in ${octokitCycles.seconds.toFixed(1)} s)`,
      target: "no growth (< 1 MiB)",
      met: accountCycles.growth < 1024 * 1024
    }, {
      id: "15",
      what:
        "many accounts: a hit on an idle `Keyed` account (`accounts.use(key, (auth) => auth.session)`) beside the same account's engine used directly (`auth.session`), a Promise caller, median (p99)",
      measured: `${Report.us(keyed.medianUs)} (p99 ${Report.us(keyed.p99Us)}) vs ${Report.us(direct.medianUs)} (p99 ${
        Report.us(direct.p99Us)
      }): ${(keyed.medianUs / direct.medianUs).toFixed(1)}×; inside an Effect loop ${
        Report.us(keyedHit.effect.keyed.medianUs)
      } (p99 ${Report.us(keyedHit.effect.keyed.p99Us)}) vs ${Report.us(keyedHit.effect.direct.medianUs)} (p99 ${
        Report.us(keyedHit.effect.direct.p99Us)
      })`,
      target: "keyed median ≤ 2× the direct median",
      met: keyed.medianUs <= 2 * direct.medianUs
    })
  }
  if (cli !== undefined) {
    rows.push({
      id: "13",
      what: "`authfx --version` from the packed CLI installed with npm (spawn to exit)",
      measured: `${cli.ms.toFixed(0)} ms (a bare \`node -e 0\`: ${cli.node.toFixed(0)} ms)`,
      target: "a fraction of a second (< 500 ms)",
      met: cli.ms < 500
    })
  }
  if (fleet !== undefined) rows.push(Fleet.row(fleet, alone))
  rows.sort((a, b) => Number(a.id) - Number(b.id))
  const v4Table = v4 === undefined ? undefined : V4.table(
    {
      hitNs: hit?.authfx,
      heapBytes: heap,
      heapOwnClockBytes: heapOwnClock,
      buildUs: build?.buildUs,
      buildWarmUs: build?.buildWarmUs,
      buildPublicRefsUs: build?.buildPublicRefsUs,
      growthBytes: growth,
      addedUs: ablation?.addedUs,
      accountBytes: accountHeap,
      keyedMedianUs: keyedHit?.promise.keyed.medianUs,
      directMedianUs: keyedHit?.promise.direct.medianUs,
      nandboxUs: nandbox?.authfx,
      sdkUs: nandbox?.sdk
    },
    v4,
    {
      heap: lightest === undefined ? undefined : { name: lightest.name, bytes: lightest.heapBytes },
      build: peers.length === 0
        ? undefined
        : ((fastest) => ({ name: fastest.name, us: fastest.buildUs }))(
          peers.reduce((a, b) => a.buildUs <= b.buildUs ? a : b)
        )
    }
  )
  const summary = `\n${rows.map((r) => `${r.id.padEnd(3)} ${r.measured}  [${Report.mark(r.met)}]`).join("\n")}\n`
  if (only !== undefined) {
    yield* log(summary)
    if (contest !== undefined) {
      yield* log(
        [...Report.peersTable(contest, version), "", ...Report.peerNotes(contest, Contest.contenders)].join("\n")
      )
    }
    if (bundles !== undefined) yield* log(BrowserReport.sizesTable(bundles).join("\n"))
    if (v4Table !== undefined) yield* log(["", ...v4Table].join("\n"))
    if (v4Failure !== undefined) yield* log(`the v4 bench did not run: ${v4Failure}`)
    yield* log(`\n--only ${only.join(",")}: ${minutes.toFixed(1)} min; BENCHMARKS.md not written`)
    return
  }
  if (hit === undefined || authfx === undefined || bundles === undefined) return
  const cpu = cpus()[0]?.model ?? "unknown CPU"
  const text = [
    "# Benchmarks",
    "",
    "Written by `pnpm bench` (packages/bench) from one run; every figure is measured on the same machine in that run. Each figure says below where it runs (the bench's main process or a fresh process of its own), its warm-up, and whether `gc()` ran before it. `pnpm bench --only <section>` measures one section alone (packages/bench/README.md).",
    "",
    `- date: ${new Date().toISOString()}; the whole run took ${minutes.toFixed(1)} minutes`,
    `- machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node.js ${process.version}`,
    `- authfx ${version("@authfx/core")} (@authfx/core), effect ${version("effect")}, @effect/platform ${
      version("@effect/platform")
    }, @effect/platform-node ${version("@effect/platform-node")}`,
    "",
    "## Targets",
    "",
    ...Report.targetsTable(rows),
    "",
    "## Beside the peers",
    "",
    "The same figures for authfx and for the token caches of the libraries our users compare us with, each driven the way its documentation shows with the least wrapper possible, in the same run (in parentheses: authfx's figure divided by the peer's, so below 1 means authfx is lighter or faster).",
    "",
    ...Report.peersTable(contest!, version),
    "",
    ...Report.peersMethod(Contest.stampedeSize, Contest.contenders),
    "",
    "Setup of each contender, what changed from earlier reports and why, and the figures of the other setups measured in this run:",
    "",
    ...Report.peerNotes(contest!, Contest.contenders),
    "",
    "## The v4 line beside the v3 line",
    "",
    "The same figures for the Effect v4 line (`v4/packages`, effect 4) in the same run, each measured as the v3 line's figure of that number; the peers' figures for these rows are in the table above. 2b and 3b measure the engine's public-API fallbacks (issue 29): without the live clock's shared timer (2b) and with the fiber-refs sharing compared through public API only (3b).",
    "",
    ...(v4Table ?? [`The v4 bench did not run: ${v4Failure ?? "unknown reason"}.`]),
    "",
    ...(v4 === undefined ? [] : [V4.howMeasured(v4)]),
    "",
    "## Browser bundle sizes",
    "",
    "Each package's whole public API (`export *`) from the packed tarballs, bundled by esbuild for browsers (minified; gzip at zlib's default level); `@effect/platform` beside it, whole and the part an authfx app provides. \"minified\" leaves out what the app has anyway (`effect`, and `@effect/platform` for authfx's packages); the last column bundles them too. No package brings a Node builtin (the consumer test fails if one does).",
    "",
    ...BrowserReport.sizesTable(bundles),
    "",
    `- @authfx/nabi: ${
      BrowserReport.thirdParty(bundles, "@authfx/nabi")
    } of its minified size is @ton/core, @ton/crypto and their dependencies (tweetnacl, jssha), which also need a \`Buffer\` global in browsers.`,
    "- `@effect/platform` whole includes the Scalar and Swagger UIs that `HttpApi` embeds (about 5 MB minified).",
    "",
    "## What limits the missed targets",
    "",
    ...limits(rows),
    "",
    "## How each figure is measured",
    "",
    "Every process is `node --expose-gc` with authfx's packages compiled (`dist/`, as published; `pnpm bench` builds them first). \"Main process\" is the bench's own, where the figures run in the order of this list's sections (1, 2, 10, 4–5, 8–9, 11–12, 13, 14); \"fresh process\" is a new Node.js process for that one figure (`src/contestant.ts`).",
    "",
    "1. Main process, the run's first figure, no `gc()` before it. 200,000 calls inside one Effect, best of five rounds after a warm-up round, for `auth.session` on a valid cached session, for `Effect.succeed`, and for the getter of `Effect.cachedInvalidateWithTTL` (which takes a lock on every hit).",
    "2. Main process, after 1. The array that keeps the engines allocated first, `gc()` twice before each heap reading; heap after building 100,000 engines in one scope, each holding a session whose renewal is scheduled, minus the heap before, divided by 100,000.",
    "3. Fresh process, no `gc()` before it. `SessionEngine.make` with a login that does no I/O, `session`, and the scope closed, inside one Effect: 2,000 in a row, one warm-up round dropped, median of five rounds. Then, in the same process, `Effect.scoped(Effect.acquireRelease(…))` with a release that does nothing (the floor any scoped resource pays), measured alike; then each again right after one forced `gc()` (so also warmer): all in parentheses.",
    "4. Main process, after 10 (which ends with `gc()`), one warm-up round of each client first. Sequential `GET`s, each body read, on an `HttpClient` that answers an 11-byte JSON body (a web `Response`, as `fetch` gives) from memory: bare with a constant `Authorization` header set by `HttpClient.mapRequest` (what an interceptor does), and wrapped by `AuthHttpClient` (bearer signing from the cached session, the body read within the exchange and bounded, classification, the redirect override `fetch` needs); CPU time of the process per request over 30,000 requests, rounds of the clients alternating (eleven); each client's figure is its best round, and the added cost is the median over the rounds of the authenticated round minus the bare round just before it (a pair shares the machine's moment). In parentheses the same over the client without any header.",
    "5. Main process, after 4, one warm-up round of each client. 4,000 `GET`s with 16 in flight against a plain `node:http` server running in a child process, through `NodeHttpClient.layerUndici`: bare with a constant `Authorization` header, and authenticated; nine alternating rounds, median requests per second.",
    "6–7. authfx's row of the peers table, measured as every peer's (see the method under the table): a fresh process, the token server in a process of its own.",
    "8–9. Main process, after 5. The nandbox fake runs in a child process. Per connection a new authfx connection (`NandboxConnection.make` in a new scope, `session`, scope closed; the WebSocket constructor built once, as an application has it), the same through `Layer.build` of `NandboxConnection.layer` (reported beside it), a new `ws` socket sending `TOKEN_AUTH` and parsing the answer, and the official `nandbox-bot-api` 1.2.19 (in its own process, `client.connect` to `onConnect`), each timed to the decoded `TOKEN_AUTH_OK`; 5 warm-up runs dropped, median of 50. Re-authentication: `auth.refresh` on a connected layer (old socket closed, a new one authenticated).",
    "10. Main process, after 2 (which ends with `gc()`). 1,000 warm-up cycles, then 10,000 open/acquire/close cycles of an engine; `gc()` twice before each heap reading; heap after minus heap before.",
    "11. Main process, after the peers. `Keyed.make` whose lookup builds an engine per account (login in memory); each of 100,000 accounts used once (its session acquired) and left idle; `gc()` twice before each heap reading; heap after minus before, divided by 100,000. Octokit: one `createAppAuth` asked for 15,000 installations' tokens (its LRU's size), with a canned app JWT and a canned GitHub answer so that what is measured is its cache.",
    "12. Main process, after 11. A new account per cycle at capacity 1,000, so every cycle evicts the least recently used idle account (its engine closed); a tenth of the cycles as warm-up, `gc()` twice before each heap reading, then heap after minus before. Octokit: the same number of new installations through an LRU of 1,000 entries (the toad-cache class it uses by default, sized down).",
    "13. The consumer test's harness builds and packs every package and installs the tarballs with npm into an app in the system's temp folder; `node_modules/.bin/authfx --version` is spawned 2 + 10 times, median of the 10, beside `node -e 0` for the cost of starting Node itself.",
    Fleet.howMeasured,
    "15. Fresh process, no `gc()` before it. `Keyed.make` with 1,000 idle accounts (each used once); the engine of one of them taken out once (`accounts.use(key, Effect.succeed)`), so that the keyed hit (`accounts.use(key, (auth) => auth.session)`, the account idle before and after) and the direct hit (`auth.session`) read the same engine's cached session. Each hit timed on its own with `performance.now()`, as a Promise caller (`Effect.runPromise` per hit) and inside one Effect (`yield*` per hit); blocks of 1,000 hits of each kind alternating, 2 warm-up blocks dropped, then 20 blocks (20,000 hits of each kind); median and 99th percentile.",
    ""
  ].join("\n")
  const target = fileURLToPath(new URL("../../../BENCHMARKS.md", import.meta.url))
  writeFileSync(target, text)
  yield* log(summary)
  yield* log(`written to ${target} (the run took ${minutes.toFixed(1)} minutes)`)
})

Effect.runPromise(program.pipe(Effect.provide(NodeHttpClient.layerUndici))).then(
  async () => {
    await Authfx.runtime.dispose()
    process.exit(0)
  },
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
