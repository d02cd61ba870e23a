/**
 * The CPU `AuthHttpClient` adds per request on the v4 line, measured as the v3
 * line's bench does (packages/bench/src/http.ts, `ablation`): a client that
 * answers a canned web `Response` from memory, bare with a constant
 * `Authorization` header, and authenticated; CPU time per request.
 */
import * as Authenticated from "@authfx/core/Authenticated"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Redacted from "effect/Redacted"
import { memoryEngine } from "./engine.js"

/** µs of CPU per request on a client that answers at once from memory, bare and authenticated. */
export const ablation = Effect.scoped(Effect.gen(function*() {
  const canned = HttpClient.make((request) =>
    Effect.sync(() =>
      HttpClientResponse.fromWeb(
        request,
        new Response("{\"ok\":true}", {
          status: 200,
          headers: { "content-type": "application/json", "content-length": "11" }
        })
      )
    )
  )
  const auth = yield* memoryEngine
  const authed = AuthHttpClient.make(canned, {
    auth,
    sign: (request, session) => HttpClientRequest.bearerToken(request, Redacted.value(session.token)),
    classify: (response) =>
      response.status === 401 ? Effect.fail(new Authenticated.SessionRejected({ status: 401 })) : Effect.void
  })
  const bare = HttpClient.mapRequest(canned, HttpClientRequest.bearerToken("bench-token"))
  const cpu = () => {
    const usage = process.cpuUsage()
    return usage.user + usage.system
  }
  const n = 30_000
  const round = (client: HttpClient.HttpClient.With<any>) =>
    Effect.gen(function*() {
      const start = cpu()
      for (let i = 0; i < n; i++) yield* Effect.flatMap(client.get("http://canned.invalid/ok"), (r) => r.text)
      return (cpu() - start) / n
    })
  yield* round(canned)
  yield* round(bare)
  yield* round(authed)
  // Each client's best round, and the added cost as the median of the rounds' paired differences (a round of the
  // bare client, then one of the authenticated client): a slow moment of the machine hits both of a pair alike,
  // where the difference of two minima took each from another moment.
  let noHeaderUs = Infinity
  let bareUs = Infinity
  let authUs = Infinity
  const added: Array<number> = []
  for (let r = 0; r < 11; r++) {
    noHeaderUs = Math.min(noHeaderUs, yield* round(canned))
    const b = yield* round(bare)
    const a = yield* round(authed)
    bareUs = Math.min(bareUs, b)
    authUs = Math.min(authUs, a)
    added.push(a - b)
  }
  added.sort((x, y) => x - y)
  return { noHeaderUs, bareUs, authUs, addedUs: added[Math.floor(added.length / 2)]! }
}))
