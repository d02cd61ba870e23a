// Only the path, the expected type and the JavaScript kind of the offending value are reported, never the value:
// the wording is @authfx/protocol's, shared with the effect 3 line.
import { formatPath, kindOf, truncate } from "@authfx/protocol/ErrorText"
import * as Predicate from "effect/Predicate"
import type * as SchemaAST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"

const MAX_ISSUES = 4
const MAX_EXPECTED = 80

type Path = ReadonlyArray<PropertyKey>

// effect 4's own wording of what a type expects ("Expected string"), from an issue built without the input, so
// that the formatter has no value to print.
const expected = (ast: SchemaAST.AST): string =>
  truncate(SchemaIssue.defaultLeafHook(new SchemaIssue.InvalidType(ast)).replace(/^Expected /, ""), MAX_EXPECTED)

// effect 4 keeps the input on an issue only when decoding ran with `reportInput: true`.
const got = (issue: SchemaIssue.Issue): string => SchemaIssue.hasInput(issue) ? `, got ${kindOf(issue.input)}` : ""

const walk = (issue: SchemaIssue.Issue, path: Path, out: Array<string>): void => {
  if (out.length >= MAX_ISSUES) return
  switch (issue._tag) {
    case "Pointer":
      return walk(issue.issue, [...path, ...issue.path], out)
    case "Composite":
    case "AnyOf":
      if (issue.issues.length === 0 && issue._tag === "AnyOf") {
        out.push(`${formatPath(path)}: expected ${expected(issue.ast)}${got(issue)}`)
        return
      }
      for (const inner of issue.issues) walk(inner, path, out)
      return
    case "Filter":
    case "Encoding":
      return walk(issue.issue, path, out)
    case "InvalidValue":
      out.push(`${formatPath(path)}: invalid value`)
      return
    case "OneOf":
      out.push(`${formatPath(path)}: matches more than one member`)
      return
    case "MissingKey":
      out.push(`${formatPath(path)}: missing`)
      return
    case "UnexpectedKey":
      out.push(`${formatPath(path)}: unexpected`)
      return
    case "Forbidden":
      out.push(`${formatPath(path)}: forbidden`)
      return
    case "InvalidType":
      out.push(`${formatPath(path)}: expected ${expected(issue.ast)}${got(issue)}`)
      return
  }
}

/**
 * A secret-free summary of a decode failure (a `Schema.SchemaError` or an
 * issue): for each issue, where it is and what was expected, never the value
 * that was found.
 */
export const parseErrorSummary = (error: unknown): string => {
  const issue = Predicate.hasProperty(error, "issue") && SchemaIssue.isIssue(error.issue)
    ? error.issue
    : SchemaIssue.isIssue(error)
    ? error
    : undefined
  if (issue === undefined) {
    return error instanceof SyntaxError ? "the answer is not valid JSON" : "the answer did not match the expected shape"
  }
  const out: Array<string> = []
  walk(issue, [], out)
  return out.length === 0 ? "the answer did not match the expected shape" : out.join("; ")
}
