import * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as Jwt from "@authfx/core/Jwt"
import type * as Provider from "@authfx/core/Provider"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

// 1. The provider as a type: its id, its session and its errors.
export interface AcmeSession {
  readonly token: Redacted.Redacted<string>
  readonly claims: Jwt.Claims
}
export type AcmeError = AuthError.CredentialsRejected | AuthError.TransportError | AuthError.ProtocolError
export interface Acme extends Provider.Provider<"acme", AcmeSession, AcmeError> {}

// 2. Its tag: the service is the generic Authenticated<Acme>.
export class AcmeAuth extends Context.Tag("acme/AcmeAuth")<AcmeAuth, Authenticated.Authenticated<Acme>>() {}

// 3. How to log in (here a stand-in for an HTTP call that returns a JWT).
const login = (password: Redacted.Redacted<string>): Effect.Effect<AcmeSession, AcmeError> =>
  Effect.gen(function*() {
    if (Redacted.value(password) !== "hunter2") {
      return yield* new AuthError.CredentialsRejected({ provider: "acme", reason: "WrongPassword", status: 401 })
    }
    const token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMH0.c2ln"
    const claims = yield* Jwt.decode(token, "acme")
    return { token: Redacted.make(token), claims }
  })

// 4. The engine does the rest: sharing, renewal, invalidation, events.
export const layer = (options: { readonly password: Redacted.Redacted<string> }) =>
  Layer.scoped(
    AcmeAuth,
    SessionEngine.make<Acme>({
      provider: "acme",
      spanPrefix: "AcmeAuth",
      acquire: login(options.password),
      expiresAt: (session) => Jwt.expiresAtMillis(session.claims),
      issuedAt: (session) => Jwt.issuedAtMillis(session.claims)
    })
  )

// 5. Users get the session, and replay once after a rejection with `withSession`.
export const program = Effect.gen(function*() {
  const auth = yield* AcmeAuth
  return yield* Authenticated.withSession(
    auth,
    (session) => Effect.succeed(`calling Acme with a token that expires at ${session.claims.exp}`)
  )
}).pipe(
  Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`login refused: ${error.message}`)),
  Effect.provide(layer({ password: Redacted.make("hunter2") }))
)
