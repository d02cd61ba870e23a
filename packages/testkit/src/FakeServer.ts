/**
 * Starts an `HttpApp` on `127.0.0.1:0` for the life of a scope: the base of
 * every HTTP fake.
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import type * as HttpServer from "@effect/platform/HttpServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createServer } from "node:http"
import type * as Net from "node:net"

/**
 * @since 0.1.0
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
 * @since 0.1.0
 * @category models
 */
export type CorsOrigins = false | "*" | ReadonlyArray<string>

/**
 * The CORS setting of every fake started where it is provided
 * (`Effect.provideService(FakeServer.Cors, ["http://127.0.0.1:5173"])`), so
 * that a test switches it on for all the HTTP fakes at once. Off by default.
 *
 * @since 0.1.0
 * @category references
 */
export class Cors extends Context.Reference<Cors>()("@authfx/testkit/FakeServer/Cors", {
  defaultValue: (): CorsOrigins => false
}) {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const serve = <E>(
  app: HttpApp.Default<E, never>,
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
    const server = yield* NodeHttpServer.make(() => node, { port: options?.port ?? 0, host: "127.0.0.1" }).pipe(
      Effect.orDie
    )
    // A fake is test infrastructure, not the code under test: it makes no
    // spans, so that a test's capturing tracer sees only the client's.
    // Preflight (`OPTIONS`) answered for the allowed origins, with the
    // request's own headers allowed: a browser's `fetch` of a JSON body with
    // an `Authorization` header always preflights.
    const served = cors === false
      ? app
      : HttpMiddleware.cors({ allowedOrigins: cors === "*" ? [] : cors, maxAge: 600 })(app)
    yield* server.serve(served).pipe(Effect.locally(HttpMiddleware.currentTracerDisabledWhen, () => true))
    const address = server.address as HttpServer.TcpAddress
    return {
      url: `http://127.0.0.1:${address.port}`,
      port: address.port,
      dropConnections: Effect.sync(() => {
        for (const socket of sockets) socket.destroy()
        sockets.clear()
      })
    }
  })
