/**
 * What the suite tried and what happened, for RELIABILITY.md when
 * `AUTHFX_RELIABILITY_REPORT` names a file (`pnpm reliability`). The v3 line's
 * packages/reliability/src/Report.ts writes `<file>.<section>.part`; this one
 * writes `<file>.v4.<section>.part` with the same sections, providers and case
 * names, and scripts/reliability-report.mjs sets each v4 cell beside the v3
 * line's.
 */
import { writeFileSync } from "node:fs"

export interface Row {
  readonly section: string
  readonly provider: string
  readonly case: string
  readonly outcome: string
  /** Requests the fake received during the case. */
  readonly sends: number | undefined
}

const rows: Array<Row> = []

export const record = (row: Row): void => void rows.push(row)

export const all = (): ReadonlyArray<Row> => rows

/** Writes the rows of this test file's sections as JSON lines, for the report script to merge with the v3 line's. */
export const flush = (title: string, intro: string): void => {
  const target = process.env["AUTHFX_RELIABILITY_REPORT"]
  if (target === undefined || rows.length === 0) return
  writeFileSync(
    `${target}.v4.${title.toLowerCase().replace(/[^a-z]+/g, "-")}.part`,
    JSON.stringify({ title, intro, rows })
  )
}
