import * as FakeServer from "@authfx/testkit/FakeServer"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * A minimal token service for the core's HTTP tests: `POST /login` with a
 * password issues a bearer token, `GET /data` wants it. Controls revoke tokens,
 * reject every token, fail the next requests with a status, or cut them.
 */
export const makeTokenServer = (options: { readonly password: string; readonly tokenPrefix: string }) =>
  Effect.gen(function*() {
    const valid = new Set<string>()
    const counters = { logins: 0, requests: 0, rejected: 0 }
    const faults: Array<{ readonly status: number; readonly retryAfter?: string }> = []
    let rejectAll = false
    let cutNext = 0
    const handle: { started?: FakeServer.Started } = {}

    const router = HttpRouter.empty.pipe(
      HttpRouter.post(
        "/login",
        Effect.gen(function*() {
          const body = yield* HttpServerRequest.schemaBodyJson(Schema.Struct({ password: Schema.String }))
          if (body.password !== options.password) {
            return yield* HttpServerResponse.json({ error: "wrong password" }, { status: 401 })
          }
          counters.logins += 1
          const token = `${options.tokenPrefix}-${counters.logins}`
          valid.add(token)
          return yield* HttpServerResponse.json({ token })
        }).pipe(Effect.catchAll(() => HttpServerResponse.json({ error: "bad request" }, { status: 400 })))
      ),
      HttpRouter.get(
        "/data",
        Effect.gen(function*() {
          counters.requests += 1
          if (cutNext > 0) {
            cutNext -= 1
            yield* handle.started!.dropConnections
            return yield* Effect.never
          }
          const fault = faults.shift()
          if (fault !== undefined) {
            return HttpServerResponse.text("unavailable", {
              status: fault.status,
              headers: fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {}
            })
          }
          const request = yield* HttpServerRequest.HttpServerRequest
          const token = (request.headers["authorization"] ?? "").replace(/^Bearer /, "")
          if (rejectAll || !valid.has(token)) {
            counters.rejected += 1
            return yield* HttpServerResponse.json({ error: "unauthorized" }, { status: 401 })
          }
          return yield* HttpServerResponse.json({ ok: true })
        })
      )
    )
    const started = yield* FakeServer.serve(router)
    handle.started = started
    return {
      url: started.url,
      counters,
      revokeAll: () => valid.clear(),
      rejectAll: (on: boolean) => void (rejectAll = on),
      failNext: (...statuses: ReadonlyArray<{ readonly status: number; readonly retryAfter?: string }>) =>
        void faults.push(...statuses),
      cutNext: (n: number) => void (cutNext = n)
    }
  })
