import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as Coordination from "@authfx/core/Coordination"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as Url from "@authfx/core/Url"
import * as NandboxFrames from "@authfx/protocol/NandboxFrames"
import * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import {
  ErrorFrame,
  InboundFrame,
  type Nandbox,
  type NandboxAuthError,
  NandboxSendError,
  type NandboxSession,
  type OutboundFrame,
  type SendError,
  TokenAuthOk
} from "../Nandbox.js"
import * as Inbound from "./inbound.js"
import * as Once from "./once.js"

export const provider = "nandbox"

export const defaultUrl = "wss://w1.nandbox.net:5020/nandbox/api/"

/** Inbound frames dropped for subscribers that did not keep up (see `inboundCapacity`). */
export const droppedFrames = Metric.counter("authfx_nandbox_inbound_dropped_total", {
  description: "inbound frames dropped for a subscriber whose buffer was full",
  incremental: true
})

/** Default largest inbound frame, in UTF-8 bytes: 1 MiB. */
export const defaultMaxFrameSize = 1_048_576

export type TokenSource = import("../NandboxConnection.js").TokenSource

export type Options = import("../NandboxConnection.js").Options

/** The state of the connection, as `send` and users see it. */
export type State =
  | { readonly _tag: "Connecting" }
  | { readonly _tag: "Connected"; readonly session: NandboxSession }
  | {
    readonly _tag: "Reconnecting"
    readonly attempt: number
    readonly error: string | undefined
    /** Why the last socket ended or the last attempt failed, when it was an error (e.g. `TooLarge`). */
    readonly cause?: NandboxAuthError | undefined
  }
  | { readonly _tag: "Failed"; readonly error: NandboxAuthError }
  /** Another replica of the fleet owns the connection (see the `coordination` option). */
  | { readonly _tag: "Standby" }

export interface Connection {
  readonly send: (frame: OutboundFrame) => Effect.Effect<void, SendError>
  readonly inbound: Stream.Stream<InboundFrame>
  readonly inboundDropped: Effect.Effect<number>
  readonly state: SubscriptionRef.SubscriptionRef<State>
}

/** How a socket ended: `revoked` when nandbox sent `100099` on it; `error` when the client closed it for a fault. */
interface Ended {
  readonly revoked: boolean
  readonly error: NandboxAuthError | undefined
}

/**
 * One socket, from its creation to its end: the callbacks of the platform `WebSocket` drive it directly (no fiber
 * per frame, no fiber until `TOKEN_AUTH_OK`), so authenticating costs little more than a bare socket.
 */
interface Attempt {
  readonly ws: globalThis.WebSocket
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

interface Pending {
  readonly frame: OutboundFrame
  readonly text: string
  readonly done: Deferred.Deferred<void, SendError>
}

/** `<numeric bot id>:<digits>:<secret>`: the documented token shape. */
const TOKEN = /^\d+:\d+:\S+$/

export const defaultReconnect: Schedule.Schedule<unknown, unknown> = Schedule.exponential("200 millis", 2).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(30))),
  Schedule.asVoid
)

/**
 * The platform timer behind `clock` when it is the live clock: the watchdog and keep-alive of a socket are then
 * plain timers rather than sleeping fibers. A `TestClock` or a user's own clock has none, and gets fibers that sleep
 * on that clock, so that time there moves only with it. Looked up once per clock.
 */
const timersOf = (clock: Clock.Clock): Clock.ClockScheduler | undefined => {
  const known = liveTimers.get(clock)
  if (known !== undefined) return known === false ? undefined : known
  const candidate = (clock as { readonly scheduler?: unknown }).scheduler
  let found: Clock.ClockScheduler | undefined
  if (typeof candidate === "function" && !("adjust" in clock)) {
    const scheduler = Effect.runSync(candidate.call(clock) as Effect.Effect<unknown>)
    if (typeof scheduler === "object" && scheduler !== null && "unsafeSchedule" in scheduler) {
      found = scheduler as Clock.ClockScheduler
    }
  }
  liveTimers.set(clock, found ?? false)
  return found
}
const liveTimers = new WeakMap<Clock.Clock, Clock.ClockScheduler | false>()

