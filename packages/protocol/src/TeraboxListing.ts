/**
 * The rules of a paged Terabox listing that need no Effect: the page size and
 * bounds a listing accepts, and what each page means (the end, the next state,
 * or why the listing cannot finish). Each Effect line wraps them in its
 * `Stream` and error family.
 *
 * @since 0.1.0
 */

/**
 * The most entries one page of `/api/list` is asked for. alist and OpenList ask for 100 (alist-org/alist and
 * OpenListTeam/OpenList `drivers/terabox/util.go`, `getFiles`); Baidu's netdisk open API, whose shapes Terabox's
 * web API shares, documents 1000 as the default and the advised most of a `list` page (`limit`). seiya-dev's
 * terabox-api asks for 20000 in one page, which the site may serve capped: nothing above 1000 is asked for, and the
 * end of a listing is an empty page whatever the size of the pages before it.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxPageSize = 1000

/**
 * The defaults of a listing's options.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = { pageSize: 1000, maxPages: 10_000, maxEntries: 1_000_000 } as const

/**
 * A listing's page size and bounds, checked.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limits {
  readonly pageSize: number
  readonly maxPages: number
  readonly maxEntries: number
}

/**
 * An option that is not acceptable: its name and why.
 *
 * @since 0.1.0
 * @category models
 */
export interface InvalidOption {
  readonly key: "pageSize" | "maxPages" | "maxEntries"
  readonly description: string
}

/**
 * The options checked: a page size within what the site serves, positive whole bounds. The limits, or the first
 * option that is not acceptable.
 *
 * @since 0.1.0
 * @category limits
 */
export const limits = (options: {
  readonly pageSize?: number | undefined
  readonly maxPages?: number | undefined
  readonly maxEntries?: number | undefined
} = {}): { readonly _tag: "Limits"; readonly limits: Limits } | {
  readonly _tag: "Invalid"
  readonly invalid: InvalidOption
} => {
  const pageSize = options.pageSize ?? defaults.pageSize
  const maxPages = options.maxPages ?? defaults.maxPages
  const maxEntries = options.maxEntries ?? defaults.maxEntries
  const invalid = (key: InvalidOption["key"], description: string) => ({
    _tag: "Invalid" as const,
    invalid: { key, description }
  })
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
    return invalid("pageSize", `a whole number from 1 to ${maxPageSize}, not ${String(pageSize)}`)
  }
  if (!Number.isInteger(maxPages) || maxPages < 1) {
    return invalid("maxPages", `a whole number above 0, not ${String(maxPages)}`)
  }
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    return invalid("maxEntries", `a whole number above 0, not ${String(maxEntries)}`)
  }
  return { _tag: "Limits", limits: { pageSize, maxPages, maxEntries } }
}

/**
 * Where a listing is: the page to fetch next (from 1), the entries read so far and the ids of the page before.
 *
 * @since 0.1.0
 * @category models
 */
export interface State {
  readonly page: number
  readonly count: number
  /** The ids of the previous page, to tell a server that does not advance. */
  readonly previous: ReadonlyArray<number> | undefined
}

/**
 * The state before the first page.
 *
 * @since 0.1.0
 * @category models
 */
export const initial: State = { page: 1, count: 0, previous: undefined }

/**
 * What a page means: the end (an empty page), the state after it, or why the listing cannot finish (`TooLarge`
 * past a bound, `UnexpectedStatus` for a page that repeats the one before).
 *
 * @since 0.1.0
 * @category models
 */
export type Step =
  | { readonly _tag: "End" }
  | { readonly _tag: "Next"; readonly state: State }
  | { readonly _tag: "Fail"; readonly reason: "TooLarge" | "UnexpectedStatus"; readonly description: string }

const sameIds = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) =>
  a.length === b.length && a.every((id, i) => id === b[i])

/**
 * Reads page `state.page`, whose entries have `ids`: pages `1, 2, …` until one comes back empty (how alist and
 * OpenList find the end, `getFiles` in `drivers/terabox/util.go`; a short page is not the end, since the site may
 * serve fewer than asked). More than `maxPages` pages with entries, more than `maxEntries` entries, or a page with
 * the same entries as the one before (a server that ignores `page`) fail.
 *
 * @since 0.1.0
 * @category paging
 */
export const step = (state: State, ids: ReadonlyArray<number>, limits: Limits): Step => {
  if (ids.length === 0) return { _tag: "End" }
  if (state.page > limits.maxPages) {
    return {
      _tag: "Fail",
      reason: "TooLarge",
      description: `the listing has more than ${limits.maxPages} pages (maxPages): not read further`
    }
  }
  const count = state.count + ids.length
  if (count > limits.maxEntries) {
    return {
      _tag: "Fail",
      reason: "TooLarge",
      description: `the listing has more than ${limits.maxEntries} entries (maxEntries): not read further`
    }
  }
  if (state.previous !== undefined && sameIds(state.previous, ids)) {
    return {
      _tag: "Fail",
      reason: "UnexpectedStatus",
      description: `page ${state.page} repeats page ${state.page - 1}: the server does not advance, the listing ` +
        `cannot finish`
    }
  }
  return { _tag: "Next", state: { page: state.page + 1, count, previous: ids } }
}
