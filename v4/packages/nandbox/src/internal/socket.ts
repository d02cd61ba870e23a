/**
 * One socket, from its creation to its end: opening, `TOKEN_AUTH`, the answer (the frames read on it are
 * `frames.ts`'s), its watchdog and keep-alive, and its close. The callbacks of the platform `WebSocket` drive it
 * directly (no fiber per frame, no fiber until `TOKEN_AUTH_OK`).
 */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as NandboxFrames from "@authfx/protocol/NandboxFrames"
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import type * as Socket from "effect/socket/Socket"
import type { InboundFrame, NandboxAuthError, NandboxSession } from "../Nandbox.js"
import { provider } from "./config.js"
import * as Frames from "./frames.js"
import type * as Inbound from "./inbound.js"
import * as Once from "./once.js"
import type * as Timers from "./timers.js"

/** How a socket ended: `revoked` when nandbox sent `100099` on it; `error` when the client closed it for a fault. */
export interface Ended {
  readonly revoked: boolean
  readonly error: NandboxAuthError | undefined
}

/**
 * One socket, from its creation to its end: the callbacks of the platform `WebSocket` drive it directly (no fiber
 * per frame, no fiber until `TOKEN_AUTH_OK`), so authenticating costs little more than a bare socket.
 */
export interface Attempt {
  readonly ws: Socket.WebSocketLike
  readonly token: Redacted.Redacted<string>
  readonly answer: Once.Once<NandboxSession, NandboxAuthError>
  readonly closed: Once.Once<Ended>
  readonly startedAt: number
  openedAt: number | undefined
  authenticatedAt: number
  lastInbound: number
  session: NandboxSession | undefined
  /** Set once the client gave up on the socket (closing it): later frames are not read. */
  stopped: boolean
  revoked: boolean
  error: NandboxAuthError | undefined
  isClosed: boolean
  /** Whether `answer` is complete. */
  answered: boolean
  /** Cancels the pending `watchdog` check, while someone waits for the answer. */
  timer: (() => void) | undefined
  /** Cancels the pending keep-alive check, once authenticated. */
  ping: (() => void) | undefined
  /** The engine's lease of this socket's session, once the supervisor holds it. */
  lease?: Authenticated.Lease<NandboxSession> | undefined
  /** A frame other than an error arrived after `TOKEN_AUTH_OK`: nandbox serves this session. */
  served?: boolean | undefined
  /** The engine was told (`accepted`). */
  reported?: boolean | undefined
}

/** What a connection gives its sockets. */
export interface Env {
  readonly url: string
  /** How errors name the socket's request: `WS <url without secrets>`. */
  readonly request: string
  readonly constructor: (url: string) => Socket.WebSocketLike
  readonly clock: Clock.Clock
  readonly after: Timers.After
  readonly openTimeout: number
  readonly authTimeout: number
  readonly pingAfter: number
  readonly maxFrameSize: number
  readonly inbound: Inbound.Inbound<InboundFrame>
  readonly log: (message: string) => void
  /** A frame other than an error arrived after `TOKEN_AUTH_OK` on `attempt` (its `served` is set). */
  readonly onServed: (attempt: Attempt) => void
}

/** The sockets of one connection. */
export interface Sockets {
  /** The sockets not closed yet. */
  readonly sockets: Set<Attempt>
  /** The socket of each session. */
  readonly lives: WeakMap<NandboxSession, Attempt>
  /** Creates the socket now; `TOKEN_AUTH` goes out the moment it opens. */
  readonly start: (token: Redacted.Redacted<string>) => Attempt
  /** Stops reading `attempt` and closes its socket; a pending answer fails with `error`. */
  readonly abandon: (attempt: Attempt, error: NandboxAuthError | undefined, code?: number, reason?: string) => void
  /** Waits for the answer of `attempt`: the session once `TOKEN_AUTH_OK` is decoded. */
  readonly connect: (attempt: Attempt) => Effect.Effect<NandboxSession, NandboxAuthError>
  /** Keep-alive: a PING when nothing has arrived for `pingAfter`, until the socket ends (a timer, no fiber). */
  readonly keepAlive: (attempt: Attempt) => void
  /** Writes on an open socket; false when it is not open any more. */
  readonly write: (attempt: Attempt, text: string) => boolean
  /** Closes every socket and cancels their timers. */
  readonly closeAll: () => void
}

