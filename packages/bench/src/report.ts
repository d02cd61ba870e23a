/**
 * BENCHMARKS.md from one run's figures: the targets table, the peers table,
 * and how each figure is measured.
 */
import type { Figures } from "./contest.js"

export interface Row {
  readonly id: string
  readonly what: string
  readonly measured: string
  readonly target: string
  /** `true` met, `false` missed, `undefined` reported only. */
  readonly met: boolean | undefined
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`
const us = (n: number) => n >= 1000 ? `${(n / 1000).toFixed(2)} ms` : `${n.toFixed(n < 10 ? 2 : 0)} µs`
const ratio = (authfx: number, peer: number) => `${(authfx / peer).toFixed(2)}×`

export const mark = (met: boolean | undefined) => met === undefined ? "—" : met ? "met" : "**missed**"

export const targetsTable = (rows: ReadonlyArray<Row>): Array<string> => [
  "| # | what | measured | target | |",
  "| --- | --- | --- | --- | --- |",
  ...rows.map((r) => `| ${r.id} | ${r.what} | ${r.measured} | ${r.target} | ${mark(r.met)} |`)
]

/** One row per contender; every peer figure is followed by authfx's figure divided by it. */
export const peersTable = (figures: ReadonlyArray<Figures>, versions: (pkg: string) => string): Array<string> => {
  const authfx = figures[0]!
  const storm = (f: Figures, mode: "lenient" | "rotating") =>
    f.storm === undefined
      ? "n/a"
      : `${f.storm[mode].reacquisitions} re-acq. (${f.storm[mode].range ?? "—"}), ${f.storm[mode].failures} failed`
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
