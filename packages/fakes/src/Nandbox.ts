/**
 * A loopback nandbox Bot API WebSocket server at `/nandbox/api/`, written from
 * nandbox's documentation and what the official SDKs send: JSON text frames
 * only, `TOKEN_AUTH` first (`rem` as a boolean or the string the docs show),
 * `TOKEN_AUTH_OK` or `{"method":"error","code":"100099"}`, `PING` tolerated
 * without a reply, a regenerated token killing live sessions.
 *
 * Rules and where they come from:
 * - `TOKEN_AUTH` first: nandbox's authentication document says "the first request over the WebSocket session must
 *   always be an authentication request", and every official SDK (JS `nandbox-bot-api` 1.2.19
 *   `InternalWebSocket.on.open`, Java `NandboxClient.InternalWebSocket.onConnect`, Python `on_open`) sends
 *   `TOKEN_AUTH` as soon as the socket opens, before anything else; their keep-alive `PING` starts only after
 *   `TOKEN_AUTH_OK` (Java's `PingThread`). What the real server does with another frame first is not documented:
 *   `beforeAuth` chooses between the documented "unauthorized" answer (`100099`, default) and a close with 1008
 *   (policy violation, RFC 6455 section 7.4.1) without an answer.
 * - `rem` as a boolean (all SDKs) or the string `"true"` (the document's example): both accepted.
 * - `TOKEN_AUTH_OK` carries `ID` as the string the document shows (`idAsNumber` sends the JSON number a client
 *   must also survive).
 * - A regenerated token is refused at once and kills the sessions authenticated with it (the document: "generating
 *   a new token will immediately invalidate any previously issued token").
 *
 * Both Effect lines' testkits wrap it (`NandboxFake.make`), so the fake is written once: `ws`'s `WebSocketServer`
 * (which depends on no Effect) behind a `node:http` server on `127.0.0.1`.
 *
 * Undocumented behaviour is switchable: whether the server closes the socket right after a `100099`
 * (`closeOnReject`), and what it does with a first frame that is not `TOKEN_AUTH` (`beforeAuth`).
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import type { Duplex } from "node:stream"
import { type WebSocket, WebSocketServer } from "ws"
import * as Random from "./Random.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The bot id, the part of the token before `:0:` (default random digits). */
  readonly botId?: string | undefined
  readonly botName?: string | undefined
  /**
   * Send `ID` in `TOKEN_AUTH_OK` as a JSON number rather than the string the documentation shows (default
   * false). Bot ids exceed 2^53, so a client that parses it as a number loses digits: switchable because the
   * real server's choice is not documented beyond the one example.
   */
  readonly idAsNumber?: boolean | undefined
  /** Close the socket right after answering `100099` (default false: keep it open). */
  readonly closeOnReject?: boolean | undefined
  /**
   * What a frame other than `TOKEN_AUTH` gets on a socket that is not authenticated (a `PING` or a text that is
   * not JSON included): `"error"` answers `{"method":"error","code":"100099"}`, the document's unauthorized answer
   * (then closes if `closeOnReject`); `"close"` closes the socket with 1008 and no answer. Default `"error"`.
   */
  readonly beforeAuth?: "error" | "close" | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Counters {
  /** WebSocket connections accepted. */
  connections: number
  /** Connections refused while `refuseConnections` was on. */
  refused: number
  /** Successful `TOKEN_AUTH`. */
  authentications: number
  /** `100099` answers. */
  rejections: number
  pings: number
  /** Frames other than `TOKEN_AUTH` and `PING` received from authenticated sessions. */
  frames: number
  /** Frames other than `TOKEN_AUTH` received on sockets that were not authenticated (refused per `beforeAuth`). */
  beforeAuth: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ConnectionRecord {
  readonly id: number
  /** Every text frame received on this connection, parsed. */
  readonly frames: Array<Record<string, unknown>>
  authenticated: boolean
  closed: boolean
  /** The close code, once closed (1009 when the client found a frame too large). */
  closeCode: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NandboxFake {
  /** `ws://127.0.0.1:<port>/nandbox/api/` */
  readonly url: string
  readonly botId: string
  readonly token: () => string
  readonly env: () => Readonly<Record<string, string>>
  readonly counters: Counters
  readonly connections: ReadonlyArray<ConnectionRecord>
  /** Frames received from authenticated sessions, in arrival order, across connections (PINGs excluded). */
  readonly received: () => ReadonlyArray<Record<string, unknown>>
  /** A new token: the old one is refused at once and live sessions get `100099` (and are closed if `closeOnReject`). */
  readonly regenerateToken: () => string
  /** Destroys every open connection, as a network failure would. */
  readonly dropConnections: () => void
  /** While on, new connections are refused at the upgrade. */
  readonly refuseConnections: (on: boolean) => void
  /** Delays each `TOKEN_AUTH_OK` by this many milliseconds (real time). */
  readonly setAuthDelay: (millis: number) => void
  /** Sends a frame that is not JSON to every authenticated session (which the official SDK would crash on). */
  readonly sendMalformed: () => void
  /** Sends a JSON frame to every authenticated session. */
  readonly broadcast: (frame: Record<string, unknown>) => void
  readonly setCloseOnReject: (on: boolean) => void
  readonly setBeforeAuth: (mode: "error" | "close") => void
  /** Sends `text` as it is, as one text frame, to every authenticated session (oversized or odd frames). */
  readonly sendRaw: (text: string) => void
  /** Extra fields added to every later `TOKEN_AUTH_OK` (e.g. padding that makes the answer oversized). */
  readonly setAuthOkExtra: (fields: Readonly<Record<string, unknown>>) => void
}

const parseObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? parsed as Record<string, unknown>
      : undefined
  } catch {
    return undefined
  }
}

