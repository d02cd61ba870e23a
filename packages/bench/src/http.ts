/**
 * The authenticated client against the bare one: throughput with the server
 * in a child process, and the CPU the authentication adds per request with a
 * canned response (no network at all).
 */
import * as Authenticated from "@authfx/core/Authenticated"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { memoryEngine } from "./authfx.js"
import * as Child from "./child.js"

const now = () => performance.now()
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const authenticate = (http: HttpClient.HttpClient) =>
  Effect.map(memoryEngine, (auth) =>
    AuthHttpClient.make(http, {
      auth,
      sign: (request, session) => HttpClientRequest.bearerToken(request, Redacted.value(session.token)),
      classify: (response) =>
        response.status === 401 ? Effect.fail(new Authenticated.SessionRejected({ status: 401 })) : Effect.void
    }))

/** Requests per second, bare and authenticated, alternating rounds; median of five. */
export const throughput = Effect.scoped(Effect.gen(function*() {
  const child = yield* Effect.acquireRelease(
    Effect.promise(() => Child.start("ok-server.mjs")),
    (c) => Effect.sync(c.close)
  )
  const url = `http://127.0.0.1:${child.line.trim()}/ok`
  const bare = yield* HttpClient.HttpClient
  const authed = yield* authenticate(bare)
  const run = (client: HttpClient.HttpClient.With<any>) =>
    Effect.gen(function*() {
      const total = 4_000
      const start = now()
      yield* Effect.forEach(Array.from({ length: total }), () => Effect.flatMap(client.get(url), (r) => r.text), {
        concurrency: 16,
        discard: true
      })
      return total / ((now() - start) / 1000)
    })
  yield* run(bare)
  yield* run(authed)
  const bareRps: Array<number> = []
  const authRps: Array<number> = []
  for (let i = 0; i < 5; i++) {
    bareRps.push(yield* run(bare))
    authRps.push(yield* run(authed))
  }
  return { bare: median(bareRps), authfx: median(authRps) }
}))

/** µs of CPU per request on a client that answers at once from memory, bare and authenticated. */
export const ablation = Effect.scoped(Effect.gen(function*() {
  // A small JSON answer with its length, as an API sends it; both clients read the body.
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
  const authed = yield* authenticate(canned)
  const n = 20_000
  const perRequest = (client: HttpClient.HttpClient.With<any>) =>
    Effect.gen(function*() {
      const round = Effect.gen(function*() {
        const start = now()
        for (let i = 0; i < n; i++) yield* Effect.flatMap(client.get("http://canned.invalid/ok"), (r) => r.text)
        return ((now() - start) * 1000) / n
      })
      yield* round
      const rounds: Array<number> = []
      for (let r = 0; r < 5; r++) rounds.push(yield* round)
      return Math.min(...rounds)
    })
  const bareUs = yield* perRequest(canned)
  const authUs = yield* perRequest(authed)
  return { bareUs, authUs, addedUs: authUs - bareUs }
}))
