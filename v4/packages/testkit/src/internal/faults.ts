import type { IncomingMessage, ServerResponse } from "node:http"
import { json, type Started } from "./server.js"

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

/** The fault controls every HTTP fake offers (the v3 testkit's, same names and meaning). */
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

export const makeFaults = () => {
  const queue: Array<Fault> = []
  let delay = 0
  let oversizeWritten = 0
  let started: Started | undefined
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
    dropConnections: () => started?.dropConnections(),
    clearFaults: () => {
      queue.length = 0
      delay = 0
    }
  }

  /**
   * Waits the configured delay (real time: the fakes' delays are real, whatever clock the test uses), then answers
   * the next pending fault; `false` when there is none and the request is to be handled normally.
   */
  const next = async (_request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    const fault = queue.shift()
    if (fault === undefined) return false
    switch (fault._tag) {
      case "Status":
        json(
          response,
          fault.status,
          fault.body ?? { message: "fault injected by the fake" },
          fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {}
        )
        return true
      case "InvalidJson":
        response.writeHead(200, { "content-type": "application/json" })
        response.end("<html>502 Bad Gateway</html>{")
        return true
      case "WrongShape":
        json(response, 200, { unexpected: [1, 2, 3] })
        return true
      case "Drop":
        response.socket?.destroy()
        return true
      case "Redirect":
        response.writeHead(fault.status, { location: fault.location, "content-length": "0" })
        response.end()
        return true
      case "StallBody":
        response.writeHead(200, { "content-type": "application/json", "content-length": "4096" })
        // The rest never comes; the connection is closed when the client gives up or the fake stops.
        response.write("{\"success\":")
        return true
      case "Oversize": {
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
        return true
      }
      case "Truncate":
        response.writeHead(200, { "content-type": "application/json", "content-length": "64" })
        response.write("{\"success\":true,\"mess")
        setTimeout(() => response.socket?.destroy(), 10)
        return true
    }
  }

  return {
    controls,
    next,
    attach: (server: Started) => void (started = server)
  }
}