export const make = (env: Env): Sockets => {
  const { after, authTimeout, clock, constructor, inbound, log, maxFrameSize, openTimeout, pingAfter, request, url } =
    env
  const sockets = new Set<Attempt>()
  const lives = new WeakMap<NandboxSession, Attempt>()
  let generation = 0

  const answer = (attempt: Attempt, exit: Exit.Exit<NandboxSession, NandboxAuthError>): void => {
    if (attempt.answered) return
    attempt.answered = true
    Once.done(attempt.answer, exit)
  }

  /** Stops reading `attempt` and closes its socket; a pending answer fails with `error`. */
  const abandon = (attempt: Attempt, error: NandboxAuthError | undefined, code = 1000, reason = "closing") => {
    if (error !== undefined) answer(attempt, Exit.fail(error))
    if (attempt.stopped) return
    attempt.stopped = true
    if (error !== undefined) attempt.error = error
    try {
      attempt.ws.close(code, reason)
    } catch {
      // A browser refuses codes other than 1000 and 3000-4999 from a client.
      try {
        attempt.ws.close(1000, reason)
      } catch {
        // already closing
      }
    }
  }

  /** Reads what arrives on a socket (`frames.ts`). */
  const onFrame = Frames.reader({
    clock,
    request,
    maxFrameSize,
    inbound,
    log,
    onServed: env.onServed,
    lives,
    abandon,
    answer,
    nextGeneration: () => ++generation
  })

  /** Creates the socket now; `TOKEN_AUTH` goes out the moment it opens. */
  const start = (token: Redacted.Redacted<string>): Attempt => {
    const now = clock.currentTimeMillisUnsafe()
    const deferred = Once.make<NandboxSession, NandboxAuthError>()
    const closed = Once.make<Ended>()
    let ws: Socket.WebSocketLike
    try {
      ws = constructor(url)
    } catch {
      Once.done(deferred, Exit.fail(new AuthError.TransportError({ provider, reason: "Network", request })))
      Once.done(closed, Exit.succeed({ revoked: false, error: undefined }))
      return {
        ws: undefined as unknown as Socket.WebSocketLike,
        token,
        answer: deferred,
        closed,
        startedAt: now,
        openedAt: undefined,
        authenticatedAt: now,
        lastInbound: now,
        session: undefined,
        stopped: true,
        revoked: false,
        error: undefined,
        isClosed: true,
        answered: true,
        timer: undefined,
        ping: undefined
      }
    }
    const attempt: Attempt = {
      ws,
      token,
      answer: deferred,
      closed,
      startedAt: now,
      openedAt: undefined,
      authenticatedAt: now,
      lastInbound: now,
      session: undefined,
      stopped: false,
      revoked: false,
      error: undefined,
      isClosed: false,
      answered: false,
      timer: undefined,
      ping: undefined
    }
    sockets.add(attempt)
    // Not in `WebSocketLike`: set where the platform's socket has it (the WHATWG one and `ws` do).
    if ("binaryType" in ws) (ws as { binaryType: string }).binaryType = "arraybuffer"
    let failed = false
    ws.addEventListener("open", () => {
      attempt.openedAt = clock.currentTimeMillisUnsafe()
      if (attempt.stopped) return
      try {
        // The one place the token leaves Redacted: the TOKEN_AUTH frame, the first frame of every socket.
        ws.send(NandboxFrames.tokenAuth(Redacted.value(token)))
      } catch {
        return abandon(attempt, new AuthError.TransportError({ provider, reason: "Network", request }))
      }
      // From now on the deadline is `authTimeout` after the open (re-armed once the frame is on its way).
      if (attempt.timer !== undefined) arm(attempt)
    })
    ws.addEventListener("message", (event) => onFrame(attempt, event.data))
    /** The socket is over: its bookkeeping, once (a close may follow an error that already ended it). */
    const finish = (code: number | undefined): void => {
      if (attempt.isClosed) return
      attempt.isClosed = true
      attempt.stopped = true
      sockets.delete(attempt)
      disarm(attempt)
      attempt.ping?.()
      attempt.ping = undefined
      if (!attempt.answered) {
        answer(
          attempt,
          Exit.fail(
            failed && (code === undefined || code === 1006)
              ? new AuthError.TransportError({ provider, reason: "Network", request })
              : new AuthError.TransportError({
                provider,
                reason: "Closed",
                request,
                ...(code !== undefined ? { code } : {})
              })
          )
        )
      }
      Once.done(closed, Exit.succeed({ revoked: attempt.revoked, error: attempt.error }))
    }
    ws.addEventListener("error", () => {
      failed = true
      // A failed opening handshake (a refused upgrade, a connection refused): undici's WebSocket (Node 22's global)
      // fires `error` and never `close`, which would leave the attempt waiting for `openTimeout` and in `sockets`.
      if (attempt.openedAt === undefined) finish(undefined)
    })
    ws.addEventListener("close", (event) => finish(event.code))
    return attempt
  }

  /** Ends the wait for `TOKEN_AUTH_OK`: the socket must open within `openTimeout`, then answer within `authTimeout`. */
  const watchdog = (attempt: Attempt): void => {
    attempt.timer = undefined
    if (attempt.session !== undefined || attempt.stopped) return
    const now = clock.currentTimeMillisUnsafe()
    const due = attempt.openedAt === undefined
      ? attempt.startedAt + openTimeout - now
      : attempt.openedAt + authTimeout - now
    if (due > 0) {
      attempt.timer = after(due, () => watchdog(attempt))
      return
    }
    abandon(
      attempt,
      new AuthError.TransportError({
        provider,
        reason: "Timeout",
        request,
        description: attempt.openedAt === undefined ? "the socket did not open in time" : "no answer to TOKEN_AUTH"
      })
    )
  }

  /** (Re)starts the watchdog of `attempt`: a timer (a fiber on another clock) until its deadline. */
  const arm = (attempt: Attempt): void => {
    attempt.timer?.()
    watchdog(attempt)
  }

  const disarm = (attempt: Attempt): void => {
    attempt.timer?.()
    attempt.timer = undefined
  }

  /** Waits for the answer of `attempt`: the session once `TOKEN_AUTH_OK` is decoded. */
  const connect = (attempt: Attempt): Effect.Effect<NandboxSession, NandboxAuthError> =>
    Effect.uninterruptibleMask((restore) => {
      arm(attempt)
      return restore(Once.wait(attempt.answer)).pipe(
        Effect.onExit((exit) => {
          disarm(attempt)
          if (Exit.isFailure(exit)) abandon(attempt, undefined)
          return Effect.void
        })
      )
    })

  /** Keep-alive: a PING when nothing has arrived for `pingAfter`, until the socket ends (a timer, no fiber). */
  const keepAlive = (attempt: Attempt): void => {
    let lastPing = 0
    const check = (): void => {
      attempt.ping = undefined
      if (attempt.stopped) return
      const now = clock.currentTimeMillisUnsafe()
      const due = Math.max(attempt.lastInbound, lastPing) + pingAfter - now
      if (due > 0) {
        attempt.ping = after(due, check)
        return
      }
      lastPing = now
      write(attempt, NandboxFrames.ping)
      attempt.ping = after(pingAfter, check)
    }
    check()
  }

  /** Writes on an open socket; false when it is not open any more. */
  const write = (attempt: Attempt, text: string): boolean => {
    if (attempt.stopped || attempt.ws.readyState !== 1) return false
    try {
      attempt.ws.send(text)
      return true
    } catch {
      return false
    }
  }

  // One finalizer for the connection (it runs after the session engine's): queued frames fail `Closed`, the
  // sockets close, the fibers stop. Registered before the first socket exists, so that no socket outlives a build

  const closeAll = (): void => {
    for (const attempt of sockets) {
      disarm(attempt)
      attempt.ping?.()
      attempt.ping = undefined
      abandon(attempt, undefined)
    }
  }

  return { sockets, lives, start, abandon, connect, keepAlive, write, closeAll }
}
