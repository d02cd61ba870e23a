/**
 * Starts an HTTP app on `127.0.0.1:0` for the life of a scope, and holds the
 * `Cors` setting every HTTP fake of the testkit reads.
 *
 * The effect 4 line of v3's `FakeServer`: same exports. What effect 4
 * requires differs: the app is an effect 4 HTTP app (an
 * `Effect<HttpServerResponse, E, HttpServerRequest | Scope>`, such as
 * `HttpRouter.toHttpEffect`'s; effect 4 has no `HttpApp` module), it runs on
 * `@effect/platform-node`'s `NodeHttpServer` (4.1.5, a peer of this package:
 * only this module needs it), and `Cors` is a `Context.Reference` value, not a
 * class.
 *
 * @since 1.0.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpMiddleware from "effect/http/HttpMiddleware"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import { createServer } from "node:http"
import type * as Net from "node:net"
import * as internal from "./internal/cors.js"

/**
 * @since 1.0.0
 * @category models
 */
export interface Started {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** Destroys every open connection (keep-alive sockets included). */
  readonly dropConnections: Effect.Effect<void>
}

/**
 * Which browser origins may call a fake (CORS): a page served from another
 * origin, as in the browser test. `false` (the default) sends no CORS headers,
 * as the real services' API hosts are not documented to.
 *
 * @since 1.0.0
 * @category models
 */
export type CorsOrigins = internal.CorsOrigins

/**
 * The CORS setting of every fake started where it is provided
 * (`Effect.provideService(FakeServer.Cors, ["http://127.0.0.1:5173"])`), so
 * that a test switches it on for all the HTTP fakes at once. Off by default.
 *
 * A `Context.Reference` value (effect 4), where v3's is a class; it is read
 * and provided the same way.
 *
 * @since 1.0.0
 * @category references
 */
export const Cors: Context.Reference<CorsOrigins> = internal.Cors

const destroy = (sockets: Set<Net.Socket>): void => {
  for (const socket of sockets) socket.destroy()
  sockets.clear()
}

/**
 * @since 1.0.0
 * @category constructors
 */
export const serve = <E>(
  app: Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    E,
    HttpServerRequest.HttpServerRequest | Scope.Scope
  >,
  options?: {
    readonly port?: number | undefined
    /** Overrides the `Cors` reference for this server. */
    readonly cors?: CorsOrigins | undefined
  }
): Effect.Effect<Started, never, Scope.Scope> =>
  Effect.gen(function*() {
    const cors = options?.cors ?? (yield* Cors)
    const sockets = new Set<Net.Socket>()
    const node = createServer()
    node.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    // `disablePreemptiveShutdown`: closing the scope does not give open
    // requests effect 4's graceful 20 s; a test's server stops with its test.
    const server = yield* NodeHttpServer.make(() => node, {
      port: options?.port ?? 0,
      host: "127.0.0.1",
      disablePreemptiveShutdown: true
    }).pipe(Effect.orDie)
    // Closing the scope destroys every open connection first (this finalizer
    // runs before the server's own), as `@authfx/fakes`' servers do: the
    // server's close then waits for no client.
    yield* Effect.addFinalizer(() => Effect.sync(() => destroy(sockets)))
    // Preflight (`OPTIONS`) answered for the allowed origins, with the
    // request's own headers allowed: a browser's `fetch` of a JSON body with
    // an `Authorization` header always preflights.
    const served = cors === false
      ? app
      : HttpMiddleware.cors({ allowedOrigins: cors === "*" ? [] : cors, maxAge: 600 })(app)
    // A fake is test infrastructure, not the code under test: it makes no
    // spans, so that a test's capturing tracer sees only the client's. The
    // server's handler keeps the context `serve` runs in, so effect 4's
    // `TracerDisabledWhen` reference provided here holds for every request.
    yield* server.serve(served).pipe(Effect.provideService(HttpMiddleware.TracerDisabledWhen, () => true))
    const address = node.address() as Net.AddressInfo
    return {
      url: `http://127.0.0.1:${address.port}`,
      port: address.port,
      dropConnections: Effect.sync(() => destroy(sockets))
    }
  })
