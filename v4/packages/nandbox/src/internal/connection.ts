/**
 * The connection: one authenticated socket kept by a supervisor (reconnecting with backoff), the session engine
 * around it, the inbound fan-out and the outbound queue, and with a `Coordination` the fleet-wide owner lease (only
 * the owner connects). The effect 4 line's port of the v3 module.
 */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as Coordination from "@authfx/core/Coordination"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as NandboxFrames from "@authfx/protocol/NandboxFrames"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import type * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { InboundFrame, Nandbox, NandboxAuthError, NandboxSession, OutboundFrame, SendError } from "../Nandbox.js"
import {
  checkToken,
  defaultMaxFrameSize,
  defaultReconnect,
  defaultUrl,
  displayUrl,
  droppedFrames,
  isPermanent,
  keysOf,
  type Options,
  provider,
  readToken,
  validateUrl
} from "./config.js"
import * as Inbound from "./inbound.js"
import * as Once from "./once.js"
import * as Outbound from "./outbound.js"
import * as NandboxSocket from "./socket.js"
import * as Timers from "./timers.js"

export {
  defaultMaxFrameSize,
  defaultReconnect,
  defaultUrl,
  displayUrl,
  droppedFrames,
  type Options,
  provider,
  type TokenSource,
  validateUrl
} from "./config.js"

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
    const context = yield* Effect.context<Socket.WebSocketConstructor>()
    const makeSocket = Context.get(context, Socket.WebSocketConstructor)
    const coordination = options.coordination === false
      ? undefined
      : options.coordination ?? Option.getOrUndefined(Context.getOption(context, Coordination.Coordination))
    const clock = yield* Clock.Clock
    const openTimeout = Duration.toMillis(options.openTimeout ?? Duration.seconds(10))
    const authTimeout = Duration.toMillis(options.authTimeout ?? Duration.seconds(10))
    const maxFrameSize = options.maxFrameSize ?? defaultMaxFrameSize
    // Each subscriber's buffer is bounded in frames and bytes; a frame over it is dropped for that subscriber,
    // counted (`inboundDropped`, the metric) and logged once per overflow.
    const inboundFrames = options.inboundCapacity ?? Inbound.defaultFrames
    const inboundBytes = options.inboundMaxBytes ?? Inbound.defaultBytes
    const droppedMetric = Metric.withAttributes(
      droppedFrames,
      options.account === undefined ? { provider } : { account: options.account, provider }
    )
    const runSyncExit = Effect.runSyncExitWith(context)
    const runFork = Effect.runForkWith(context)
    const inbound = Inbound.make<InboundFrame>(inboundFrames, inboundBytes, {
      onOverflow: () =>
        log(
          `a subscriber of inbound is not keeping up: frames beyond ${inboundFrames} frames or ${inboundBytes} ` +
            "bytes buffered for it are dropped (inboundCapacity, inboundMaxBytes)"
        ),
      onDrop: () => void runSyncExit(Metric.update(droppedMetric, 1)),
      onResume: (dropped) => log(`a subscriber of inbound is reading again, after ${dropped} frames dropped for it`)
    })
    let scopeClosed = false
    const pingAfter = Duration.toMillis(options.pingAfter ?? Duration.seconds(30))
    const stableAfter = Duration.toMillis(options.stableAfter ?? Duration.seconds(5))
    const reconnect = options.reconnect ?? defaultReconnect
    /** Fibers this connection started (supervisor, writer); interrupted when its scope closes. */
    const running = new Set<Fiber.Fiber<unknown, unknown>>()

    const log = (message: string): void =>
      void runFork(Effect.logWarning(`nandbox: ${message}`).pipe(Effect.annotateLogs("authfx.provider", provider)))
    const sockets = NandboxSocket.make({
      url,
      request,
      constructor: (url) => makeSocket(url),
      clock,
      after: Timers.after(clock, context),
      openTimeout,
      authTimeout,
      pingAfter,
      maxFrameSize,
      inbound,
      log,
      onServed: (attempt) => reportAccepted(attempt)
    })
    const { abandon, connect, keepAlive, lives, start, write } = sockets
    // Made once `state` is: the finalizer below may run before (a build interrupted on the way).
    let outbound: Outbound.Outbound | undefined

    /**
     * nandbox served an authenticated socket (a frame other than an error after `TOKEN_AUTH_OK`): its session is
     * reported `accepted` to the engine, once, which ends a rejection streak as an HTTP provider's accepted call does.
     */
    const reportAccepted = (attempt: NandboxSocket.Attempt): void => {
      if (attempt.reported === true || attempt.served !== true || attempt.lease === undefined) return
      attempt.reported = true
      runFork(auth.accepted(attempt.lease))
    }

    /** Forks `effect` detached, tracked by this connection (no `FiberSet`: a plain `Set` and one finalizer). */
    const fork = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.map(Effect.forkDetach(Effect.interruptible(effect)), (fiber) => {
        running.add(fiber)
        fiber.addObserver(() => running.delete(fiber))
        return fiber
      })
    // One finalizer for the connection (it runs after the session engine's): queued frames fail `Closed`, the
    // sockets close, the fibers stop. Registered before the first socket exists, so that no socket outlives a build
    // interrupted on the way.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        scopeClosed = true
        yield* inbound.shutdown
        if (outbound !== undefined) yield* outbound.close
        sockets.closeAll()
        yield* Fiber.interruptAll(running)
      })
    )
    // The socket first: with a token given as a value, the connection starts before the engine and its fibers are
    // built, and the first acquisition adopts it. Not in a fleet: there, only the replica that owns the lease may
    // connect, and it is not known yet.
    let early: NandboxSocket.Attempt | undefined
    if (
      coordination === undefined && Redacted.isRedacted(options.token) &&
      Result.isSuccess(checkToken(options.token, keys.token))
    ) {
      early = start(options.token)
      yield* Timers.afterConnectStarts
    }
    const state = yield* SubscriptionRef.make<State>({ _tag: "Connecting" })
    const { send } = outbound = Outbound.make({ capacity: options.queueCapacity ?? 1_000, state, lives, write, fork })

    // A fleet-wide single owner of the one connection, when there is a coordination.
    const botId = Redacted.isRedacted(options.token) ? NandboxFrames.botIdOf(Redacted.value(options.token)) : undefined
    const ownerKey = Coordination.key(
      provider,
      [options.account, botId]
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
        request,
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
            owning ? Effect.succeed(session) : Effect.andThen(closeLive(session), Effect.fail(standby())))
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
                code: NandboxFrames.revokedTokenCode,
                description: `the token was regenerated and its source still holds the old value: update ${keys.token}`
              })
            )
            : Effect.andThen(closeLive(previous), owned(acquireSocket(token)))
        })
    })

    /** Keeps one authenticated socket: reconnects at once after a stable connection, with backoff otherwise. */
    const supervise = Effect.gen(function*() {
      // Made at the first reconnection (a connection that never drops never needs it), dropped to reset it.
      let step: ((input: unknown) => Effect.Effect<unknown, unknown>) | undefined
      const next = (input: unknown) =>
        Effect.suspend(() =>
          step !== undefined
            ? step(input)
            : Effect.flatMap(Schedule.toStepWithSleep(reconnect), (made) =>
              (step = made)(input))
        )
      const reset = Effect.sync(() => {
        step = undefined
      })
      let attempt = 0
      while (true) {
        const exit = yield* Effect.exit(auth.lease)
        if (Exit.isSuccess(exit)) {
          const session = exit.value.session
          // The callers waiting for this session go first; the bookkeeping below is not on their path.
          yield* Effect.yieldNow
          const live = lives.get(session)!
          live.lease = exit.value
          reportAccepted(live)
          attempt = 0
          keepAlive(live)
          yield* SubscriptionRef.set(state, { _tag: "Connected", session })
          const { error, revoked } = yield* Once.wait(live.closed)
          const lived = clock.currentTimeMillisUnsafe() - live.authenticatedAt
          yield* auth.invalidate(session, { rejected: revoked })
          yield* SubscriptionRef.set(state, {
            _tag: "Reconnecting",
            attempt: 1,
            error: revoked
              ? `token revoked (${NandboxFrames.revokedTokenCode})`
              : error !== undefined
              ? error.message
              : "connection closed",
            cause: error
          })
          if (lived >= stableAfter) {
            yield* reset
            continue
          }
          // The schedule ended: it starts over.
          if (Exit.isFailure(yield* Effect.exit(next(undefined)))) yield* reset
          continue
        }
        const failure = Cause.findErrorOption(exit.cause)
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
        const more = yield* Effect.exit(next(failure.value))
        if (Exit.isFailure(more)) {
          yield* SubscriptionRef.set(state, { _tag: "Failed", error: failure.value })
          return
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
          return Effect.andThen(SubscriptionRef.set(state, { _tag: "Connecting" }), supervise)
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
