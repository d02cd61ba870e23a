import * as AuthError from "@authfx/core/AuthError"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

const provider = "terabox"

/**
 * The most entries one page of `/api/list` is asked for. alist and OpenList ask for 100 (alist-org/alist and
 * OpenListTeam/OpenList `drivers/terabox/util.go`, `getFiles`); Baidu's netdisk open API, whose shapes Terabox's
 * web API shares, documents 1000 as the default and the advised most of a `list` page (`limit`). seiya-dev's
 * terabox-api asks for 20000 in one page, which the site may serve capped: nothing above 1000 is asked for, and the
 * end of a listing is an empty page whatever the size of the pages before it.
 */
export const maxPageSize = 1000

export const defaults = { pageSize: 1000, maxPages: 10_000, maxEntries: 1_000_000 } as const

export interface Limits {
  readonly pageSize: number
  readonly maxPages: number
  readonly maxEntries: number
}

const invalid = (key: string, description: string) =>
  new AuthError.ConfigurationError({ provider, reason: "Invalid", key, description })

/** The options checked: a page size within what the site serves, positive whole bounds. */
export const limits = (options: {
  readonly pageSize?: number | undefined
  readonly maxPages?: number | undefined
  readonly maxEntries?: number | undefined
} = {}): Effect.Effect<Limits, AuthError.ConfigurationError> => {
  const pageSize = options.pageSize ?? defaults.pageSize
  const maxPages = options.maxPages ?? defaults.maxPages
  const maxEntries = options.maxEntries ?? defaults.maxEntries
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
    return Effect.fail(invalid("pageSize", `a whole number from 1 to ${maxPageSize}, not ${String(pageSize)}`))
  }
  if (!Number.isInteger(maxPages) || maxPages < 1) {
    return Effect.fail(invalid("maxPages", `a whole number above 0, not ${String(maxPages)}`))
  }
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    return Effect.fail(invalid("maxEntries", `a whole number above 0, not ${String(maxEntries)}`))
  }
  return Effect.succeed({ pageSize, maxPages, maxEntries })
}

interface State {
  readonly page: number
  readonly count: number
  /** The ids of the previous page, to tell a server that does not advance. */
  readonly previous: ReadonlyArray<number> | undefined
}

const sameIds = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) =>
  a.length === b.length && a.every((id, i) => id === b[i])

/**
 * Every entry of a paged listing, one page fetched at a time as the stream is pulled (so memory holds one page):
 * pages `1, 2, …` until one comes back empty (how alist and OpenList find the end, `getFiles` in
 * `drivers/terabox/util.go`; a short page is not the end, since the site may serve fewer than asked). A listing
 * that cannot finish fails, never ends short: a page's error ends the stream with it; a page with the same entries
 * as the one before (a server that ignores `page`), more than `maxPages` pages with entries or more than
 * `maxEntries` entries are a `ProtocolError`.
 */
export const pages = <A, E>(options: {
  readonly what: string
  readonly limits: Limits
  readonly fetch: (page: number, size: number) => Effect.Effect<ReadonlyArray<A>, E>
  readonly id: (entry: A) => number
}): Stream.Stream<A, E | AuthError.ProtocolError> => {
  const { maxEntries, maxPages, pageSize } = options.limits
  const step = (
    state: State
  ): Effect.Effect<Option.Option<readonly [Chunk.Chunk<A>, State]>, E | AuthError.ProtocolError> =>
    Effect.flatMap(options.fetch(state.page, pageSize), (entries) => {
      if (entries.length === 0) return Effect.succeedNone
      const request = `${options.what} page ${state.page}`
      if (state.page > maxPages) {
        return Effect.fail(
          new AuthError.ProtocolError({
            provider,
            reason: "TooLarge",
            request,
            description: `the listing has more than ${maxPages} pages (maxPages): not read further`
          })
        )
      }
      const count = state.count + entries.length
      if (count > maxEntries) {
        return Effect.fail(
          new AuthError.ProtocolError({
            provider,
            reason: "TooLarge",
            request,
            description: `the listing has more than ${maxEntries} entries (maxEntries): not read further`
          })
        )
      }
      const ids = entries.map(options.id)
      if (state.previous !== undefined && sameIds(state.previous, ids)) {
        return Effect.fail(
          new AuthError.ProtocolError({
            provider,
            reason: "UnexpectedStatus",
            request,
            description: `page ${state.page} repeats page ${
              state.page - 1
            }: the server does not advance, the listing cannot finish`
          })
        )
      }
      return Effect.succeed(
        Option.some([Chunk.unsafeFromArray(entries), { page: state.page + 1, count, previous: ids }])
      )
    })
  return Stream.unfoldChunkEffect({ page: 1, count: 0, previous: undefined } as State, step)
}
