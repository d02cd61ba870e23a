/**
 * `TeraboxAuth`: the Terabox browser session as an `Authenticated<Terabox>`.
 *
 * The `ndus` cookie is the credential and cannot be renewed by the API; the
 * jsToken and bdstoken are read from the homepage with it (or taken from
 * configuration), re-read when the API says "need verify", and the session
 * follows region moves. Provided with `TeraboxClient.layer`.
 *
 * @since 1.0.0
 */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as Context from "effect/Context"
import type { Terabox } from "./Terabox.js"

/**
 * @since 1.0.0
 * @category tags
 */
export class TeraboxAuth extends Context.Service<TeraboxAuth, Authenticated.Authenticated<Terabox>>()(
  "@authfx/terabox/TeraboxAuth"
) {}
