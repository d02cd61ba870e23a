// Only the path, the expected type and the JavaScript kind of the offending value are reported, never the value:
// the wording is @authfx/protocol's, shared with the effect 4 line.
import { formatPath, kindOf, truncate } from "@authfx/protocol/ErrorText"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"

const MAX_ISSUES = 4
const MAX_EXPECTED = 80

type Path = ReadonlyArray<PropertyKey>

const expected = (ast: { toString(): string }): string => truncate(String(ast), MAX_EXPECTED)

const walk = (issue: ParseResult.ParseIssue, path: Path, out: Array<string>): void => {
  if (out.length >= MAX_ISSUES) return
  switch (issue._tag) {
    case "Pointer": {
      const next = Array.isArray(issue.path) ? issue.path : [issue.path as PropertyKey]
      return walk(issue.issue, [...path, ...next], out)
    }
    case "Composite": {
      const issues = Array.isArray(issue.issues) ? issue.issues : [issue.issues as ParseResult.ParseIssue]
      for (const inner of issues) walk(inner, path, out)
      return
    }
    case "Refinement":
    case "Transformation":
      // The inner issue says what was wrong; a refinement failing on its
      // predicate has no inner detail beyond the refinement itself.
      if (issue.kind === "Predicate") {
        out.push(`${formatPath(path)}: expected ${expected(issue.ast)}`)
        return
      }
      return walk(issue.issue, path, out)
    case "Missing":
      out.push(`${formatPath(path)}: missing`)
      return
    case "Unexpected":
      out.push(`${formatPath(path)}: unexpected`)
      return
    case "Forbidden":
      out.push(`${formatPath(path)}: forbidden`)
      return
    case "Type":
      out.push(`${formatPath(path)}: expected ${expected(issue.ast)}, got ${kindOf(issue.actual)}`)
      return
  }
}

/**
 * A secret-free summary of a decode failure: for each issue, where it is and
 * what was expected, never the value that was found.
 */
export const parseErrorSummary = (error: unknown): string => {
  if (ParseResult.isParseError(error)) {
    const out: Array<string> = []
    walk(error.issue, [], out)
    return out.length === 0 ? "the answer did not match the expected shape" : out.join("; ")
  }
  if (Predicate.isTagged(error, "UnknownException") || error instanceof SyntaxError) {
    return "the answer is not valid JSON"
  }
  return "the answer did not match the expected shape"
}
