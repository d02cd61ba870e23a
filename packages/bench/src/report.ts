/**
 * BENCHMARKS.md from one run's figures: the targets table, the peers table with each peer's setup and method,
 * and how each figure is measured.
 */
import type { Figures, Storm } from "./contest.js"
import type { Peer } from "./peers.js"

export interface Row {
  readonly id: string
  readonly what: string
  readonly measured: string
  readonly target: string
  /** `true` met, `false` missed, `undefined` reported only. */
  readonly met: boolean | undefined
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`
export const us = (n: number) => n >= 1000 ? `${(n / 1000).toFixed(2)} ms` : `${n.toFixed(n < 10 ? 2 : 0)} µs`
const ratio = (authfx: number, peer: number) => `${(authfx / peer).toFixed(2)}×`

export const mark = (met: boolean | undefined) => met === undefined ? "—" : met ? "met" : "**missed**"

export const targetsTable = (rows: ReadonlyArray<Row>): Array<string> => [
  "| # | what | measured | target | |",
  "| --- | --- | --- | --- | --- |",
  ...rows.map((r) => `| ${r.id} | ${r.what} | ${r.measured} | ${r.target} | ${mark(r.met)} |`)
]

const stormCell = (storm: Storm) =>
  `${storm.reacquisitions} re-acq. (${storm.range ?? "—"}), ${storm.failures} failed (${storm.failureRange ?? "—"})`

/** One row per contender; every peer figure is followed by authfx's figure divided by it. */
export const peersTable = (figures: ReadonlyArray<Figures>, versions: (pkg: string) => string): Array<string> => {
  const authfx = figures[0]!
  const storm = (f: Figures, mode: "lenient" | "rotating") => f.storm === undefined ? "n/a" : stormCell(f.storm[mode])
  const cell = (f: Figures, value: number | undefined, a: number | undefined, fmt: (n: number) => string) =>
    value === undefined
      ? "n/a"
      : f === authfx || a === undefined
      ? fmt(value)
      : `${fmt(value)} (authfx ${ratio(a, value)})`
  return [
    "| contender | version | cached hit, Promise caller | build + first token + close | heap per idle instance | cold stampede | storm, lenient tokens | storm, rotating tokens |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...figures.map((f) =>
      [
        f.name,
        versions(f.pkg),
        cell(f, f.hitNs, authfx.hitNs, (n) => `${n.toFixed(0)} ns`),
        cell(f, f.buildUs, authfx.buildUs, us),
        cell(f, f.heapBytes, authfx.heapBytes, kib),
        f.stampede === undefined
          ? "n/a"
          : `${f.stampede.acquisitions} acq., ${f.stampede.failures} failed, last after ${f.stampede.ms.toFixed(0)} ms`,
        storm(f, "lenient"),
        storm(f, "rotating")
      ].join(" | ")
    ).map((line) => `| ${line} |`)
  ]
}

/** How the peers' figures are measured: the same for every contender. */
export const peersMethod = (stampede: (peer: Peer) => number, peers: ReadonlyArray<Peer>): Array<string> => [
  "Method, the same for every contender (`packages/bench/src/contest.ts`, `src/peers.ts`, `src/authfx.ts`):",
  "",
  "- **Process freshness.** Each figure of each contender runs in a fresh Node.js process of its own (`node --expose-gc --import ./src/compiled.mjs --import tsx src/contestant.ts <figure> <contender>`, the flags of `pnpm bench`, authfx's packages as compiled `dist/`), so no figure inherits another's heap, JIT state or garbage and the order of the contenders changes nothing.",
  "- **Least wrapper.** Each peer is driven the way its documentation shows; the harness's share is measured and shown: the cached-hit loop awaiting an already-resolved promise instead (below), and the heap with the harness's wrapper kept too (in each peer's note).",
  "- **Cached hit.** `await token()` where `token` is the peer's own call on a warm instance (no wrapper around it), 50,000 calls a round, one warm-up round dropped, the best of five; no `gc()` before it.",
  "- **Build + first token + close.** A new instance, its first token from memory (no I/O), closed where the peer has a close (authfx's scope): 2,000 a round (200 for Octokit), one warm-up round dropped, median of five rounds; no `gc()` before it. The same process then runs `gc()` once and measures again (five more rounds, so also warmer); that figure is in the notes, because whether a forced `gc()` ran just before a build figure changes it (an outside harness found it doubling authfx's figure and a plain Effect `acquireRelease`'s alike).",
  "- **Heap per idle instance.** 100 instances built and dropped first (what a module sets up once is not an instance's), the array that keeps the instances allocated before the heap is read, `gc()` twice before each reading; then 10,000 instances (1,000 for Octokit, whose first token signs an RSA JWT) each holding a token, only the object an application keeps (the peer's own: its note names it) kept; heap after minus before, divided by the count.",
  `- **Stampede and storms.** A loopback token server (\`fixtures/token-server.mjs\`) in a process of its own, as a real token server is: \`POST /token\` issues a bearer token after 2 ms, \`GET /api\` answers 200 or 401 with RFC 6750's \`WWW-Authenticate: Bearer error="invalid_token"\` (a CAE claims challenge for Azure, see its note); every count is the server's. Stampede: ${
    stampede(peers[0]!).toLocaleString("en")
  } concurrent token requests on a cold client (${
    peers.filter((p) => p.stampedeByCalls).map((p) => p.name).join(", ")
  }, which has no token accessor: ${
    stampede(peers.find((p) => p.stampedeByCalls) ?? peers[0]!).toLocaleString("en")
  } API calls on a client without a token, each meeting a 401). Storm: a warm client (one call made), every token revoked, then 1,000 concurrent API calls each handled by the library's own 401 policy; re-acquisitions counted by the server, a failure is a call that did not end in a 200; median of five rounds (ranges of re-acquisitions and failures in parentheses). Lenient: every issued token stays valid; rotating: each new token revokes the older ones, so a library that logs in more than once spends its own tokens. The notes give the storms with the token server on the client's own event loop, as earlier reports ran them (three rounds).`
]

/** A note per contender: its setup, and the figures of the other setups measured in the same run. */
export const peerNotes = (figures: ReadonlyArray<Figures>, peers: ReadonlyArray<Peer>): Array<string> => {
  const loops = figures.map((f) => f.loopNs)
  return [
    `- Harness: the cached-hit loop awaiting an already-resolved promise costs ${Math.min(...loops).toFixed(0)}–${
      Math.max(...loops).toFixed(0)
    } ns a call in the same processes; that much of every cached-hit figure is the loop's.`,
    ...figures.map((f) => {
      const peer = peers.find((p) => p.name === f.name)
      const parts = [peer?.setup ?? ""]
      if (f.noHit !== undefined) parts.push(`No cached hit: ${f.noHit}.`)
      if (f.noStorm !== undefined) parts.push(`No storm: ${f.noStorm}.`)
      parts.push(
        `Build after a forced \`gc()\`: ${us(f.buildAfterGcUs)} (fresh: ${
          us(f.buildUs)
        }). Heap with the harness's \`{ token, close }\` wrapper kept too: ${kib(f.heapWrappedBytes)} (the wrapper: ${
          kib(f.heapWrappedBytes - f.heapBytes)
        }).`
      )
      if (f.inlineStorm !== undefined) {
        parts.push(
          `Storms with the token server on the client's event loop: lenient ${
            stormCell(f.inlineStorm.lenient)
          }, rotating ${stormCell(f.inlineStorm.rotating)}.`
        )
      }
      return `- ${f.name}: ${parts.join(" ")}`
    })
  ]
}
