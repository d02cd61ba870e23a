/**
 * A loopback WhatsGate API, written from WhatsGate's documentation: the
 * `Access-Token` header, its two 403 answers, the documented endpoints and
 * their bodies, validation errors, rate limiting.
 *
 * Where the documentation is silent, the fake makes the behaviour switchable:
 * the status of a `success:false` answer (`businessErrorStatus`, 400 or 200)
 * and what a POST whose body is not declared `application/json` meets
 * (`contentTypeCheck`).
 *
 * The fake itself is `@authfx/fakes`' `WhatsGate` (on `node:http`, shared with
 * the v3 testkit, so both lines meet the same fake); this module runs it for
 * the life of a scope, with the `FakeServer.Cors` setting in effect.
 *
 * @since 1.0.0
 */
import * as WhatsGate from "@authfx/fakes/WhatsGate"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { scoped } from "./internal/server.js"

/**
 * @since 1.0.0
 * @category models
 */
export type DeviceStatus = WhatsGate.DeviceStatus

/**
 * The token, the devices, and the switches where the documentation is silent (`businessErrorStatus`,
 * `contentTypeCheck`).
 *
 * @since 1.0.0
 * @category models
 */
export interface Options extends WhatsGate.Options {}

/**
 * Requests, 403 answers (`rejected`, `missing`), messages sent, tokens regenerated.
 *
 * @since 1.0.0
 * @category models
 */
export interface Counters extends WhatsGate.Counters {}

/**
 * The headers of a request as the fake saw them (lower-case names), without the token.
 *
 * @since 1.0.0
 * @category models
 */
export interface SeenRequest extends WhatsGate.SeenRequest {}

/**
 * The running fake: its URL, token, device, counters, controls and fault controls.
 *
 * @since 1.0.0
 * @category models
 */
export interface WhatsGateFake extends WhatsGate.WhatsGateFake {}

/**
 * Starts the fake for the life of the scope.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<WhatsGateFake, never, Scope.Scope> =>
  scoped((cors) => WhatsGate.start(options, { cors }))
