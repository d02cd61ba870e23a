import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as Coordination from "@authfx/core/Coordination"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as Url from "@authfx/core/Url"
import * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import {
  ErrorFrame,
  type InboundFrame,
  type Nandbox,
  type NandboxAuthError,
  NandboxSendError,
  type NandboxSession,
  type OutboundFrame,
  type SendError,
  TokenAuthOk
} from "../Nandbox.js"
import { parseFrame } from "./bigIds.js"

export const provider = "nandbox"

export const defaultUrl = "wss://w1.nandbox.net:5020/nandbox/api/"

export type TokenSource = import("../NandboxConnection.js").TokenSource

export type Options = import("../NandboxConnection.js").Options

/** The state of the connection, as `send` and users see it. */
export type State =
  | { readonly _tag: "Connecting" }
  | { readonly _tag: "Connected"; readonly session: NandboxSession }
  | { readonly _tag: "Reconnecting"; readonly attempt: number; readonly error: string | undefined }
  | { readonly _tag: "Failed"; readonly error: NandboxAuthError }
  /** Another replica of the fleet owns the connection (see the `coordination` option). */
  | { readonly _tag: "Standby" }

export interface Connection {
  readonly send: (frame: OutboundFrame) => Effect.Effect<void, SendError>
  readonly inbound: Stream.Stream<InboundFrame>
  readonly state: SubscriptionRef.SubscriptionRef<State>
}

/** One live, authenticated socket. */
interface Live {
  readonly session: NandboxSession
  readonly token: Redacted.Redacted<string>
  readonly write: (chunk: string | Socket.CloseEvent) => Effect.Effect<void, Socket.SocketError>
  /** Completes when the socket is gone; `revoked` when nandbox sent `100099` on it. */
  readonly closed: Deferred.Deferred<{ readonly revoked: boolean }>
  readonly isClosed: () => boolean
  readonly openedAt: number
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

const isPermanent = (error: NandboxAuthError) =>
  error._tag === "CredentialsRejected" || error._tag === "CredentialsMissing" || error._tag === "ConfigurationError"

export const validateUrl = (url: string): Effect.Effect<string, AuthError.ConfigurationError> =>
  Url.validate({
    provider,
    key: "NANDBOX_URL",
    url,
    protocols: ["ws:", "wss:"],
    example: defaultUrl,
    trimTrailingSlash: false
  })

const readToken = (source: TokenSource): Effect.Effect<Redacted.Redacted<string>, NandboxAuthError> =>
  (Redacted.isRedacted(source) ? Effect.succeed(source) : source).pipe(
    Effect.flatMap((token): Effect.Effect<Redacted.Redacted<string>, NandboxAuthError> => {
      const value = Redacted.value(token).trim()
      if (value.length === 0) {
        return Effect.fail(
          new AuthError.CredentialsMissing({ provider, reason: "Empty", description: "NANDBOX_TOKEN is empty" })
        )
      }
      if (!TOKEN.test(value)) {
        return Effect.fail(
          new AuthError.ConfigurationError({
            provider,
            reason: "Invalid",
            key: "NANDBOX_TOKEN",
            description: "expected <bot id>:0:<secret>"
          })
        )
      }
      return Effect.succeed(token)
    })
  )

const decodeOk = Schema.decodeUnknownEither(TokenAuthOk)
const decodeError = Schema.decodeUnknownEither(ErrorFrame)

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
    const url = yield* validateUrl(options.url ?? defaultUrl)
    const constructor = yield* Socket.WebSocketConstructor
    const openTimeout = options.openTimeout ?? Duration.seconds(10)
    const authTimeout = options.authTimeout ?? Duration.seconds(10)
    const pingAfter = Duration.toMillis(options.pingAfter ?? Duration.seconds(30))
    const stableAfter = Duration.toMillis(options.stableAfter ?? Duration.seconds(5))
    const reconnect = options.reconnect ?? defaultReconnect
    const fibers = yield* FiberSet.make<unknown, unknown>()
    const inbound = yield* PubSub.unbounded<InboundFrame>()
    const queue = yield* Queue.dropping<Pending>(options.queueCapacity ?? 1_000)
    const state = yield* SubscriptionRef.make<State>({ _tag: "Connecting" })
    const lives = new WeakMap<NandboxSession, Live>()
    let generation = 0