/**
 * Lets a socket created just now start connecting before the rest of the connection is built. Node's `ws` (through
 * `net`) starts the TCP connect of an IP address in a `process.nextTick`, which runs only once the pending Effect
 * work is done; one turn of the same queue, taken after the socket's, puts the kernel's connect (its SYN on the wire)
 * before that work. (A host name is looked up on the thread pool at once, and browsers connect off the main thread:
 * there the turn changes nothing.) The upgrade request is still written from the next poll: waiting for one costs
 * two event-loop turns, more than it saved with the machine busy, so that is not done.
 */
const nextTick = (globalThis as {
  readonly process?: { readonly nextTick?: (task: () => void) => void } | undefined
}).process?.nextTick
const afterConnectStarts: Effect.Effect<void> = typeof nextTick === "function"
  ? Effect.async<void>((resume) => {
    nextTick(() => resume(Effect.void))
  })
  : Effect.void

const isPermanent = (error: NandboxAuthError) =>
  error._tag === "CredentialsRejected" || error._tag === "CredentialsMissing" || error._tag === "ConfigurationError"

/**
 * The URL as the socket will use it: `ws:`/`wss:` only (a WHATWG `WebSocket` would quietly turn `http:` into `ws:`,
 * the `ws` package would refuse it), no fragment (a `WebSocket` throws on one). The string is handed to the
 * socket unchanged, so what was checked is what is dialled.
 */
export const validateUrl = (url: string, key = "url"): Effect.Effect<string, AuthError.ConfigurationError> =>
  Url.validate({
    provider,
    key,
    url,
    protocols: ["ws:", "wss:"],
    example: defaultUrl,
    trimTrailingSlash: false
  })

/** `url` as errors show it: scheme, host, port and path; never user info or a query. */
export const displayUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return "(invalid URL)"
  }
}

/** How errors name the URL and the token: the options, or the variables `layerConfig` read them from. */
const keysOf = (options: Pick<Options, "configKeys">) => ({
  url: options.configKeys?.url ?? "url",
  token: options.configKeys?.token ?? "token"
})

const checkToken = (
  token: Redacted.Redacted<string>,
  key = "token"
): Either.Either<Redacted.Redacted<string>, NandboxAuthError> => {
  const value = Redacted.value(token).trim()
  if (value.length === 0) {
    return Either.left(
      new AuthError.CredentialsMissing({ provider, reason: "Empty", description: `${key} is empty` })
    )
  }
  if (!TOKEN.test(value)) {
    return Either.left(
      new AuthError.ConfigurationError({
        provider,
        reason: "Invalid",
        key,
        description: "expected <bot id>:0:<secret>"
      })
    )
  }
  return Either.right(token)
}

const readToken = (source: TokenSource, key: string): Effect.Effect<Redacted.Redacted<string>, NandboxAuthError> =>
  Redacted.isRedacted(source) ? checkToken(source, key) : Effect.flatMap(source, (token) => checkToken(token, key))

const decodeOk = Schema.decodeUnknownEither(TokenAuthOk)
const decodeError = Schema.decodeUnknownEither(ErrorFrame)
const decodeInbound = Schema.decodeUnknownEither(InboundFrame)

/** `TokenAuthOk`'s decoding without the Schema machinery, for the well-formed answer; `undefined` otherwise. */
const readTokenAuthOk: (frame: Record<string, unknown>) => typeof TokenAuthOk.Type | undefined =
  NandboxFrames.tokenAuthOk

const methodOf: (frame: OutboundFrame) => string = NandboxFrames.methodOf

const sizeOf = (data: unknown): number => {
  if (typeof data === "string") return data.length
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength
  if (typeof Blob !== "undefined" && data instanceof Blob) return data.size
  return 0
}

/**
 * Builds the authenticated connection and its `Authenticated<Nandbox>`: a
 * supervisor keeps one socket authenticated (reconnecting with backoff), a
 * writer delivers queued frames in order, a keep-alive pings idle sockets.
 */
