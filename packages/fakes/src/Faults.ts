/**
 * The fault injection every HTTP fake offers: a queue of faults the next requests meet, a delay, dropped
 * connections, and how each fault is written on a `node:http` response.
 *
 * @since 0.1.0
 */
import type { IncomingMessage, ServerResponse } from "node:http"

/**
 * A fault the next requests meet. `Drop` destroys the connection before an answer, `Truncate` sends half a body
 * and destroys it, `InvalidJson` and `WrongShape` answer 200 with a body the client cannot use, `StallBody` starts
 * a body and never ends it, `Oversize` sends a body of the given size, `Redirect` sends the client elsewhere.
 *
 * @since 0.1.0
 * @category models
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

/**
 * The fault controls every HTTP fake offers (both testkits', same names and meaning).
 *
 * @since 0.1.0
 * @category models
 */
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

/**
 * A fake's fault queue: the controls it hands out, and what its request handler calls.
 *
 * @since 0.1.0
 * @category models
 */
export interface Queue {
  /** The controls, spread into the fake's interface. */
  readonly controls: Faults
  /**
   * Waits the configured delay (real time: the fakes' delays are real, whatever clock the test uses), then writes
   * the next pending fault on `response`; `false` when there is none and the request is to be handled normally.
   */
  readonly next: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>
  /** Waits the configured delay (real time), then takes the next pending fault. */
  readonly take: () => Promise<Fault | undefined>
  /** The delay every request waits now, in milliseconds (for a handler that waits on its own clock). */
  readonly delay: () => number
  /** Takes the next pending fault now, without waiting (for a handler that waited the delay on its own). */
  readonly shift: () => Fault | undefined
  /** Writes `fault` on `response`, counting the bytes of an `Oversize` body. */
  readonly write: (fault: Fault, response: ServerResponse) => void
  /** Gives `dropConnections` the server to act on. */
  readonly attach: (server: { readonly dropConnections: () => void }) => void
}

/**
 * A new, empty fault queue.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Queue => {
  const queue: Array<Fault> = []
  let delay = 0
  let oversizeWritten = 0
  let started: { readonly dropConnections: () => void } | undefined
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

  const take = async (): Promise<Fault | undefined> => {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    return queue.shift()
  }

  const write = (fault: Fault, response: ServerResponse) =>
    writeFault(fault, response, (bytes) => {
      oversizeWritten += bytes
    })

  return {
    controls,
    take,
    delay: () => delay,
    shift: () => queue.shift(),
    write,
    next: async (_request, response) => {
      const fault = await take()
      if (fault === undefined) return false
      write(fault, response)
      return true
    },
    attach: (server) => void (started = server)
  }
}

/**
 * The answer a fault gives when it is a plain HTTP answer (a status with a body, a body the client cannot use, a
 * redirect); `undefined` for the faults that act on the connection (`Drop`, `StallBody`, `Oversize`, `Truncate`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Answer {
  readonly status: number
  /** The `Content-Type`, when there is a body. */
  readonly contentType: string | undefined
  /** Other headers (lower-case names). */
  readonly headers: Readonly<Record<string, string>>
  /** The body; `""` for none. */
  readonly body: string
}

/**
 * What a fault answers when it is a plain HTTP answer (see `Answer`).
 *
 * @since 0.1.0
 * @category answers
 */
export const answerOf = (fault: Fault): Answer | undefined => {
  switch (fault._tag) {
    case "Status":
      return {
        status: fault.status,
        contentType: "application/json",
        headers: fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {},
        body: JSON.stringify(fault.body ?? { message: "fault injected by the fake" })
      }
    case "InvalidJson":
      // A gateway's HTML error page, under a 200 that says JSON.
      return { status: 200, contentType: "application/json", headers: {}, body: "<html>502 Bad Gateway</html>{" }
    case "WrongShape":
      return {
        status: 200,
        contentType: "application/json",
        headers: {},
        body: JSON.stringify({ unexpected: [1, 2, 3] })
      }
    case "Redirect":
      return { status: fault.status, contentType: undefined, headers: { location: fault.location }, body: "" }
    default:
      return undefined
  }
}

/**
 * Writes `fault` on a `node:http` response; `onOversizeWritten` is told each `Oversize` chunk that reached the
 * socket.
 *
 * @since 0.1.0
 * @category answers
 */
export const writeFault = (
  fault: Fault,
  response: ServerResponse,
  onOversizeWritten: (bytes: number) => void = () => {}
): void => {
  const answer = answerOf(fault)
  if (answer !== undefined) {
    response.writeHead(answer.status, {
      ...(answer.contentType !== undefined ? { "content-type": answer.contentType } : {}),
      "content-length": String(Buffer.byteLength(answer.body)),
      ...answer.headers
    })
    response.end(answer.body)
    return
  }
  switch (fault._tag) {
    case "Drop":
      response.socket?.destroy()
      return
    case "StallBody":
      response.writeHead(200, { "content-type": "application/json", "content-length": "4096" })
      // The rest never comes; the connection is closed when the client gives up or the fake stops.
      response.write("{\"success\":")
      return
    case "Oversize": {
      response.writeHead(200, {
        "content-type": "application/json",
        ...(fault.declareLength ? { "content-length": String(fault.bytes) } : {})
      })
      // A body of `bytes` bytes in 64 KiB writes, each waiting for the socket to drain, so that what is counted is
      // what the client let through before closing.
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      let left = fault.bytes
      const write = () => {
        while (left > 0 && !response.destroyed) {
          const size = Math.min(left, chunk.length)
          left -= size
          const ok = response.write(size === chunk.length ? chunk : chunk.subarray(0, size), () => {
            onOversizeWritten(size)
          })
          if (!ok) {
            response.once("drain", write)
            return
          }
        }
        if (left === 0) response.end()
      }
      write()
      return
    }
    case "Truncate":
      response.writeHead(200, { "content-type": "application/json", "content-length": "64" })
      response.write("{\"success\":true,\"mess")
      setTimeout(() => response.socket?.destroy(), 10)
      return
  }
}
