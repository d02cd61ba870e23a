// Runs the reliability suite of both Effect lines and writes RELIABILITY.md from what they recorded: the v3 line's
// packages/reliability, then the v4 line's port (v4/packages/reliability, through scripts/v4.mjs under Node 22). Each
// test file writes its rows as JSON (`RELIABILITY.md.<section>.part`, the v4 line's `RELIABILITY.md.v4.<section>.part`);
// every row is rendered with the v4 line's cell of the same section, provider and case beside it.
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { node22 } from "./node22.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const target = resolve(root, "RELIABILITY.md")
const name = "RELIABILITY.md"
const isPart = (file) => file.startsWith(`${name}.`) && file.endsWith(".part")
for (const file of readdirSync(root)) if (isPart(file)) rmSync(join(root, file))
const reports = { v3: join(root, ".reliability-vitest.json"), v4: join(root, ".reliability-v4-vitest.json") }
const env = { ...process.env, AUTHFX_RELIABILITY_REPORT: target }
let failed = false
const run = (command, args, extra = {}) => {
  try {
    execFileSync(command, args, { cwd: root, stdio: "inherit", env: { ...env, ...extra } })
  } catch {
    failed = true
  }
}
run("npx", [
  "vitest",
  "run",
  "--project",
  "reliability",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${reports.v3}`
])
run(process.execPath, ["scripts/v4.mjs", "test", "--project", "reliability"], { AUTHFX_V4_REPORT: reports.v4 })
const results = Object.fromEntries(
  Object.entries(reports).map(([line, file]) => [line, existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined])
)
const v4Node = execFileSync(node22(), ["--version"], { encoding: "utf8" }).trim()

const parts = (prefix) =>
  readdirSync(root).filter(isPart).filter((f) => prefix === "v4." === f.startsWith(`${name}.v4.`)).map((f) => ({
    slug: f.slice(name.length + 1 + prefix.length, -".part".length),
    ...JSON.parse(readFileSync(join(root, f), "utf8"))
  }))
const v3 = parts("")
const v4 = parts("v4.")

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
const rank = (slug) => {
  const exact = order.indexOf(slug)
  const prefix = order.findIndex((o) => slug.startsWith(o))
  return exact >= 0 ? exact : prefix >= 0 ? prefix : order.length
}
const slugs = [...new Set([...v3, ...v4].map((p) => p.slug))].sort((a, b) => rank(a) - rank(b))

const cell = (row) =>
  `${row.outcome}${row.sends === undefined ? "" : `, ${row.sends} request${row.sends === 1 ? "" : "s"}`}`
// A duration or a size in a case or an outcome ("within 323 ms", "paused 515 ms", "11.8 MiB left") is a measurement,
// not the case or the outcome: the two lines' texts are compared without their figures.
const timing = /\d[\d.,]* ?(ms|s|µs|MiB|KiB)\b/g
const bare = (text) => text.replace(timing, "#$1")
const timings = (outcome) => outcome.match(timing) ?? []
const tally = { same: 0, differ: 0, missing: 0, onlyV4: 0 }
const render = (slug) => {
  const mine = v3.find((p) => p.slug === slug)
  const theirs = v4.find((p) => p.slug === slug)
  const rows3 = mine?.rows ?? []
  const rows4 = theirs?.rows ?? []
  const sections = [...new Set([...rows3, ...rows4].map((r) => r.section))]
  const used = new Set()
  const lines = [`## ${(mine ?? theirs).title}`, "", (mine ?? theirs).intro, ""]
  for (const section of sections) {
    lines.push(
      `### ${section}`,
      "",
      "| provider | case | outcome | requests at the fake | v4 line |",
      "| --- | --- | --- | --- | --- |"
    )
    const in4 = rows4.filter((r) => r.section === section)
    for (const row of rows3.filter((r) => r.section === section)) {
      // The same case by its text; a section's one row per provider (a summary whose text counts things) by position.
      const alone = (rows) => rows.filter((r) => r.provider === row.provider).length === 1
      const match = in4.find((r) => !used.has(r) && r.provider === row.provider && bare(r.case) === bare(row.case)) ??
        (alone(rows3.filter((r) => r.section === section)) && alone(in4)
          ? in4.find((r) => !used.has(r) && r.provider === row.provider)
          : undefined)
      let v4Cell = "not run"
      if (match === undefined) tally.missing += 1
      else {
        used.add(match)
        const sameCase = bare(match.case) === bare(row.case)
        const same = sameCase && bare(match.outcome) === bare(row.outcome) && match.sends === row.sends
        if (same) tally.same += 1
        else tally.differ += 1
        // The v4 line's own figures where the texts name some ("same, 312 ms"; for a case text, its figures first).
        const figures = [...(match.case === row.case ? [] : timings(match.case)), ...timings(match.outcome)]
        v4Cell = same
          ? ["same", ...figures].join(", ")
          : sameCase
          ? cell(match)
          : `${match.case}: ${cell(match)}`
      }
      lines.push(
        `| ${row.provider} | ${row.case} | ${row.outcome} | ${row.sends === undefined ? "—" : row.sends} | ${v4Cell} |`
      )
    }
    for (const row of in4.filter((r) => !used.has(r))) {
      tally.onlyV4 += 1
      lines.push(`| ${row.provider} | ${row.case} | — | — | ${cell(row)} (v4 only) |`)
    }
    lines.push("")
  }
  return lines.join("\n")
}
const body = slugs.map(render)

const result = (r) => r === undefined ? "the suite did not report" : `${r.numPassedTests} tests passed, ${r.numFailedTests} failed`
const text = [
  "# Reliability",
  "",
  "Written by `pnpm reliability` from one run of each line's suite, `packages/reliability` (the effect 3 line) and its port `v4/packages/reliability` (the effect 4 line); both also run in `pnpm test`. Every cell below is a test that fails if the behaviour breaks. The last column is the v4 line's cell for the same case: `same` when its outcome and request count are the v3 line's (with the v4 line's own figures where the texts name durations or sizes).",
  "",
  `- date: ${new Date().toISOString()}; ${cpus()[0]?.model ?? "CPU"}, ${cpus().length} cores`,
  `- v3 line (Node.js ${process.version}): ${result(results.v3)}`,
  `- v4 line (Node.js ${v4Node}): ${result(results.v4)}`,
  `- cases compared: ${tally.same} the same in both lines, ${tally.differ} different (the v4 cell says how), ${tally.missing} not run by the v4 line, ${tally.onlyV4} run by the v4 line only`,
  "",
  "Engine-level faults that do not depend on a provider — a refresh failing while the session is valid (callers keep it, retried with backoff), failing after expiry (typed error, then recovery on the next call), a clock jumped past expiry (renewed at use time), interruption of the caller that started an acquisition, random interleavings of all of these — are tested once per line in `packages/core/test/SessionEngine*.test.ts` and `v4/packages/core/test/SessionEngine*.test.ts` with `TestClock`. So are a `SessionStore` that hangs on load or save (the layer builds and logs in after the store's 3 s bound; closing waits at most that long) and stored sessions of another account or with an implausible expiry (discarded with a warning): `SessionEngine.hardening.test.ts`. Timeouts, sizes and redirects of `AuthHttpClient` itself, with Node's client and with `fetch` (a gzip bomb included), are in `packages/core/test/AuthHttpClient.hardening.test.ts`.",
  "",
  ...body
].join("\n")
writeFileSync(target, text)
for (const file of readdirSync(root)) if (isPart(file)) rmSync(join(root, file))
for (const file of Object.values(reports)) rmSync(file, { force: true })
console.log(`written to ${target}: ${JSON.stringify(tally)}`)
process.exit(failed ? 1 : 0)