    // A fleet-wide single owner of the one connection, when there is a coordination.
    const botId = Redacted.isRedacted(options.token) ? Redacted.value(options.token).split(":")[0] : undefined
    const ownerKey = Coordination.key(
      provider,
      [options.account, TOKEN.test(botId === undefined ? "" : `${botId}:0:x`) ? botId : undefined]
        .filter((part) => part !== undefined).join("/") || "default"
    )
    const lease = options.ownerLease ?? Duration.seconds(5)
    const ownership = options.coordination === false
      ? undefined
      : options.coordination !== undefined
      ? options.coordination.ownership({ key: ownerKey, lease })
      : Option.getOrUndefined(
        Option.map(yield* Effect.serviceOption(Coordination.Coordination), (c) => c.ownership({ key: ownerKey, lease }))
      )
    /** Whether this replica may connect: always without a coordination, only while owning with one. */
    let owning = ownership === undefined
    const standby = () =>
      new AuthError.TransportError({
        provider,
        reason: "Closed",
        request: `WS ${url}`,
        description: "standby: another replica of the fleet owns the nandbox connection"
      })

    /** Opens a socket, sends `TOKEN_AUTH` first, and waits for the answer. */
    const connect = (token: Redacted.Redacted<string>): Effect.Effect<NandboxSession, NandboxAuthError> =>
      Effect.gen(function*() {
        const socket = yield* Socket.makeWebSocket(url, { openTimeout, closeCodeIsError: () => true }).pipe(
          Effect.provideService(Socket.WebSocketConstructor, constructor)
        )
        const write = yield* Effect.scoped(socket.writer)
        const answer = yield* Deferred.make<NandboxSession, NandboxAuthError>()
        const closed = yield* Deferred.make<{ readonly revoked: boolean }>()
        let authenticated = false
        let revoked = false
        let isClosed = false
        let lastInbound = yield* Clock.currentTimeMillis

        // Writing waits for the socket to be open: a socket that never opened is
        // already over, so the close races its end.
        const closeSocket = write(new Socket.CloseEvent(1000, "closing")).pipe(
          Effect.ignore,
          Effect.raceFirst(Deferred.await(closed))
        )

        const onFrame = (data: string | Uint8Array): Effect.Effect<void> =>
          Effect.gen(function*() {
            lastInbound = yield* Clock.currentTimeMillis
            if (typeof data !== "string") return
            let json: unknown
            try {
              // 64-bit identifiers (`ID`, user and chat ids) would be rounded by a plain JSON.parse.
              json = parseFrame(data)
            } catch {
              return yield* unexpected("a frame that is not JSON")
            }
            if (typeof json !== "object" || json === null || Array.isArray(json)) {
              return yield* unexpected("a frame that is not a JSON object")
            }
            const frame = json as InboundFrame
            const error = decodeError(json)
            if (Either.isRight(error)) {
              const code = String(error.right.code)
              if (!authenticated) {
                yield* Deferred.fail(
                  answer,
                  code === "100099"
                    ? new AuthError.CredentialsRejected({
                      provider,
                      reason: "InvalidToken",
                      code: 100099,
                      description: "nandbox refused the token: it is wrong, revoked or regenerated"
                    })
                    : new AuthError.ProtocolError({
                      provider,
                      reason: "UnexpectedFrame",
                      code,
                      description: "an error instead of TOKEN_AUTH_OK"
                    })
                )
                return yield* closeSocket
              }
              if (code === "100099") {
                // The token was regenerated: this session is dead.
                revoked = true
                return yield* closeSocket
              }
            }
            if (!authenticated) {
              const ok = decodeOk(json)
              if (Either.isLeft(ok)) {
                if (frame.method === "TOKEN_AUTH_OK") {
                  yield* Deferred.fail(answer, AuthError.fromParseError({ provider, error: ok.left }))
                  return yield* closeSocket
                }
                return
              }
              authenticated = true
              generation += 1
              yield* Deferred.succeed(answer, {
                botId: String(ok.right.ID),
                name: ok.right.name,
                reference: ok.right.reference,
                date: ok.right.date,
                generation
              })
              return
            }
            yield* PubSub.publish(inbound, frame)
          })

        const unexpected = (what: string) =>
          Effect.gen(function*() {
            yield* Effect.logWarning(`nandbox sent ${what}; ignored`).pipe(
              Effect.annotateLogs("authfx.provider", provider)
            )
            if (!authenticated) {
              yield* Deferred.fail(
                answer,
                new AuthError.ProtocolError({ provider, reason: "UnexpectedFrame", description: what })
              )
              yield* closeSocket
            }
          })

        // The one place the token leaves Redacted: the TOKEN_AUTH frame.
        const tokenAuth = JSON.stringify({ method: "TOKEN_AUTH", token: Redacted.value(token), rem: true })

        yield* FiberSet.run(
          fibers,
          socket.runRaw(onFrame, { onOpen: Effect.ignore(write(tokenAuth)) }).pipe(
            Effect.exit,
            Effect.flatMap((exit) =>
              Effect.gen(function*() {
                const reason = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
                yield* Deferred.fail(
                  answer,
                  Option.match(reason, {
                    onNone: () => new AuthError.TransportError({ provider, reason: "Closed", request: `WS ${url}` }),
                    onSome: (error) =>
                      error.reason === "OpenTimeout"
                        ? new AuthError.TransportError({
                          provider,
                          reason: "Timeout",
                          request: `WS ${url}`,
                          description: "the socket did not open in time"
                        })
                        : new AuthError.TransportError({
                          provider,
                          reason: error.reason === "Close" ? "Closed" : "Network",
                          request: `WS ${url}`,
                          ...(error.reason === "Close" ? { code: error.code } : {})
                        })
                  })
                )
                isClosed = true
                yield* Deferred.succeed(closed, { revoked })
              })
            ),
            Effect.onInterrupt(() =>
              Effect.suspend(() => {
                isClosed = true
                return Deferred.succeed(closed, { revoked })
              })
            )
          )
        )

        const session = yield* Deferred.await(answer).pipe(
          Effect.timeoutFail({
            duration: authTimeout,
            onTimeout: () =>
              new AuthError.TransportError({
                provider,
                reason: "Timeout",
                request: `WS ${url}`,
                description: "no answer to TOKEN_AUTH"
              })
          }),
          Effect.tapError(() => closeSocket)
        )
        const openedAt = yield* Clock.currentTimeMillis
        lives.set(session, { session, token, write: (text) => write(text), closed, isClosed: () => isClosed, openedAt })

        // Keep-alive: a PING when nothing has arrived for `pingAfter`.
        yield* FiberSet.run(
          fibers,
          Effect.gen(function*() {
            let lastPing = 0
            while (true) {
              const now = yield* Clock.currentTimeMillis
              const idleSince = Math.max(lastInbound, lastPing)
              const due = idleSince + pingAfter - now
              if (due > 0) {
                yield* Effect.sleep(Duration.millis(due))
                continue
              }
              lastPing = now
              yield* Effect.ignore(write(JSON.stringify({ method: "PING" })))
            }
          }).pipe(Effect.raceFirst(Deferred.await(closed)))
        )
        return session
      }).pipe(Effect.withSpan("NandboxAuth.connect", { attributes: { "authfx.provider": provider } }))

