import * as Server from "@authfx/fakes/Server"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { IncomingMessage, ServerResponse } from "node:http"
import { Cors, type CorsOrigins } from "./cors.js"

/** A started loopback server (`@authfx/fakes`' `Server.Started`). */
export type Started = Server.Started

/**
 * Serves `handler` on `127.0.0.1:0` for the life of the scope, with the `FakeServer.Cors` setting in effect: `@authfx/fakes`' `Server.start` (Node's own server,
 * shared with the v3 testkit), closed when the scope closes. A handler that throws or rejects answers 500.
 */
export const serve = (
  handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>
): Effect.Effect<Started, never, Scope.Scope> =>
  scoped((cors) => Server.start(handler, { cors })).pipe(
    Effect.map(({ dropConnections, port, url }): Started => ({ dropConnections, port, url }))
  )

/**
 * A fake of `@authfx/fakes` for the life of the scope: started with the `FakeServer.Cors` setting in effect, closed
 * when the scope closes. The handle is returned without its `close`: the scope owns it.
 */
export const scoped = <H extends { readonly close: () => Promise<void> }>(
  start: (cors: CorsOrigins) => Promise<H>
): Effect.Effect<Omit<H, "close">, never, Scope.Scope> =>
  Effect.flatMap(Cors, (cors) =>
    Effect.acquireRelease(
      Effect.promise(() => start(cors)),
      (handle) => Effect.promise(() => handle.close())
    )).pipe(Effect.map(({ close: _close, ...fake }) => fake))

/** Sends a JSON answer (`@authfx/fakes`' `Server.json`). */
export const json: (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>
) => void = Server.json

/** Reads a request's body as text, at most `limit` bytes (`undefined` beyond it; `@authfx/fakes`' `Server.readBody`). */
export const readBody: (request: IncomingMessage, limit?: number) => Promise<string | undefined> = Server.readBody
