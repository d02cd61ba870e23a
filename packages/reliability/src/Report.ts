/**
 * What the suite tried and what happened, written to RELIABILITY.md when
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

/** Writes the rows of this test file's sections to the report, appending to what other files wrote. */
export const flush = (title: string, intro: string): void => {
  const target = process.env["AUTHFX_RELIABILITY_REPORT"]
  if (target === undefined || rows.length === 0) return
  const sections = [...new Set(rows.map((r) => r.section))]
  const text = [
    `## ${title}`,
    "",
    intro,
    "",
    ...sections.flatMap((section) => [
      `### ${section}`,
      "",
      "| provider | case | outcome | requests at the fake |",
      "| --- | --- | --- | --- |",
      ...rows.filter((r) => r.section === section).map((r) =>
        `| ${r.provider} | ${r.case} | ${r.outcome} | ${r.sends === undefined ? "—" : r.sends} |`
      ),
      ""
    ])
  ].join("\n")
  writeFileSync(`${target}.${title.toLowerCase().replace(/[^a-z]+/g, "-")}.part`, text)
}
