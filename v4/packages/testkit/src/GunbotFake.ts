/**
 * A loopback Gunbot REST API, written from Gunbot's documentation and its
 * official OpenAPI file: `POST /api/v1/auth/login` with the AES-encrypted
 * password, HS256 JWTs with `exp`/`iat`, `GET /api/v1/auth/status`, a few
 * protected routes, and `ErrorResponse` bodies.
 *
 * Undocumented behaviour is switchable: the status of a wrong password
 * (`wrongPasswordStatus`: 401, 400, or 200 with `"status":"error"`), whether
 * tokens carry `exp`, what an unknown route answers (`unknownRoute`) and
 * whether an order outside `data` is accepted (`acceptTopLevelOrder`).
 *
 * Sources: the OpenAPI specification `openapi.yaml` of GuntharDeNiro/gunbot-sdk-js
 * 0.1.4 (paths, BalanceItem, TradeLimitOrderRequest, ErrorResponse, the
 * BadRequest/Unauthorized examples) and gunbot.com/support/docs/rest-api
 * (api-auth, api-balances-assets-pairs, api-trading-orders).
 *
 * The fake itself is `@authfx/fakes`' `Gunbot` (on `node:http`, shared with
 * the v3 testkit, so both lines meet the same fake); this module runs it for
 * the life of a scope, with the `FakeServer.Cors` setting in effect.
 *
 * @since 1.0.0
 */
import * as Gunbot from "@authfx/fakes/Gunbot"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { scoped } from "./internal/server.js"

/**
 * The password, the wallet, token lifetimes, the balances, and the switches for undocumented behaviour.
 *
 * @since 1.0.0
 * @category models
 */
export interface Options extends Gunbot.Options {}

/**
 * A row of the balances answer, with Gunbot's keys.
 *
 * @since 1.0.0
 * @category models
 */
export interface Balance extends Gunbot.Balance {}

/**
 * An order the fake accepted.
 *
 * @since 1.0.0
 * @category models
 */
export interface Order extends Gunbot.Order {}

/**
 * Requests, logins (and failed ones), 401 answers, accepted protected requests, unknown routes.
 *
 * @since 1.0.0
 * @category models
 */
export interface Counters extends Gunbot.Counters {}

/**
 * The running fake: its URL, credentials, counters, controls and fault controls.
 *
 * @since 1.0.0
 * @category models
 */
export interface GunbotFake extends Gunbot.GunbotFake {}

/**
 * The fake's own encryption, from the Gunbot docs' Node.js helper.
 *
 * @since 1.0.0
 * @category encryption
 */
export const encryptPassword: (password: string, wallet: string) => string = Gunbot.encryptPassword

/**
 * Starts the fake for the life of the scope.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<GunbotFake, never, Scope.Scope> =>
  scoped((cors) => Gunbot.start(options, { cors }))
