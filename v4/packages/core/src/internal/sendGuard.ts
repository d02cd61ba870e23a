/**
 * What a request of an authfx client runs under while the platform sends it:
 * `fetch` told not to follow redirects (with `fetch` a followed redirect would
 * carry the credential to wherever `Location` points; Node's own clients never
 * follow them), and the client's secret header names among the platform's
 * redacted names (`Headers.CurrentRedactedNames`: its client span records the
 * request's headers).
 *
 * Each is provided only when the fiber does not already have it: an
 * application that provides `FetchHttpClient.RequestInit` with
 * `redirect: "manual"`, or the names with `AuthHttpClient.layerRedactedHeaders`,
 * pays nothing. (v3 set them on the fiber directly; effect 4 keeps both in the
 * fiber's `Context`, so the port provides them with public API.)
 */
import { missingNames } from "@authfx/protocol/Redaction"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Headers from "effect/http/Headers"

/** One per client: remembers the last names it extended, so a steady caller recomputes nothing. */
export class SendGuard {
  private seenNames: ReadonlyArray<string | RegExp> | undefined = undefined
  private missing: ReadonlyArray<string> = []
  private extended: ReadonlyArray<string | RegExp> = []

  constructor(private readonly names: ReadonlyArray<string>) {}

  run<A, E, R>(headers: Headers.Headers, send: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.withFiber<A, E, R>((fiber) => {
      let guarded = send
      const init = Context.getOption(fiber.context, FetchHttpClient.RequestInit)
      if (init._tag === "None" || init.value.redirect !== "manual") {
        guarded = Effect.provideService(guarded, FetchHttpClient.RequestInit, {
          ...(init._tag === "Some" ? init.value : {}),
          redirect: "manual"
        })
      }
      if (this.names.length > 0) {
        const names = fiber.getRef(Headers.CurrentRedactedNames)
        if (names !== this.seenNames) {
          this.seenNames = names
          this.missing = missingNames(names, this.names)
          this.extended = this.missing.length === 0 ? names : [...names, ...this.missing]
        }
        if (this.missing.some((name) => name in headers)) {
          guarded = Effect.provideService(guarded, Headers.CurrentRedactedNames, this.extended)
        }
      }
      return guarded
    })
  }
}
