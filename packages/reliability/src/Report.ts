/**
 * What the suite tried and what happened, for RELIABILITY.md when
 * `AUTHFX_RELIABILITY_REPORT` names a file (`pnpm reliability`).
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

/**
 * Writes this test file's rows as JSON beside the report (`<file>.<section>.part`); scripts/reliability-report.mjs
 * renders them, with the v4 line's cells (v4/packages/reliability) beside them.
 */
export const flush = (title: string, intro: string): void => {
  const target = process.env["AUTHFX_RELIABILITY_REPORT"]
  if (target === undefined || rows.length === 0) return
  writeFileSync(
    `${target}.${title.toLowerCase().replace(/[^a-z]+/g, "-")}.part`,
    JSON.stringify({ title, intro, rows })
  )
}
