/**
 * authfx behind the same interface as the peers (`Peer`), for the figures
 * that compare them: a session engine whose login is in memory, and one on
 * the loopback token server with `AuthHttpClient` for the API calls.
 */
import * as Authenticated from "@authfx/core/Authenticated"
import type * as AuthError from "@authfx/core/AuthError"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import type * as Provider from "@authfx/core/Provider"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import type { MemoryClient, Peer, ServerClient } from "./peers.js"
import type { TokenServer } from "./tokenServer.js"

export interface Session {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: number
}
export interface Bench extends Provider.Provider<"bench", Session, AuthError.TransportError> {}

/** A login that does no I/O: what is measured is the engine. */
export const memorySession = Effect.sync((): Session => ({
  token: Redacted.make("bench-token"),
  expiresAt: Date.now() + 3_600_000
}))

/** An engine with the in-memory login, its session read once. */
export const memoryEngine = SessionEngine.make<Bench>({
  provider: "bench",
  acquire: memorySession,
  expiresAt: (s) => s.expiresAt
})

export const runtime = ManagedRuntime.make(NodeHttpClient.layerUndici)

const memory = async (): Promise<MemoryClient> => {
  const scope = Effect.runSync(Scope.make())
  const auth = await Effect.runPromise(Scope.extend(memoryEngine, scope))
  const token = () => Effect.runPromise(auth.session)
  await token()
  // The scope is what an application keeps to close the engine (the engine and its scope reach each other).
  return { held: scope, token, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const server = async (server: TokenServer): Promise<ServerClient> => {
  const scope = await runtime.runPromise(Scope.make())
  const setup = Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const auth = yield* SessionEngine.make<Bench>({
      provider: "bench",
      acquire: http.post(`${server.url}/token`).pipe(
        Effect.flatMap((r) => r.json),
        Effect.map((body): Session => ({
          token: Redacted.make((body as { access_token: string }).access_token),
          expiresAt: Date.now() + 3_600_000
        })),
        Effect.orDie
      ),
      expiresAt: (s) => s.expiresAt
    })
    const client = AuthHttpClient.make(http, {
      auth,
      sign: (request, session) => HttpClientRequest.bearerToken(request, Redacted.value(session.token)),
      classify: (response) =>
        response.status === 401 ? Effect.fail(new Authenticated.SessionRejected({ status: 401 })) : Effect.void
    })
    return { auth, client }
  })
  const { auth, client } = await runtime.runPromise(Scope.extend(setup, scope))
  const call = Effect.matchEffect(
    Effect.flatMap(client.get(`${server.url}/api`), (r) => Effect.as(r.arrayBuffer, r.status === 200)),
    { onFailure: () => Effect.succeed(false), onSuccess: Effect.succeed }
  )
  return {
    token: () => runtime.runPromise(Effect.map(auth.session, (s) => Redacted.value(s.token))),
    call: () => runtime.runPromise(call),
    close: () => runtime.runPromise(Scope.close(scope, Exit.void))
  }
}

export const contender: Peer = {
  name: "**authfx**",
  pkg: "@authfx/core",
  memory,
  server,
  setup:
    "`SessionEngine.make` in a scope of its own per instance; the token read is `Effect.runPromise(auth.session)` (a Promise caller); API calls through `AuthHttpClient` on Node's undici client, whose 401 classification rejects the session. Heap: the engine's scope only (engine and scope reach each other; an engine in a scope shared by all, figure 2, is lighter by the scope)."
}