const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join("")
const secret = () => Random.token("x").slice(2, 32).padEnd(30, "0").replace(/[^A-Za-z0-9]/g, "a")

/**
 * A started fake and how to stop it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handle extends NandboxFake {
  /** Stops the server and destroys its connections (live WebSockets terminated). Idempotent. */
  readonly close: () => Promise<void>
}

/** Listens on `127.0.0.1` (any free port); `close` terminates every WebSocket, then stops the server. */
const listen = (server: Server, wss: WebSocketServer): Promise<{ port: number; close: () => Promise<void> }> =>
  new Promise((resolve, reject) => {
    let closed: Promise<void> | undefined
    const close = () => {
      if (closed === undefined) {
        closed = new Promise<void>((done) => {
          for (const socket of wss.clients) socket.terminate()
          wss.close()
          server.close(() => done())
          server.closeAllConnections()
        })
      }
      return closed
    }
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve({ port: (server.address() as AddressInfo).port, close })
    })
  })

/**
 * Starts the fake on `127.0.0.1` until `close`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options = {}): Promise<Handle> => {
  const botId = options.botId ?? `9009${digits(13)}`
  const botName = options.botName ?? "authfx test bot"
  let token = `${botId}:0:${secret()}`
  let closeOnReject = options.closeOnReject ?? false
  let beforeAuth = options.beforeAuth ?? "error"
  let refuse = false
  let authDelay = 0
  let authOkExtra: Readonly<Record<string, unknown>> = {}
  const counters: Counters = {
    connections: 0,
    refused: 0,
    authentications: 0,
    rejections: 0,
    pings: 0,
    frames: 0,
    beforeAuth: 0
  }
  const records: Array<ConnectionRecord> = []
  const received: Array<Record<string, unknown>> = []
  const live = new Map<WebSocket, ConnectionRecord>()

  const send = (socket: WebSocket, frame: Record<string, unknown>) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame))
  }

  const reject = (socket: WebSocket, record: ConnectionRecord) => {
    counters.rejections += 1
    record.authenticated = false
    send(socket, { method: "error", code: "100099" })
    if (closeOnReject) socket.close(1000, "unauthorized")
  }

  const onConnection = (socket: WebSocket) => {
    counters.connections += 1
    const record: ConnectionRecord = {
      id: counters.connections,
      frames: [],
      authenticated: false,
      closed: false,
      closeCode: undefined
    }
    records.push(record)
    live.set(socket, record)
    socket.on("close", (code) => {
      record.closed = true
      record.closeCode = code
      live.delete(socket)
    })
    // The document: "the first request over the WebSocket session must always be an authentication request".
    const unauthenticated = () => {
      counters.beforeAuth += 1
      if (beforeAuth === "close") return socket.close(1008, "TOKEN_AUTH first")
      reject(socket, record)
    }
    socket.on("message", (data, isBinary) => {
      // Binary or not a JSON object: refused if unauthenticated, ignored otherwise.
      const frame = isBinary ? undefined : parseObject(data.toString("utf8"))
      if (frame === undefined) return record.authenticated ? undefined : unauthenticated()
      record.frames.push(frame)
      if (frame["method"] === "TOKEN_AUTH") {
        const rem = frame["rem"]
        const remOk = rem === undefined || rem === true || rem === false || rem === "true" || rem === "false"
        if (frame["token"] !== token || !remOk) return reject(socket, record)
        const answer = () => {
          if (socket.readyState !== socket.OPEN || frame["token"] !== token) return
          record.authenticated = true
          counters.authentications += 1
          const ok = JSON.stringify({
            method: "TOKEN_AUTH_OK",
            name: botName,
            ID: botId,
            reference: Date.now() * 10 + counters.authentications,
            date: Date.now(),
            ...authOkExtra
          })
          if (socket.readyState === socket.OPEN) {
            socket.send(options.idAsNumber === true ? ok.replace(`"ID":"${botId}"`, `"ID":${botId}`) : ok)
          }
        }
        return authDelay > 0 ? void setTimeout(answer, authDelay) : answer()
      }
      if (!record.authenticated) return unauthenticated()
      if (frame["method"] === "PING") {
        counters.pings += 1
        return
      }
      counters.frames += 1
      received.push(frame)
    })
  }

  const server = createServer((_, response) => {
    response.writeHead(426).end()
  })
  const wss = new WebSocketServer({ noServer: true })
  wss.on("connection", onConnection)
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? "/", "http://fake").pathname
    if (refuse || (path !== "/nandbox/api/" && path !== "/nandbox/api")) {
      if (refuse) counters.refused += 1
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n")
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request))
  })

  const { port, close } = await listen(server, wss)
  const url = `ws://127.0.0.1:${port}/nandbox/api/`
  return {
    url,
    botId,
    token: () => token,
    env: () => ({ NANDBOX_URL: url, NANDBOX_TOKEN: token }),
    counters,
    connections: records,
    received: () => received,
    regenerateToken: () => {
      token = `${botId}:0:${secret()}`
      for (const [socket, record] of live) {
        if (record.authenticated) reject(socket, record)
      }
      return token
    },
    dropConnections: () => {
      for (const socket of wss.clients) socket.terminate()
    },
    refuseConnections: (on) => void (refuse = on),
    setAuthDelay: (millis) => void (authDelay = millis),
    sendMalformed: () => {
      for (const [socket, record] of live) {
        if (record.authenticated && socket.readyState === socket.OPEN) socket.send("<html>not json")
      }
    },
    broadcast: (frame) => {
      for (const [socket, record] of live) {
        if (record.authenticated) send(socket, frame)
      }
    },
    setCloseOnReject: (on) => void (closeOnReject = on),
    setBeforeAuth: (mode) => void (beforeAuth = mode),
    sendRaw: (text) => {
      for (const [socket, record] of live) {
        if (record.authenticated && socket.readyState === socket.OPEN) socket.send(text)
      }
    },
    setAuthOkExtra: (fields) => void (authOkExtra = fields),
    close
  }
}
