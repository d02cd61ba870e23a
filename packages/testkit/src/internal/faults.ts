import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as FakeServer from "../FakeServer.js"

/**
 * A fault the next requests meet. `drop` destroys the connection before an
 * answer, `truncate` sends half a body and destroys it, `invalidJson` and
 * `wrongShape` answer 200 with a body the client cannot use.
 */
export type Fault =
  | {
    readonly _tag: "Status"
    readonly status: number
    readonly retryAfter?: string | undefined
    readonly body?: unknown
  }
  | { readonly _tag: "Drop" }
  | { readonly _tag: "Truncate" }
  | { readonly _tag: "InvalidJson" }
  | { readonly _tag: "WrongShape" }
  | { readonly _tag: "StallBody" }
  | { readonly _tag: "Oversize"; readonly bytes: number; readonly declareLength: boolean }
  | { readonly _tag: "Redirect"; readonly location: string; readonly status: number }

/** The fault controls every HTTP fake offers. */
export interface Faults {
  /** The next `n` requests get `status` (with `Retry-After` if given). */
  readonly failNext: (
    n: number,
    status: number,
    options?: { readonly retryAfter?: string; readonly body?: unknown }
  ) => void
  /** The next `n` requests have their connection destroyed before any answer. */
  readonly dropNext: (n: number) => void
  /** The next `n` requests get half a body, then the connection is destroyed. */
  readonly truncateNext: (n: number) => void
  /** The next `n` requests get `200` with a body that is not JSON. */
  readonly invalidJsonNext: (n: number) => void
  /** The next `n` requests get `200` with JSON of the wrong shape. */
  readonly wrongShapeNext: (n: number) => void
  /**
   * The next `n` requests get `200` headers and the start of a body, then
   * nothing more until the client gives up (the connection stays open).
   */
  readonly stallBodyNext: (n: number) => void
  /**
   * The next `n` requests get a `200` JSON body of `bytes` bytes, with or
   * without a `Content-Length` saying so; writing stops when the client closes.
   */
  readonly oversizeNext: (n: number, bytes: number, options?: { readonly declareLength?: boolean }) => void
  /** The next `n` requests are redirected to `location` (default status 302). */
  readonly redirectNext: (n: number, location: string, status?: number) => void
  /** Body bytes the fake wrote for `oversizeNext` faults, summed (what reached the socket before it closed). */
  readonly oversizeBytesWritten: () => number
  /** Every request waits this long (real time) before it is handled; 0 for none. */
  readonly setDelay: (millis: number) => void
  /** Destroys every open connection now. */
  readonly dropConnections: () => void
  /** Clears every pending fault and the delay. */
  readonly clearFaults: () => void
}

/** The fakes' own wall clock: their delays are real, whatever clock the test uses. */
const liveClock = Clock.make()

export const makeFaults = () => {
  const queue: Array<Fault> = []
  let delay = 0
  let oversizeWritten = 0
  let started: FakeServer.Started | undefined
  const push = (n: number, fault: Fault) => {
    for (let i = 0; i < n; i++) queue.push(fault)
  }

  const controls: Faults = {
    failNext: (n, status, options) =>
      push(n, { _tag: "Status", status, retryAfter: options?.retryAfter, body: options?.body }),
    dropNext: (n) => push(n, { _tag: "Drop" }),
    truncateNext: (n) => push(n, { _tag: "Truncate" }),
    invalidJsonNext: (n) => push(n, { _tag: "InvalidJson" }),
    wrongShapeNext: (n) => push(n, { _tag: "WrongShape" }),
    stallBodyNext: (n) => push(n, { _tag: "StallBody" }),
    oversizeNext: (n, bytes, options) =>
      push(n, { _tag: "Oversize", bytes, declareLength: options?.declareLength ?? false }),
    redirectNext: (n, location, status) => push(n, { _tag: "Redirect", location, status: status ?? 302 }),
    oversizeBytesWritten: () => oversizeWritten,
    setDelay: (millis) => void (delay = millis),
    dropConnections: () => Effect.runSync(started?.dropConnections ?? Effect.void),
    clearFaults: () => {
      queue.length = 0
      delay = 0
    }
  }

  /** The response for the next fault, if one is pending; `undefined` to handle the request normally. */
  const next: Effect.Effect<
    HttpServerResponse.HttpServerResponse | undefined,
    never,
    HttpServerRequest.HttpServerRequest
  > = Effect.gen(function*() {
    if (delay > 0) yield* Effect.withClock(Effect.sleep(delay), liveClock)
    const fault = queue.shift()
    if (fault === undefined) return undefined
    const request = yield* HttpServerRequest.HttpServerRequest
    switch (fault._tag) {
      case "Status":
        return HttpServerResponse.unsafeJson(fault.body ?? { message: "fault injected by the fake" }, {
          status: fault.status,
          headers: fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {}
        })
      case "InvalidJson":
        return HttpServerResponse.text("<html>502 Bad Gateway</html>{", {
          status: 200,
          contentType: "application/json"
        })
      case "WrongShape":
        return HttpServerResponse.unsafeJson({ unexpected: [1, 2, 3] })
      case "Drop": {
        NodeHttpServerRequest.toServerResponse(request).socket?.destroy()
        return yield* Effect.never
      }
      case "Redirect":
        return HttpServerResponse.empty({ status: fault.status, headers: { location: fault.location } })
      case "StallBody": {
        const response = NodeHttpServerRequest.toServerResponse(request)
        response.writeHead(200, { "content-type": "application/json", "content-length": "4096" })
        response.write("{\"success\":")
        // The rest never comes; the connection is closed when the client gives up or the fake stops.
        return yield* Effect.never
      }
      case "Oversize": {
        const response = NodeHttpServerRequest.toServerResponse(request)
        response.writeHead(200, {
          "content-type": "application/json",
          ...(fault.declareLength ? { "content-length": String(fault.bytes) } : {})
        })
        // A JSON string of `bytes` bytes in 64 KiB writes, each waiting for the socket to drain, so that
        // what is counted is what the client let through before closing.
        const chunk = Buffer.alloc(64 * 1024, 0x61)
        let left = fault.bytes
        const write = () => {
          while (left > 0 && !response.destroyed) {
            const size = Math.min(left, chunk.length)
            left -= size
            const ok = response.write(size === chunk.length ? chunk : chunk.subarray(0, size), () => {
              oversizeWritten += size
            })
            if (!ok) {
              response.once("drain", write)
              return
            }
          }
          if (left === 0) response.end()
        }
        write()
        return yield* Effect.never
      }
      case "Truncate": {
        const response = NodeHttpServerRequest.toServerResponse(request)
        response.writeHead(200, { "content-type": "application/json", "content-length": "64" })
        response.write("{\"success\":true,\"mess")
        setTimeout(() => response.socket?.destroy(), 10)
        return yield* Effect.never
      }
    }
  })

  return {
    controls,
    next,
    attach: (server: FakeServer.Started) => void (started = server)
  }
}
