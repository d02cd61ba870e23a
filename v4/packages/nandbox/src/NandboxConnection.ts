/**
 * `NandboxConnection`: a self-healing, authenticated nandbox WebSocket.
 *
 * - `TOKEN_AUTH` is the first frame of every socket; `TOKEN_AUTH_OK` is decoded
 *   with Schema; no answer within `authTimeout` is a `TransportError`.
 * - Any close or error reconnects and re-authenticates: at once after a
 *   connection that was up for `stableAfter`, then with exponential, jittered
 *   backoff (`reconnect`, replaceable) — not the SDKs' fixed 30 seconds.
 * - `100099` (a regenerated token) re-reads the token source once: a changed
 *   token re-authenticates, an unchanged one fails with `CredentialsRejected`
 *   (code `100099`) and no further connection is attempted.
 * - `send` queues frames (bounded) and delivers them in order, each once, on
 *   the authenticated socket; frames sent while disconnected wait for the next
 *   authentication. A full queue or a permanent failure fails `send`, typed.
 * - A `PING` goes out when nothing has arrived for `pingAfter` (30 s).
 * - Inbound frames are bounded (`maxFrameSize`, 1 MiB: over it, `ProtocolError`
 *   `TooLarge` and the socket closed) and decoded with `InboundFrame` before
 *   they are published; `send` of a value JSON cannot encode fails typed.
 * - Each subscriber of `inbound` has a buffer of its own, bounded in frames
 *   (`inboundCapacity`, 1,000) and bytes (`inboundMaxBytes`, 4 MiB, counted
 *   as the frames' text length). A subscriber that does not keep up loses the
 *   frames that arrive while its buffer is full (the others still get them):
 *   each is counted (`inboundDropped`, the metric
 *   `authfx_nandbox_inbound_dropped_total`), and a warning is logged when it
 *   starts dropping and when it reads again. Not backpressure: a WebSocket
 *   cannot be paused, and an unread socket would hold back the connection's
 *   own frames (auth answers, pings) and every other subscriber.
 *
 * The effect 4 line (differences from the v3 line's module):
 * - `NandboxConnection` is a `Context.Service`; `make` needs effect 4's
 *   `Socket.WebSocketConstructor` (`effect/socket/Socket`, e.g.
 *   `Socket.layerWebSocketConstructorGlobal` on Node 22 or a browser).
 * - `state` is effect 4's `SubscriptionRef`: its changes are
 *   `SubscriptionRef.changes(state)` (v3: `state.changes`).
 * - The fleet options are the v3 line's: `coordination` (the owner lease of
 *   one connection per bot across the replicas; a standby replica is in
 *   `Standby` and its `send` fails with `NotOwner`) and `ownerLease`.
 * - Durations are effect 4's `Duration.Input`.
 *
 * @since 1.0.0
 */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import type * as Coordination from "@authfx/core/Coordination"
import * as Keyed from "@authfx/core/Keyed"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import type * as Stream from "effect/Stream"
import type * as SubscriptionRef from "effect/SubscriptionRef"
import * as internal from "./internal/connection.js"
import type { InboundFrame, Nandbox, OutboundFrame, SendError } from "./Nandbox.js"
import { NandboxAuth } from "./NandboxAuth.js"

/**
 * @since 1.0.0
 * @category models
 */
export type State = internal.State

/**
 * The bot token, or an Effect that reads it (re-read after a `100099`).
 *
 * @since 1.0.0
 * @category models
 */
export type TokenSource =
  | Redacted.Redacted<string>
  | Effect.Effect<Redacted.Redacted<string>, AuthError.CredentialsMissing | AuthError.ConfigurationError>

/**
 * @since 1.0.0
 * @category models
 */
export interface Service {
  /** Queues `frame` and succeeds once it is written on an authenticated socket. */
  readonly send: (frame: OutboundFrame) => Effect.Effect<void, SendError>
  /**
   * Every frame received after authentication, decoded from JSON, from the
   * moment the stream is run; each run has its own buffer, bounded by
   * `inboundCapacity` and `inboundMaxBytes` (frames beyond it are dropped for
   * that run and counted in `inboundDropped`).
   */
  readonly inbound: Stream.Stream<InboundFrame>
  /** Inbound frames dropped so far for subscribers whose buffer was full. */
  readonly inboundDropped: Effect.Effect<number>
  /** Connecting, connected (with the session), reconnecting, or failed for good. */
  readonly state: SubscriptionRef.SubscriptionRef<State>
}

/**
 * @since 1.0.0
 * @category tags
 */
export class NandboxConnection extends Context.Service<NandboxConnection, Service>()(
  "@authfx/nandbox/NandboxConnection"
) {}

/**
 * @since 1.0.0
 * @category models
 */
