/**
 * What of a failure may appear in an error message: the rules both Effect
 * lines' error families use, so that a message names where and what kind,
 * never a value that may be a secret.
 *
 * @since 0.1.0
 */

/**
 * A path into decoded data as `.user.id` or `[2].token`, `<root>` when empty.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.length === 0 ? "<root>" : path.map((key) => typeof key === "number" ? `[${key}]` : `.${String(key)}`).join("")

/**
 * The JavaScript kind of a value (`null`, `array`, `string`, …): what a
 * message may say about a value it must not show.
 *
 * @since 0.1.0
 * @category formatting
 */
export const kindOf = (u: unknown): string => u === null ? "null" : Array.isArray(u) ? "array" : typeof u

/**
 * `text` cut to `max` characters, with an ellipsis when cut.
 *
 * @since 0.1.0
 * @category formatting
 */
export const truncate = (text: string, max: number): string => text.length > max ? `${text.slice(0, max)}…` : text

/**
 * The underlying cause of a transport failure reduced to a name (a Node system
 * error code such as `ECONNREFUSED`, or the error's name), so that no request
 * object with headers or query strings is carried along.
 *
 * @since 0.1.0
 * @category formatting
 */
export const safeCause = (cause: unknown): { readonly name: string; readonly message: string } | undefined => {
  if (cause === undefined || cause === null) return undefined
  if (cause instanceof Error) {
    const code = "code" in cause && typeof cause.code === "string" ? cause.code : undefined
    return { name: code ?? cause.name, message: code ?? cause.name }
  }
  return { name: "Error", message: "transport failure" }
}