export const make = (
  options: Options
): Effect.Effect<
  { readonly auth: Authenticated.Authenticated<Nandbox>; readonly connection: Connection },
  AuthError.ConfigurationError,
  Socket.WebSocketConstructor | Scope.Scope
> =>
  Effect.gen(function*() {
    const keys = keysOf(options)
    const url = yield* validateUrl(options.url ?? defaultUrl, keys.url)
    const request = `WS ${displayUrl(url)}`
    const runtime = yield* Effect.runtime<Socket.WebSocketConstructor>()
    const constructor = Context.get(runtime.context, Socket.WebSocketConstructor)
    const coordination = options.coordination === false
      ? undefined
      : options.coordination ?? Option.getOrUndefined(Context.getOption(runtime.context, Coordination.Coordination))
    const clock = yield* Effect.clock
    const timers = timersOf(clock)
    const openTimeout = Duration.toMillis(options.openTimeout ?? Duration.seconds(10))
    const authTimeout = Duration.toMillis(options.authTimeout ?? Duration.seconds(10))
    const maxFrameSize = options.maxFrameSize ?? defaultMaxFrameSize
    const sockets = new Set<Attempt>()
    const lives = new WeakMap<NandboxSession, Attempt>()
    // Each subscriber's buffer is bounded in frames and bytes; a frame over it is dropped for that subscriber,
    // counted (`inboundDropped`, the metric) and logged once per overflow.
    const inboundFrames = options.inboundCapacity ?? Inbound.defaultFrames
    const inboundBytes = options.inboundMaxBytes ?? Inbound.defaultBytes
    const droppedMetric = Metric.tagged(
      options.account === undefined ? droppedFrames : Metric.tagged(droppedFrames, "account", options.account),
      "provider",
      provider
    )
    const inbound = Inbound.make<InboundFrame>(inboundFrames, inboundBytes, {
      onOverflow: () =>
        log(
          `a subscriber of inbound is not keeping up: frames beyond ${inboundFrames} frames or ${inboundBytes} ` +
            "bytes buffered for it are dropped (inboundCapacity, inboundMaxBytes)"
        ),
      onDrop: () => void Runtime.runSyncExit(runtime)(Metric.increment(droppedMetric)),
      onResume: (dropped) => log(`a subscriber of inbound is reading again, after ${dropped} frames dropped for it`)
    })
    let generation = 0
    let scopeClosed = false
    const pingAfter = Duration.toMillis(options.pingAfter ?? Duration.seconds(30))
    const stableAfter = Duration.toMillis(options.stableAfter ?? Duration.seconds(5))
    const reconnect = options.reconnect ?? defaultReconnect
    /** Fibers this connection started (supervisor, writer); interrupted when its scope closes. */
    const running = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
    // Created with the first frame sent, with the writer: a connection that only listens has neither.
    let queue: Queue.Queue<Pending> | undefined

    const log = (message: string): void =>
      void Runtime.runFork(runtime)(
        Effect.logWarning(`nandbox: ${message}`).pipe(Effect.annotateLogs("authfx.provider", provider))
      )

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

    const onFrame = (attempt: Attempt, data: unknown): void => {
      if (attempt.stopped) return
      attempt.lastInbound = clock.unsafeCurrentTimeMillis()
      if (typeof data !== "string" ? sizeOf(data) > maxFrameSize : NandboxFrames.utf8Exceeds(data, maxFrameSize)) {
        // Bounded memory: the frame is dropped, the socket closed (1009: message too big), nothing more read.
        const error = new AuthError.ProtocolError({
          provider,
          reason: "TooLarge",
          request,
          description: `a frame over the ${maxFrameSize}-byte maximum (maxFrameSize)`
        })
        log(`a frame over the ${maxFrameSize}-byte maximum; closing the socket`)
        return abandon(attempt, error, 1009, "frame too large")
      }
      if (typeof data !== "string") return log("a binary frame; ignored")
      // 64-bit identifiers (`ID`, user and chat ids) would be rounded by a plain JSON.parse.
      const read = NandboxFrames.classify(data)
      if (read._tag === "NotJson") return unexpected(attempt, "a frame that is not JSON")
      if (read._tag === "NotObject") return unexpected(attempt, "a frame that is not a JSON object")
      // Routed on `method` first: only the frame that matters is decoded with its schema.
      const { frame: json, method } = read
      if (attempt.session === undefined) {
        if (method === "TOKEN_AUTH_OK") {
          // The answer is checked field by field as `TokenAuthOk` describes it; only a frame that fails the check
          // runs the Schema decoder, for the typed error that says what is wrong.
          let ok = readTokenAuthOk(json)
          if (ok === undefined) {
            const decoded = decodeOk(json)
            if (Either.isLeft(decoded)) {
              return abandon(attempt, AuthError.fromParseError({ provider, error: decoded.left }))
            }
            ok = decoded.right
          }
          generation += 1
          attempt.authenticatedAt = attempt.lastInbound
          const session: NandboxSession = {
            botId: String(ok.ID),
            name: ok.name,
            reference: ok.reference,
            date: ok.date,
            generation
          }
          attempt.session = session
          lives.set(session, attempt)
          answer(attempt, Exit.succeed(session))
          return
        }
        if (method === "error") {
          const error = decodeError(json)
          const code = Either.isRight(error) ? String(error.right.code) : undefined
          return abandon(
            attempt,
            Either.isRight(error) && NandboxFrames.isRevokedToken(error.right.code)
              ? new AuthError.CredentialsRejected({
                provider,
                reason: "InvalidToken",
                code: 100099,
                description: "nandbox refused the token: it is wrong, revoked or regenerated"
              })
              : new AuthError.ProtocolError({
                provider,
                reason: "UnexpectedFrame",
                request,
                ...(code !== undefined ? { code } : {}),
                description: "an error instead of TOKEN_AUTH_OK"
              })
          )
        }
        // Anything else before TOKEN_AUTH_OK is not for this client yet.
        return
      }
      if (method === "error") {
        const error = decodeError(json)
        if (Either.isRight(error) && NandboxFrames.isRevokedToken(error.right.code)) {
          // The token was regenerated: this session is dead.
          attempt.revoked = true
          return abandon(attempt, undefined)
        }
      }
      if (method !== "error" && attempt.served !== true) {
        attempt.served = true
        reportAccepted(attempt)
      }
      const frame = decodeInbound(json)
      if (Either.isLeft(frame)) return log("a frame that does not match InboundFrame (method is not a string); dropped")
      inbound.publish(frame.right, data.length)
    }

    /**
     * nandbox served an authenticated socket (a frame other than an error after `TOKEN_AUTH_OK`): its session is
     * reported `accepted` to the engine, once, which ends a rejection streak as an HTTP provider's accepted call does.
     */
    const reportAccepted = (attempt: Attempt): void => {
      if (attempt.reported === true || attempt.served !== true || attempt.lease === undefined) return
      attempt.reported = true
      Runtime.runFork(runtime)(auth.accepted(attempt.lease))
    }

    const unexpected = (attempt: Attempt, what: string): void => {
      log(`sent ${what}; ignored`)
      if (attempt.session === undefined) {
        abandon(
          attempt,
          new AuthError.ProtocolError({ provider, reason: "UnexpectedFrame", request, description: what })
        )
      }
    }

    /** Creates the socket now; `TOKEN_AUTH` goes out the moment it opens. */
    const start = (token: Redacted.Redacted<string>): Attempt => {
      const now = clock.unsafeCurrentTimeMillis()
      const deferred = Once.make<NandboxSession, NandboxAuthError>()
      const closed = Once.make<Ended>()
      let ws: globalThis.WebSocket
      try {
        ws = constructor(url)
      } catch {
        Once.done(deferred, Exit.fail(new AuthError.TransportError({ provider, reason: "Network", request })))
        Once.done(closed, Exit.succeed({ revoked: false, error: undefined }))
        return {
          ws: undefined as unknown as globalThis.WebSocket,
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
      ws.binaryType = "arraybuffer"
      let failed = false
      ws.addEventListener("open", () => {
        attempt.openedAt = clock.unsafeCurrentTimeMillis()
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
      ws.addEventListener("error", () => {
        failed = true
      })
      ws.addEventListener("close", (event) => {
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
              failed && event.code === 1006
                ? new AuthError.TransportError({ provider, reason: "Network", request })
                : new AuthError.TransportError({ provider, reason: "Closed", request, code: event.code })
            )
          )
        }
        Once.done(closed, Exit.succeed({ revoked: attempt.revoked, error: attempt.error }))
      })
      return attempt
    }

    /**
     * Runs `task` in `millis` on the live clock's timer, or in a fiber sleeping on the fiber's clock (`TestClock`);
     * returns its cancellation.
     */
    const after = (millis: number, task: () => void): () => void => {
      if (timers !== undefined) {
        const cancel = timers.unsafeSchedule(task, Duration.millis(Math.max(0, millis)))
        return () => void cancel()
      }
      const fiber = Runtime.runFork(runtime)(Effect.zipRight(Effect.sleep(Duration.millis(millis)), Effect.sync(task)))
      return () => fiber.unsafeInterruptAsFork(FiberId.none)
    }

    /** Ends the wait for `TOKEN_AUTH_OK`: the socket must open within `openTimeout`, then answer within `authTimeout`. */
    const watchdog = (attempt: Attempt): void => {
      attempt.timer = undefined
      if (attempt.session !== undefined || attempt.stopped) return
      const now = clock.unsafeCurrentTimeMillis()
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

    /** Forks `effect` as a daemon tracked by this connection (no `FiberSet`: a plain `Set` and one finalizer). */
    const fork = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.map(Effect.forkDaemon(Effect.interruptible(effect)), (fiber) => {
        running.add(fiber)
        fiber.addObserver(() => running.delete(fiber))
        return fiber
      })

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
        const now = clock.unsafeCurrentTimeMillis()
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
    // interrupted on the way.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        scopeClosed = true
        yield* inbound.shutdown
        if (queue !== undefined) {
          for (const rest of yield* Queue.takeAll(queue)) {
            yield* Deferred.fail(
              rest.done,
              new NandboxSendError({ provider, reason: "Closed", method: rest.frame.method })
            )
          }
          yield* Queue.shutdown(queue)
        }
        for (const attempt of sockets) {
          disarm(attempt)
          attempt.ping?.()
          attempt.ping = undefined
          abandon(attempt, undefined)
        }
        yield* Fiber.interruptAll(running)
      })
    )
    // The socket first: with a token given as a value, the connection starts before the engine and its fibers are
    // built, and the first acquisition adopts it. Not in a fleet: there, only the replica that owns the lease may
    // connect, and it is not known yet.
    let early: Attempt | undefined
    if (
      coordination === undefined && Redacted.isRedacted(options.token) &&
      Either.isRight(checkToken(options.token, keys.token))
    ) {
      early = start(options.token)
      yield* afterConnectStarts
    }
    const state = yield* SubscriptionRef.make<State>({ _tag: "Connecting" })

    // A fleet-wide single owner of the one connection, when there is a coordination.
    const botId = Redacted.isRedacted(options.token) ? Redacted.value(options.token).split(":")[0] : undefined
    const ownerKey = Coordination.key(
      provider,
      [options.account, TOKEN.test(botId === undefined ? "" : `${botId}:0:x`) ? botId : undefined]
        .filter((part) => part !== undefined).join("/") || "default"
    )
    const lease = options.ownerLease ?? Duration.seconds(5)
    const ownership = coordination?.ownership({ key: ownerKey, lease })
    /** Whether this replica may connect: always without a coordination, only while owning with one. */
    let owning = ownership === undefined
    const standby = () =>
      new AuthError.TransportError({
        provider,
        reason: "Closed",
        request: `WS ${url}`,
        description: "standby: another replica of the fleet owns the nandbox connection"
      })

    const acquireSocket = (token: Redacted.Redacted<string>): Effect.Effect<NandboxSession, NandboxAuthError> =>
      Effect.suspend(() => {
        if (scopeClosed) return Effect.interrupt
        const attempt = early !== undefined && Redacted.value(early.token) === Redacted.value(token)
          ? early
          : start(token)
        if (early !== undefined) {
          if (attempt !== early) abandon(early, undefined)
          early = undefined
        }
        return connect(attempt)
      })

    /** Closes the socket of `session` if it is still open: a forced refresh replaces it. */
    const closeLive = (session: NandboxSession): Effect.Effect<void> => {
      const live = lives.get(session)
      if (live === undefined || live.isClosed) return Effect.void
      abandon(live, undefined, 1000, "replaced")
      return Once.wait(live.closed).pipe(Effect.timeout("1 second"), Effect.ignore)
    }

    /** Only the owner connects; a socket that authenticated after the lease was lost is closed at once. */
    const owned = (effect: Effect.Effect<NandboxSession, NandboxAuthError>) =>
      Effect.suspend(() =>
        owning
          ? Effect.flatMap(effect, (session) =>
            owning ? Effect.succeed(session) : Effect.zipRight(closeLive(session), Effect.fail(standby())))
          : Effect.fail(standby())
      )

    const auth = yield* SessionEngine.make<Nandbox>({
      provider,
      spanPrefix: "NandboxAuth",
      acquire: owned(Effect.flatMap(readToken(options.token, keys.token), acquireSocket)),
      // After a close: re-read the token (it may have been rotated). After a
      // 100099: re-read it once, and stop if it is the refused one.
      refresh: (previous, { rejected }) =>
        Effect.flatMap(readToken(options.token, keys.token), (token) => {
          const before = lives.get(previous)?.token
          return rejected && before !== undefined && Redacted.value(before) === Redacted.value(token)
            ? Effect.fail(
              new AuthError.CredentialsRejected({
                provider,
                reason: "InvalidToken",
                code: 100099,
                description: `the token was regenerated and its source still holds the old value: update ${keys.token}`
              })
            )
            : Effect.zipRight(closeLive(previous), owned(acquireSocket(token)))
        })
    })

    /** Keeps one authenticated socket: reconnects at once after a stable connection, with backoff otherwise. */
    const supervise = Effect.gen(function*() {
      // Made at the first reconnection: a connection that never drops never needs it.
      let driverMade: Schedule.ScheduleDriver<unknown, unknown> | undefined
      const driver = {
        next: (input: unknown) =>
          Effect.suspend(() =>
            driverMade !== undefined
              ? driverMade.next(input)
              : Effect.flatMap(Schedule.driver(reconnect), (made) =>
                (driverMade = made).next(input))
          ),
        reset: Effect.suspend(() => driverMade === undefined ? Effect.void : driverMade.reset)
      }
      let attempt = 0
      while (true) {
        const exit = yield* Effect.exit(auth.lease)
        if (Exit.isSuccess(exit)) {
          const session = exit.value.session
          // The callers waiting for this session go first; the bookkeeping below is not on their path.
          yield* Effect.yieldNow()
          const live = lives.get(session)!
          live.lease = exit.value
          reportAccepted(live)
          attempt = 0
          keepAlive(live)
          yield* SubscriptionRef.set(state, { _tag: "Connected", session })
          const { error, revoked } = yield* Once.wait(live.closed)
          const lived = clock.unsafeCurrentTimeMillis() - live.authenticatedAt
          yield* auth.invalidate(session, { rejected: revoked })
          yield* SubscriptionRef.set(state, {
            _tag: "Reconnecting",
            attempt: 1,
            error: revoked ? "token revoked (100099)" : error !== undefined ? error.message : "connection closed",
            cause: error
          })
          if (lived >= stableAfter) {
            yield* driver.reset
            continue
          }
          if (Exit.isFailure(yield* Effect.exit(driver.next(undefined)))) {
            yield* driver.reset
          }
          continue
        }
        const failure = Cause.failureOption(exit.cause)
        if (Option.isNone(failure)) {
          return
        }
        if (isPermanent(failure.value)) {
          yield* SubscriptionRef.set(state, { _tag: "Failed", error: failure.value })
          return
        }
        attempt += 1
        yield* SubscriptionRef.set(state, {
          _tag: "Reconnecting",
          attempt,
          error: failure.value.message,
          cause: failure.value
        })
        const more = yield* Effect.exit(driver.next(failure.value))
        if (Exit.isFailure(more)) {
          yield* SubscriptionRef.set(state, { _tag: "Failed", error: failure.value })
          return
        }
      }
    })

    /** The live connection to write on next, or the permanent failure. */
    const nextConnection = Effect.suspend(() =>
      state.changes.pipe(
        Stream.filterMap((s): Option.Option<Either.Either<Attempt, NandboxAuthError>> => {
          if (s._tag === "Failed") return Option.some(Either.left(s.error))
          if (s._tag !== "Connected") return Option.none()
          const live = lives.get(s.session)
          return live === undefined || live.stopped ? Option.none() : Option.some(Either.right(live))
        }),
        Stream.runHead,
        Effect.flatMap((head) => Option.isSome(head) ? Effect.succeed(head.value) : Effect.never)
      )
    )

    /** Delivers queued frames in order, each once, waiting for re-authentication when disconnected. */
    const deliver = (queue: Queue.Queue<Pending>) =>
      Effect.gen(function*() {
        let head: Pending | undefined
        while (true) {
          const pending: Pending = head ?? (yield* Queue.take(queue))
          head = pending
          const target = yield* nextConnection
          if (Either.isLeft(target)) {
            const error: SendError = target.left
            yield* Deferred.fail(pending.done, error)
            for (const rest of yield* Queue.takeAll(queue)) yield* Deferred.fail(rest.done, error)
            head = undefined
            continue
          }
          if (write(target.right, pending.text)) {
            yield* Deferred.succeed(pending.done, void 0)
            head = undefined
          } else {
            // The socket went away: keep the frame, and wait for the next one.
            yield* Once.wait(target.right.closed)
          }
        }
      })

    /**
     * With a coordination: standby until this replica owns the lease, then supervise the connection while the
     * lease holds; a lost lease closes the socket and goes back to standby. A permanent failure stops for good.
     */
    const superviseOwned = ownership === undefined ? supervise : Effect.gen(function*() {
      while (true) {
        yield* SubscriptionRef.set(state, { _tag: "Standby" })
        const exit = yield* Effect.exit(ownership.hold(Effect.suspend(() => {
          owning = true
          return Effect.zipRight(SubscriptionRef.set(state, { _tag: "Connecting" }), supervise)
        })))
        owning = false
        const current = yield* auth.current
        if (Option.isSome(current)) {
          yield* closeLive(current.value)
          yield* auth.invalidate(current.value, { rejected: false })
        }
        if (Exit.isSuccess(exit)) return
      }
    })

    yield* fork(superviseOwned)

    const send = (frame: OutboundFrame): Effect.Effect<void, SendError> =>
      Effect.gen(function*() {
        const current = yield* SubscriptionRef.get(state)
        if (current._tag === "Failed") return yield* Effect.fail(current.error)
        if (current._tag === "Standby") {
          return yield* new NandboxSendError({ provider, reason: "NotOwner", method: methodOf(frame) })
        }
        let text: unknown
        try {
          text = JSON.stringify(frame)
        } catch {
          // A bigint or a cycle: JSON cannot encode it, and nothing was queued.
          return yield* new NandboxSendError({ provider, reason: "Unencodable", method: methodOf(frame) })
        }
        if (typeof text !== "string") {
          return yield* new NandboxSendError({ provider, reason: "Unencodable", method: methodOf(frame) })
        }
        if (queue === undefined) {
          const created = yield* Queue.dropping<Pending>(options.queueCapacity ?? 1_000)
          if (queue === undefined) {
            queue = created
            yield* fork(deliver(created))
          }
        }
        const done = yield* Deferred.make<void, SendError>()
        const queued = yield* Queue.offer(queue, { frame, text, done })
        if (!queued) return yield* new NandboxSendError({ provider, reason: "QueueFull", method: methodOf(frame) })
        return yield* Deferred.await(done)
      })

    return {
      auth,
      connection: {
        send,
        inbound: inbound.stream,
        inboundDropped: Effect.sync(inbound.dropped),
        state
      }
    }
  })
