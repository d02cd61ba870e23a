// Runs the reliability suite and writes RELIABILITY.md from what it recorded.
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus } from "node:os"

const target = "RELIABILITY.md"
for (const file of readdirSync(".")) if (file.startsWith(`${target}.`) && file.endsWith(".part")) rmSync(file)
const report = ".reliability-vitest.json"
let failed = false
try {
  execFileSync("npx", ["vitest", "run", "--project", "reliability", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], {
    stdio: "inherit",
    env: { ...process.env, AUTHFX_RELIABILITY_REPORT: target }
  })
} catch {
  failed = true
}
const results = existsSync(report) ? JSON.parse(readFileSync(report, "utf8")) : undefined
const parts = readdirSync(".").filter((f) => f.startsWith(`${target}.`) && f.endsWith(".part")).sort()
// The sections by the name each test file gives `Report.flush`: the HTTP clients' faults, the servers that misbehave
// or keep refusing, the bounds and long lists, then the socket (nandbox), the fleet (Redis), random input, and
// configuration and leaks. A section not listed here comes last, never silently first.
const order = [
  "fault-matrix",
  "hardening",
  "servers-that-keep-refusing",
  "bounds",
  "long-lists",
  "nandbox",
  "nandbox-hardening",
  "fleet",
  "bad-input",
  "configuration-and-leaks"
]
const rank = (file) => {
  const name = file.slice(target.length + 1, -".part".length)
  const exact = order.indexOf(name)
  const prefix = order.findIndex((o) => name.startsWith(o))
  return exact >= 0 ? exact : prefix >= 0 ? prefix : order.length
}
parts.sort((a, b) => rank(a) - rank(b))
const text = [
  "# Reliability",
  "",
  "Written by `pnpm reliability` from one run of `packages/reliability` (which also runs in `pnpm test`): every cell below is a test that fails if the behaviour breaks.",
  "",
  `- date: ${new Date().toISOString()}; ${cpus()[0]?.model ?? "CPU"}, ${cpus().length} cores; Node.js ${process.version}`,
  results === undefined ? "- result: the suite did not report" : `- result: ${results.numPassedTests} tests passed, ${results.numFailedTests} failed`,
  "",
  "Engine-level faults that do not depend on a provider — a refresh failing while the session is valid (callers keep it, retried with backoff), failing after expiry (typed error, then recovery on the next call), a clock jumped past expiry (renewed at use time), interruption of the caller that started an acquisition, random interleavings of all of these — are tested once in `packages/core/test/SessionEngine*.test.ts` with `TestClock`. So are a `SessionStore` that hangs on load or save (the layer builds and logs in after the store's 3 s bound; closing waits at most that long) and stored sessions of another account or with an implausible expiry (discarded with a warning): `packages/core/test/SessionEngine.hardening.test.ts`. Timeouts, sizes and redirects of `AuthHttpClient` itself, with Node's client and with `fetch` (a gzip bomb included), are in `packages/core/test/AuthHttpClient.hardening.test.ts`.",
  "",
  ...parts.map((p) => readFileSync(p, "utf8"))
].join("\n")
writeFileSync(target, text)
for (const p of parts) rmSync(p)
rmSync(report, { force: true })
console.log(`written to ${target}`)
process.exit(failed ? 1 : 0)
