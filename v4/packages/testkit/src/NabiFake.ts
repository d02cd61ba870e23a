/**
 * A loopback Nabi Protocol GraphQL API, written from Nabi's documentation:
 * `generateNonce` (single-use nonces valid 5 minutes), `getToken` (the nonce
 * signed by the wallet's key, checked against the public key registered for the
 * raw address), `refreshToken`, and authenticated profile operations that answer
 * HTTP 401 for an expired access token and HTTP 400 for a profile the address
 * does not own. It runs a real GraphQL executor (graphql-js).
 *
 * Undocumented behaviour is switchable:
 * - what `signedMessage` is (`signatureMode`): a raw Ed25519 signature over the
 *   nonce (hex or base64, `signatureEncoding`), a TON Connect `ton_proof` whose
 *   payload is the nonce, or a TON Connect `signData` of the nonce as text — the
 *   last two checked as TON Connect's reference verifier checks them;
 * - whether `getToken`'s input has an `address` field (`getTokenInput`): the
 *   document lists it, its example omits it;
 * - how a request the schema refuses is answered (`validationErrors`): 200 with
 *   `errors` (graphql-js) or 400 with `GRAPHQL_VALIDATION_FAILED` (Apollo);
 * - whether `refreshToken` also rotates the refresh token, and whether the
 *   token operations are served as queries, mutations or both.
 *
 * The fake itself is `@authfx/fakes`' `Nabi` (on `node:http`, shared with the
 * v3 testkit, so both lines meet the same fake); this module runs it for the
 * life of a scope, with the `FakeServer.Cors` setting in effect.
 *
 * @since 1.0.0
 */
import * as Nabi from "@authfx/fakes/Nabi"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { scoped } from "./internal/server.js"

/**
 * A test wallet for demos and tests: never use it for anything else.
 *
 * @since 1.0.0
 * @category constants
 */
export const demoAccount: typeof Nabi.demoAccount = Nabi.demoAccount

/**
 * An account of the fake: a raw address (`0:<64 hex>`) and its public key.
 *
 * @since 1.0.0
 * @category models
 */
export interface Account extends Nabi.Account {}

/**
 * Accounts, profiles, lifetimes, and the switches where the documentation is silent (`signatureMode`,
 * `signatureEncoding`, `getTokenInput`, `validationErrors`, `rotateRefreshToken`, `singleUseRefreshToken`).
 *
 * @since 1.0.0
 * @category models
 */
export interface Options extends Nabi.Options {}

/**
 * Requests, nonces, logins, refreshes and the refusals the fake counted.
 *
 * @since 1.0.0
 * @category models
 */
export interface Counters extends Nabi.Counters {}

/**
 * The running fake: its URL, counters, controls and fault controls.
 *
 * @since 1.0.0
 * @category models
 */
export interface NabiFake extends Nabi.NabiFake {}

/**
 * Starts the fake for the life of the scope.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<NabiFake, never, Scope.Scope> =>
  scoped((cors) => Nabi.start(options, { cors }))