export interface Options {
  /** Default `wss://w1.nandbox.net:5020/nandbox/api/`. */
  readonly url?: string | undefined
  /** The bot token `<bot id>:0:<secret>`, or an Effect re-read after a `100099`. */
  readonly token: TokenSource
  /** Default 10 s. */
  readonly openTimeout?: Duration.Input | undefined
  /** How long to wait for `TOKEN_AUTH_OK` (default 10 s). */
  readonly authTimeout?: Duration.Input | undefined
  /** Idle time before a `PING` (default 30 s). */
  readonly pingAfter?: Duration.Input | undefined
  /** Delays between failed reconnections (default exponential from 200 ms, jittered, at most 30 s). */
  readonly reconnect?: Schedule.Schedule<unknown, unknown> | undefined
  /** A connection up this long reconnects at once when it closes (default 5 s). */
  readonly stableAfter?: Duration.Input | undefined
  /** Frames waiting for a connection, at most (default 1,000). */
  readonly queueCapacity?: number | undefined
  /** Inbound frames buffered for each subscriber that has not read them yet, at most (default 1,000). */
  readonly inboundCapacity?: number | undefined
  /**
   * Inbound bytes buffered for each subscriber, at most (default 4 MiB), counted as the frames' text length.
   */
  readonly inboundMaxBytes?: number | undefined
  /**
   * The largest inbound frame accepted, in UTF-8 bytes (default 1 MiB). A larger frame is not parsed: the socket is
   * closed (code 1009), nothing more is read from it, and the connection reconnects; the `ProtocolError` (reason
   * `TooLarge`) fails the authentication it interrupted, or shows as the `cause` of the `Reconnecting` state.
   */
  readonly maxFrameSize?: number | undefined
  /**
   * One connection for the whole fleet: the `Coordination` whose owner lease
   * decides which replica connects (default: the one in the context, if any);
   * `false` to always connect. A replica that does not own the lease is in
   * `Standby`: it never connects or authenticates, and its `send` fails at
   * once with `NandboxSendError` `NotOwner`. When the owner dies, a standby
   * takes over within the lease.
   */
  readonly coordination?: Coordination.Service | false | undefined
  /** The owner lease (default 5 s), renewed every third of it while connected. */
  readonly ownerLease?: Duration.Input | undefined
  /** The account's key in a keyed service, added to the owner lease's key (the bot id always is). */
  readonly account?: string | undefined
  /**
   * How errors name `url` and `token`: the options by default; `layerConfig` sets the variables it read them from
   * (`NANDBOX_URL`, `NANDBOX_TOKEN`), so that a message names a variable only when the value came from it.
   *
   * @since 1.0.0
   */
  readonly configKeys?: { readonly url?: string | undefined; readonly token?: string | undefined } | undefined
}

/**
 * The connection and its `Authenticated<Nandbox>`, connecting at once.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<
  { readonly auth: Authenticated.Authenticated<Nandbox>; readonly connection: Service },
  AuthError.ConfigurationError,
  Socket.WebSocketConstructor | Scope.Scope
> => internal.make(options)

/**
 * Provides `NandboxConnection` and `NandboxAuth`. The application provides the
 * `WebSocketConstructor` (e.g. `NodeSocket.layerWebSocketConstructor`).
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<NandboxConnection | NandboxAuth, AuthError.ConfigurationError, Socket.WebSocketConstructor> =>
  Layer.effectContext(
    Effect.map(
      make(options),
      ({ auth, connection }) => Context.make(NandboxConnection, connection).pipe(Context.add(NandboxAuth, auth))
    )
  )

/**
 * From `NANDBOX_TOKEN` (re-read after a `100099`) and `NANDBOX_URL` (default
 * `wss://w1.nandbox.net:5020/nandbox/api/`).
 *
 * @since 1.0.0
 * @category layers
 */
export const layerConfig = (
  extra: Omit<Options, "url" | "token" | "configKeys"> = {},
  config: {
    readonly url?: Config.Config<Option.Option<string>> | undefined
    readonly token?: Config.Config<Redacted.Redacted<string>> | undefined
  } = {}
): Layer.Layer<NandboxConnection | NandboxAuth, AuthError.ConfigurationError, Socket.WebSocketConstructor> =>
  Layer.unwrap(
    Effect.gen(function*() {
      // A setting read from its variable is named by it in errors; one the application gave as a Config is not.
      const configKeys = {
        url: config.url === undefined ? "NANDBOX_URL" : "url",
        token: config.token === undefined ? "NANDBOX_TOKEN" : "token"
      }
      const url = yield* (config.url ?? Config.option(Config.String("NANDBOX_URL"))).pipe(
        Effect.orElseSucceed(() => Option.none<string>())
      )
      const token = Effect.mapError(
        config.token ?? Config.Redacted("NANDBOX_TOKEN"),
        () =>
          new AuthError.CredentialsMissing({
            provider: internal.provider,
            reason: "NotConfigured",
            description: `${configKeys.token} is not set`
          })
      )
      return layer({ ...extra, url: Option.getOrUndefined(url), token, configKeys })
    })
  )

/**
 * Many bots in one process: a `NandboxConnection` per bot, connected on first use; an evicted or idle
 * bot's socket is closed (see `Keyed` for `capacity` and `idleTimeToLive`).
 *
 * @since 1.0.0
 * @category constructors
 */
export const keyed = <E = never, R = never>(options: Keyed.AccountsOptions<Options, E, R>) =>
  Keyed.make({
    lookup: (bot: string) => Effect.flatMap(options.config(bot), (config) => make(config)),
    capacity: options.capacity,
    idleTimeToLive: options.idleTimeToLive
  })
