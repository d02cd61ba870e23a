import * as Faults_ from "@authfx/fakes/Faults"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as FakeServer from "../FakeServer.js"

/** A fault the next requests meet (`@authfx/fakes`' `Faults.Fault`). */
export type Fault = Faults_.Fault

/** The fault controls every HTTP fake offers (`@authfx/fakes`' `Faults.Faults`). */
export type Faults = Faults_.Faults

/** The fakes' own wall clock: their delays are real, whatever clock the test uses. */
const liveClock = Clock.make()

/**
 * The fault queue of a fake served with `FakeServer.serve` (an `HttpApp`): `@authfx/fakes`' queue and controls,
 * with `next` as an effect of the request. The answers a handler can return (status, bodies, redirect) are
 * `HttpServerResponse`s, so `FakeServer`'s CORS headers reach them; the faults that act on the socket (drop, stall,
 * oversize, truncate) are written by `@authfx/fakes` on Node's response.
 */
export const makeFaults = () => {
  const queue = Faults_.make()

  /** The response for the next fault, if one is pending; `undefined` to handle the request normally. */
  const next: Effect.Effect<
    HttpServerResponse.HttpServerResponse | undefined,
    never,
    HttpServerRequest.HttpServerRequest
  > = Effect.gen(function*() {
    const delay = queue.delay()
    if (delay > 0) yield* Effect.withClock(Effect.sleep(delay), liveClock)
    const fault = queue.shift()
    if (fault === undefined) return undefined
    const answer = Faults_.answerOf(fault)
    if (answer !== undefined) {
      return answer.body === ""
        ? HttpServerResponse.empty({ status: answer.status, headers: answer.headers })
        : HttpServerResponse.text(answer.body, {
          status: answer.status,
          headers: answer.headers,
          ...(answer.contentType !== undefined ? { contentType: answer.contentType } : {})
        })
    }
    const request = yield* HttpServerRequest.HttpServerRequest
    queue.write(fault, NodeHttpServerRequest.toServerResponse(request))
    // The answer is Node's now (or never comes): the connection ends when the client gives up or the fake stops.
    return yield* Effect.never
  })

  return {
    controls: queue.controls,
    next,
    attach: (server: FakeServer.Started) =>
      queue.attach({ dropConnections: () => Effect.runSync(server.dropConnections) })
  }
}
