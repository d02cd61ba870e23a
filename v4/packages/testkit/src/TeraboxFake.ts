/**
 * A loopback Terabox web API, written from what the maintained open-source
 * clients (alist and OpenList `drivers/terabox/util.go`, seiya's terabox-api
 * `TeraBoxApp`, rclone's backend) send and expect of the real site: the
 * `ndus` cookie; a homepage (`/main` as seiya reads it, `/` as alist and
 * OpenList read it) that embeds the jsToken as the real page does — fully
 * percent-encoded `fn%28%22<token>%22%29` inside
 * ``eval(decodeURIComponent(`…`))`` and inside `templateData.jsToken`, the
 * latter on one line or pretty-printed; a redirect to `/login` for a dead
 * cookie; errno answers with HTTP 200; region moves through a
 * `region-domain-prefix` or `url-domain-prefix` header and through a homepage
 * redirect to the region's host; folders listed page by page (`page`, `num`,
 * an empty page past the end) by `GET` or by `POST` with a form body.
 *
 * One server cannot serve several hostnames, so a region is a second server
 * sharing the same state: `regionOrigins` maps each prefix to its origin
 * (all on 127.0.0.1: clients configure `allowedDomains: ["127.0.0.1"]`).
 * Each rule the fake enforces says where it comes from; what is unknown about
 * the real site is switchable: bdstoken enforcement on writes, the errno of a
 * stale jsToken, which routes need the jsToken, what a `num` above 1000 gets,
 * whether the common query is required, the region header's name, the login
 * redirect's form, where the page carries the token.
 *
 * The fake itself is `@authfx/fakes`' `Terabox` (on `node:http`, shared with
 * the v3 testkit, so both lines meet the same fake); this module runs it for
 * the life of a scope, with the `FakeServer.Cors` setting in effect on both of
 * its servers.
 *
 * @since 1.0.0
 */
import * as Terabox from "@authfx/fakes/Terabox"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { scoped } from "./internal/server.js"

/**
 * The switches for what is unknown about the real site (bdstoken enforcement, the stale-jsToken errno, the routes
 * that need the jsToken, `num` above 1000, the page's layout, the region header, the login redirect, the common
 * query).
 *
 * @since 1.0.0
 * @category models
 */
export interface Options extends Terabox.Options {}

/**
 * The API routes of the fake.
 *
 * @since 1.0.0
 * @category models
 */
export type ApiRoute = Terabox.ApiRoute

/**
 * An API request as the fake received it, to check what a client sends where.
 *
 * @since 1.0.0
 * @category models
 */
export interface ApiRequest extends Terabox.ApiRequest {}

/**
 * Requests, page loads, stale-jsToken and not-logged-in answers, region moves, writes, list pages.
 *
 * @since 1.0.0
 * @category models
 */
export interface Counters extends Terabox.Counters {}

/**
 * A file or folder of the fake.
 *
 * @since 1.0.0
 * @category models
 */
export interface File extends Terabox.File {}

/**
 * The running fake: its origins, credentials, counters, controls and fault controls.
 *
 * @since 1.0.0
 * @category models
 */
export interface TeraboxFake extends Terabox.TeraboxFake {}

/**
 * Starts the fake (and one region, `dm`) for the life of the scope.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<TeraboxFake, never, Scope.Scope> =>
  scoped((cors) => Terabox.start(options, { cors }))
