/**
 * A request body as JSON text, or why it has none: a `bigint` (the amounts of
 * `@ton/core`), a cyclic value or a `toJSON` that throws is named by its path
 * and kind — never its value — so each Effect line can turn it into a typed
 * `ProtocolError` instead of the synchronous throw of `JSON.stringify`.
 *
 * @since 0.1.0
 */

/**
 * The outcome of {@link encode}: the text, or a sentence saying what could not
 * be encoded and where.
 *
 * @since 0.1.0
 * @category models
 */
export type Encoded =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Unencodable"; readonly problem: string }

/**
 * `value` as JSON text. A repeated (not cyclic) object is fine; `undefined`, a
 * function or a symbol at the top has no JSON form and is `Unencodable`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (value: unknown): Encoded => {
  const ancestors: Array<unknown> = []
  const path: Array<string> = []
  let problem: string | undefined
  let text: string | undefined
  try {
    text = JSON.stringify(value, function(this: unknown, key, current: unknown) {
      if (problem !== undefined) return undefined
      // `this` is the holder of `key`: unwind the ancestors that are done.
      while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) {
        ancestors.pop()
        path.pop()
      }
      const where = [...path, key].filter((part) => part !== "").join(".") || "the body"
      if (typeof current === "bigint") {
        problem = `a bigint at ${where} cannot be encoded as JSON; pass it as a string or a number`
        return undefined
      }
      if (typeof current === "object" && current !== null) {
        if (ancestors.includes(current)) {
          problem = `a cyclic value at ${where} cannot be encoded as JSON`
          return undefined
        }
        ancestors.push(current)
        path.push(key)
      }
      return current
    })
  } catch (error) {
    // A `toJSON` that throws.
    problem = `a value whose toJSON failed (${error instanceof Error ? error.name : "error"}) cannot be encoded`
  }
  if (problem !== undefined || text === undefined) {
    return { _tag: "Unencodable", problem: problem ?? "the body has no JSON form" }
  }
  return { _tag: "Text", text }
}
