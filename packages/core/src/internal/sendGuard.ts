/**
 * What a request of an authfx client runs under while the platform sends it:
 * `fetch` told not to follow redirects (with `fetch` — Bun, Deno, browsers,
 * `FetchHttpClient` on Node — a followed redirect would carry the credential
 * to wherever `Location` points; Node's own clients never follow them), and
 * the client's secret header names among the platform's redacted names (its
 * client span records the request's headers).
 *
 * Both live in the calling fiber (its context and a `FiberRef`). Each is set
 * only when needed: not once the first response shows the client is not
 * `fetch`, not when the fiber already has it (an application that provides
 * `FetchHttpClient.RequestInit` with `redirect: "manual"`, or the names with
 * `AuthHttpClient.layerRedactedHeaders`), and not for a request without the
 * header. It is set directly on the fiber and put back when the send ends,
 * without the bracket `Effect.locally` builds (about 3 µs a request, more
 * than the authentication itself costs). If the fiber is interrupted during
 * the send the values stay until it ends: both only add protection.
 */
import { missingNames } from "@authfx/protocol/Redaction"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"

const requestInitKey = FetchHttpClient.RequestInit.key

/** The fiber's own setter: one step, where `FiberRef.set` takes three (it is there in every Effect 3 runtime). */
type Settable = { readonly setFiberRef?: (ref: FiberRef.FiberRef<any>, value: unknown) => void }

/**
 * Whether the platform response came from `fetch`: a web `Response` under
 * the platform's wrappers. Anything else (Node's `http` and undici clients)
 * does not follow redirects; a shape this does not know counts as `fetch`.
 */
const fromFetch = (response: unknown): boolean => {
  let current = response
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const source = (current as { readonly source?: unknown }).source
    if (source !== undefined) return typeof Response === "function" ? source instanceof Response : true
    current = (current as { readonly original?: unknown }).original
  }
  return true
}

/** One per client: remembers the last context and names it extended, so a steady caller allocates nothing. */
export class SendGuard {
  private seenNames: ReadonlyArray<string | RegExp> | undefined = undefined
  private missing: ReadonlyArray<string> = []
  private extended: ReadonlyArray<string | RegExp> = []
  private parent: Context.Context<never> | undefined = undefined
  private child: Context.Context<never> | undefined = undefined
  /**
   * Learnt from the first response: `false` once the client is known not to
   * be `fetch` (it never follows a redirect), so the override is not needed.
   */
  private follows = true

  constructor(private readonly names: ReadonlyArray<string>) {}

  run<A, E, R>(headers: Headers.Headers, send: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.withFiberRuntime<A, E, R>((fiber) => {
      const context = fiber.currentContext
      let redirects = false
      let init: globalThis.RequestInit | undefined
      if (this.follows) {
        init = context.unsafeMap.get(requestInitKey) as globalThis.RequestInit | undefined
        redirects = init === undefined || init.redirect !== "manual"
      }
      let names: ReadonlyArray<string | RegExp> | undefined
      let rename = false
      if (this.names.length > 0) {
        names = fiber.getFiberRef(Headers.currentRedactedNames)
        if (names !== this.seenNames) {
          this.seenNames = names
          this.missing = missingNames(names, this.names)
          this.extended = this.missing.length === 0 ? names : [...names, ...this.missing]
        }
        for (let i = 0; i < this.missing.length; i++) {
          if (this.missing[i]! in headers) {
            rename = true
            break
          }
        }
      }
      if (!redirects && !rename) return send
      if (redirects && context !== this.parent) {
        this.parent = context
        this.child = Context.add(context, FetchHttpClient.RequestInit, { ...init, redirect: "manual" })
      }
      const child = this.child!
      const extended = this.extended
      const setter = (fiber as Settable).setFiberRef
      if (setter === undefined) {
        // Not the runtime this was written against: the bracket of the public API.
        const bracketed = redirects ? Effect.locally(send, FiberRef.currentContext, child) : send
        return rename ? Effect.locally(bracketed, Headers.currentRedactedNames, extended) : bracketed
      }
      const assign = <X>(ref: FiberRef.FiberRef<X>, value: X) => setter.call(fiber, ref, value)
      if (redirects) assign(FiberRef.currentContext, child)
      if (rename) assign(Headers.currentRedactedNames, extended)
      const restore = () => {
        if (redirects) assign(FiberRef.currentContext, context)
        if (rename) assign(Headers.currentRedactedNames, names!)
      }
      return Effect.matchCauseEffect(send, {
        onFailure: (cause) => {
          restore()
          return Effect.failCause(cause)
        },
        onSuccess: (value) => {
          restore()
          if (redirects && !fromFetch(value)) this.follows = false
          return Effect.succeed(value)
        }
      })
    })
  }
}
