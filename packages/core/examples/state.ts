import * as Authenticated from "@authfx/core/Authenticated"
import type * as SessionState from "@authfx/core/SessionState"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { AcmeAuth, layer } from "./provider.js"

// What a status page or a health check shows: no secret in it, whatever renders it.
const describe = (state: SessionState.SessionState): string =>
  state.authenticated
    ? `${state.provider}: session #${state.generation}, expires ${
      state.expiresAt === undefined ? "never" : new Date(state.expiresAt).toISOString()
    }`
    : state.floorUntil !== undefined
    ? `${state.provider}: no login before ${new Date(state.floorUntil).toISOString()} (${state.floorReason})`
    : `${state.provider}: not authenticated${state.lastFailure === undefined ? "" : ` (${state.lastFailure.error})`}`

export const status = Effect.gen(function*() {
  const auth = yield* AcmeAuth
  const before = describe(yield* auth.state)
  yield* Authenticated.withSession(auth, () => Effect.void)
  const after = yield* auth.state
  return { before, after: describe(after), json: JSON.stringify(after) }
}).pipe(Effect.provide(layer({ password: Redacted.make("hunter2") })))
