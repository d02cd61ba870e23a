/**
 * The authenticated client against the bare one: throughput with the server
 * in a child process, and the CPU the authentication adds per request with a
 * canned response (no network at all). The bare client sends the same
 * `Authorization` header from a constant — what an interceptor that sets a
 * header does — so that the platform's own cost of a secret header (its span
 * records it redacted) is on both sides; the ablation also reports the figure
 * over a client that sends no header at all.
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

/** The bare client with a fixed bearer token. */
const withHeader = (http: HttpClient.HttpClient) =>
  HttpClient.mapRequest(http, HttpClientRequest.bearerToken("bench-token"))

const authenticate = (http: HttpClient.HttpClient) =>
  Effect.map(memoryEngine, (auth) =>
    AuthHttpClient.make(http, {
      auth,
      sign: (request, session) => HttpClientRequest.bearerToken(request, Redacted.value(session.token)),
      classify: (response) =>
        response.status === 401 ? Effect.fail(new Authenticated.SessionRejected({ status: 401 })) : Effect.void
    }))

/** Requests per second, bare and authenticated, alternating rounds; median of nine. */
export const throughput = Effect.scoped(Effect.gen(function*() {
  const child = yield* Effect.acquireRelease(
    Effect.promise(() => Child.start("ok-server.mjs")),
    (c) => Effect.sync(c.close)
  )
  const url = `http://127.0.0.1:${child.line.trim()}/ok`
  const platform = yield* HttpClient.HttpClient
  const bare = withHeader(platform)
  const authed = yield* authenticate(platform)
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
  for (let i = 0; i < 9; i++) {
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
  const bare = withHeader(canned)
  // CPU time of this process (not wall time: the other figures' child processes are gone, but the machine is
  // shared), rounds of the three clients alternating so that drift hits each alike.
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
