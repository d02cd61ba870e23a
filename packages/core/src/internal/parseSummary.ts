import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"

const MAX_ISSUES = 4
const MAX_EXPECTED = 80

type Path = ReadonlyArray<PropertyKey>

const formatPath = (path: Path): string =>
  path.length === 0 ? "<root>" : path.map((key) => typeof key === "number" ? `[${key}]` : `.${String(key)}`).join("")

const expected = (ast: { toString(): string }): string => {
  const text = String(ast)
  return text.length > MAX_EXPECTED ? `${text.slice(0, MAX_EXPECTED)}…` : text
}

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

// Only the JavaScript kind of the offending value is reported, never the value.
const kindOf = (u: unknown): string => u === null ? "null" : Array.isArray(u) ? "array" : typeof u

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