    /** Closes the socket of `session` if it is still open: a forced refresh replaces it. */
    const closeLive = (session: NandboxSession): Effect.Effect<void> => {
      const live = lives.get(session)
      if (live === undefined || live.isClosed()) return Effect.void
      return live.write(new Socket.CloseEvent(1000, "replaced")).pipe(
        Effect.ignore,
        Effect.zipRight(Deferred.await(live.closed)),
        Effect.timeout("1 second"),
        Effect.ignore
      )
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
      acquire: owned(Effect.flatMap(readToken(options.token), connect)),
      // After a close: re-read the token (it may have been rotated). After a
      // 100099: re-read it once, and stop if it is the refused one.
      refresh: (previous, { rejected }) =>
        Effect.flatMap(readToken(options.token), (token) => {
          const before = lives.get(previous)?.token
          return rejected && before !== undefined && Redacted.value(before) === Redacted.value(token)
            ? Effect.fail(
              new AuthError.CredentialsRejected({
                provider,
                reason: "InvalidToken",
                code: 100099,
                description: "the token was regenerated and its source still holds the old value: update NANDBOX_TOKEN"
              })
            )
            : Effect.zipRight(closeLive(previous), owned(connect(token)))
        })
    })

    /** Keeps one authenticated socket: reconnects at once after a stable connection, with backoff otherwise. */
    const supervise = Effect.gen(function*() {
      const driver = yield* Schedule.driver(reconnect)
      let attempt = 0
      while (true) {
        const exit = yield* Effect.exit(auth.session)
        if (Exit.isSuccess(exit)) {
          const live = lives.get(exit.value)!
          attempt = 0
          yield* SubscriptionRef.set(state, { _tag: "Connected", session: exit.value })
          const { revoked } = yield* Deferred.await(live.closed)
          const lived = (yield* Clock.currentTimeMillis) - live.openedAt
          yield* auth.invalidate(exit.value, { rejected: revoked })
          yield* SubscriptionRef.set(state, {
            _tag: "Reconnecting",
            attempt: 1,
            error: revoked ? "token revoked (100099)" : "connection closed"
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
        yield* SubscriptionRef.set(state, { _tag: "Reconnecting", attempt, error: failure.value.message })
        const more = yield* Effect.exit(driver.next(failure.value))
        if (Exit.isFailure(more)) {
          yield* SubscriptionRef.set(state, { _tag: "Failed", error: failure.value })
          return
        }
      }
    })

    /** The live connection to write on next, or the permanent failure. */
    const nextConnection = state.changes.pipe(
      Stream.filterMap((s): Option.Option<Either.Either<Live, NandboxAuthError>> => {
        if (s._tag === "Failed") {
          return Option.some(Either.left(s.error))
        }
        if (s._tag !== "Connected") {
          return Option.none()
        }
        const live = lives.get(s.session)
        return live === undefined || live.isClosed() ? Option.none() : Option.some(Either.right(live))
      }),
      Stream.runHead,
      Effect.flatMap((head) =>
        Option.isSome(head) ? Effect.succeed(head.value) : Effect.never
      )
    )

    /** Delivers queued frames in order, each once, waiting for re-authentication when disconnected. */
    const deliver = Effect.gen(function*() {
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
        const written = yield* target.right.write(pending.text).pipe(
          Effect.raceFirst(Effect.zipRight(Deferred.await(target.right.closed), Effect.fail("closed" as const))),
          Effect.exit
        )
        if (Exit.isSuccess(written)) {
          yield* Deferred.succeed(pending.done, void 0)
          head = undefined
        } else {
          // The socket went away: keep the frame, and wait for the next one.
          yield* Deferred.await(target.right.closed)
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

    yield* FiberSet.run(fibers, superviseOwned)
    yield* FiberSet.run(fibers, deliver)
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        for (const rest of yield* Queue.takeAll(queue)) {
          yield* Deferred.fail(
            rest.done,
            new NandboxSendError({ provider, reason: "Closed", method: rest.frame.method })
          )
        }
        yield* Queue.shutdown(queue)
      })
    )

    const send = (frame: OutboundFrame): Effect.Effect<void, SendError> =>
      Effect.gen(function*() {
        const current = yield* SubscriptionRef.get(state)
        if (current._tag === "Failed") return yield* Effect.fail(current.error)
        if (current._tag === "Standby") {
          return yield* new NandboxSendError({ provider, reason: "NotOwner", method: frame.method })
        }
        const done = yield* Deferred.make<void, SendError>()
        const queued = yield* Queue.offer(queue, { frame, text: JSON.stringify(frame), done })
        if (!queued) return yield* new NandboxSendError({ provider, reason: "QueueFull", method: frame.method })
        return yield* Deferred.await(done)
      })

    return {
      auth,
      connection: {
        send,
        inbound: Stream.fromPubSub(inbound),
        state
      }
    }
  })
