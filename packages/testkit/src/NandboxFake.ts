/**
 * A loopback nandbox Bot API WebSocket server at `/nandbox/api/`, written from
 * nandbox's documentation and what the official SDKs send: JSON text frames
 * only, `TOKEN_AUTH` first (`rem` as a boolean or the string the docs show),
 * `TOKEN_AUTH_OK` or `{"method":"error","code":"100099"}`, `PING` tolerated
 * without a reply, a regenerated token killing live sessions.
 *
 * Undocumented behaviour is switchable: whether the server closes the socket right after a `100099`
 * (`closeOnReject`), and what it does with a first frame that is not `TOKEN_AUTH` (`beforeAuth`).
 *
 * The fake itself is `@authfx/fakes`' `Nandbox` (`ws`'s `WebSocketServer` behind a `node:http` server, with the
 * sources each rule cites), shared by both Effect lines' testkits; this module runs it for the life of a scope.
 *
 * @since 0.1.0
 */
import * as Nandbox from "@authfx/fakes/Nandbox"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { scoped } from "./internal/scoped.js"

/**
 * The bot id and name, and the switches where the documentation is silent (`idAsNumber`, `closeOnReject`,
 * `beforeAuth`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Nandbox.Options {}

/**
 * Connections (accepted, refused), authentications, `100099` answers, pings, frames, frames before `TOKEN_AUTH`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Counters extends Nandbox.Counters {}

/**
 * One WebSocket connection as the fake saw it: its frames, whether it is authenticated, its close code.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectionRecord extends Nandbox.ConnectionRecord {}

/**
 * The running fake: its URL, bot id, token, counters, connections and controls (drops, refusals, delays, odd frames).
 *
 * @since 0.1.0
 * @category models
 */
export interface NandboxFake extends Nandbox.NandboxFake {}

/**
 * Starts the fake for the life of the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<NandboxFake, never, Scope.Scope> =>
  scoped(() => Nandbox.start(options))
