import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthEvent from "@authfx/core/AuthEvent"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/** The counts a provider's demo reports, kept from its engine's events. */
export interface Tally {
  logins: number
  refreshes: number
  replays: number
}

const describe = AuthEvent.match({
  Acquired: (e) => `session #${e.generation} acquired${e.source === "store" ? " from the store" : ""}${expiry(e)}`,
  Refreshed: (e) => `session #${e.generation} obtained by refresh${expiry(e)}`,
  Rejected: (e) => `session #${e.generation} rejected by the provider`,
  Invalidated: (e) => `session #${e.generation} dropped: the next call gets a new one`,
  Failed: (e) => `${e.operation} failed (attempt ${e.attempt}): ${e.error}`
})

const expiry = (e: { readonly at: number; readonly expiresAt: number | undefined }) =>
  e.expiresAt === undefined ? "" : `, valid ${((e.expiresAt - e.at) / 1000).toFixed(1)} s`

/** Prints each engine event of `auth` under the provider's name, and counts them. */
export const narrate = (
  label: string,
  auth: Authenticated.Authenticated<any>
): Effect.Effect<Tally, never, Scope.Scope> =>
  Effect.gen(function*() {
    const tally: Tally = { logins: 0, refreshes: 0, replays: 0 }
    // A replay happens when an invalidated session is followed by a new one.
    let invalidated = false
    yield* auth.events.pipe(
      Stream.runForEach((event) =>
        Effect.zipRight(
          Effect.sync(() => {
            if (event._tag === "Acquired") tally.logins += 1
            if (event._tag === "Refreshed") tally.refreshes += 1
            if (event._tag === "Invalidated") invalidated = true
            if ((event._tag === "Acquired" || event._tag === "Refreshed") && invalidated) {
              invalidated = false
              tally.replays += 1
            }
          }),
          Console.log(`  [${label}] ${describe(event)}`)
        )
      ),
      Effect.forkScoped
    )
    // Let the subscriber attach before anything happens.
    yield* Effect.yieldNow()
    return tally
  })

export const step = (label: string, text: string) => Console.log(`${label}: ${text}`)
