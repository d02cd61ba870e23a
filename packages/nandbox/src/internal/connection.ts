import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as Coordination from "@authfx/core/Coordination"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as NandboxFrames from "@authfx/protocol/NandboxFrames"
import * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import {
  type InboundFrame,
  type Nandbox,
  type NandboxAuthError,
  type NandboxSession,
  type OutboundFrame,
  type SendError
} from "../Nandbox.js"
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
    const runtime = yield* Effect.runtime<Socket.WebSocketConstructor>()
    const constructor = Context.get(runtime.context, Socket.WebSocketConstructor)
    const coordination = options.coordination === false
      ? undefined
      : options.coordination ?? Option.getOrUndefined(Context.getOption(runtime.context, Coordination.Coordination))
    const clock = yield* Effect.clock
    const openTimeout = Duration.toMillis(options.openTimeout ?? Duration.seconds(10))
    const authTimeout = Duration.toMillis(options.authTimeout ?? Duration.seconds(10))
    const maxFrameSize = options.maxFrameSize ?? defaultMaxFrameSize
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
    let scopeClosed = false
    const pingAfter = Duration.toMillis(options.pingAfter ?? Duration.seconds(30))
    const stableAfter = Duration.toMillis(options.stableAfter ?? Duration.seconds(5))
    const reconnect = options.reconnect ?? defaultReconnect
    /** Fibers this connection started (supervisor, writer); interrupted when its scope closes. */
    const running = new Set<Fiber.RuntimeFiber<unknown, unknown>>()

    const log = (message: string): void =>
      void Runtime.runFork(runtime)(
        Effect.logWarning(`nandbox: ${message}`).pipe(Effect.annotateLogs("authfx.provider", provider))
      )
    const sockets = NandboxSocket.make({
      url,
      request,
      constructor,
      clock,
      after: Timers.after(clock, runtime),
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
      Runtime.runFork(runtime)(auth.accepted(attempt.lease))
    }

    /** Forks `effect` as a daemon tracked by this connection (no `FiberSet`: a plain `Set` and one finalizer). */
    const fork = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.map(Effect.forkDaemon(Effect.interruptible(effect)), (fiber) => {
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
      Either.isRight(checkToken(options.token, keys.token))
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
                code: NandboxFrames.revokedTokenCode,
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
            error: revoked
              ? `token revoked (${NandboxFrames.revokedTokenCode})`
              : error !== undefined
              ? error.message
              : "connection closed",
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
