import * as AuthError from "@authfx/core/AuthError"
import * as TeraboxListing from "@authfx/protocol/TeraboxListing"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

const provider = "terabox"

export type Limits = TeraboxListing.Limits

/** The options checked (`@authfx/protocol/TeraboxListing`'s rules): a `ConfigurationError` naming the option. */
export const limits = (options: {
  readonly pageSize?: number | undefined
  readonly maxPages?: number | undefined
  readonly maxEntries?: number | undefined
} = {}): Effect.Effect<Limits, AuthError.ConfigurationError> => {
  const checked = TeraboxListing.limits(options)
  return checked._tag === "Limits"
    ? Effect.succeed(checked.limits)
    : Effect.fail(
      new AuthError.ConfigurationError({
        provider,
        reason: "Invalid",
        key: checked.invalid.key,
        description: checked.invalid.description
      })
    )
}

/**
 * Every entry of a paged listing, one page fetched at a time as the stream is pulled (so memory holds one page),
 * until an empty page; what each page means is `TeraboxListing.step`'s. A listing that cannot finish fails, never
 * ends short: a page's error ends the stream with it; a repeated page or a bound passed is a `ProtocolError`.
 */
export const pages = <A, E>(options: {
  readonly what: string
  readonly limits: Limits
  readonly fetch: (page: number, size: number) => Effect.Effect<ReadonlyArray<A>, E>
  readonly id: (entry: A) => number
}): Stream.Stream<A, E | AuthError.ProtocolError> =>
  Stream.paginate(
    TeraboxListing.initial,
    (state): Effect.Effect<
      readonly [ReadonlyArray<A>, Option.Option<TeraboxListing.State>],
      E | AuthError.ProtocolError
    > =>
      Effect.flatMap(options.fetch(state.page, options.limits.pageSize), (entries) => {
        const step = TeraboxListing.step(state, entries.map(options.id), options.limits)
        switch (step._tag) {
          case "End":
            return Effect.succeed([[], Option.none()] as const)
          case "Fail":
            return Effect.fail(
              new AuthError.ProtocolError({
                provider,
                reason: step.reason,
                request: `${options.what} page ${state.page}`,
                description: step.description
              })
            )
          case "Next":
            return Effect.succeed([entries, Option.some(step.state)] as const)
        }
      })
  )
