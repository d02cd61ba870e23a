/**
 * `NandboxAuth`: the authenticated nandbox WebSocket as an
 * `Authenticated<Nandbox>`. Its session is the connection that `TOKEN_AUTH_OK`
 * accepted: bot id, name, reference, date, and a generation that changes on
 * every re-authentication. Provided with `NandboxConnection.layer`.
 *
 * @since 1.0.0
 */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as Context from "effect/Context"
import type { Nandbox } from "./Nandbox.js"

/**
 * @since 1.0.0
 * @category tags
 */
export class NandboxAuth extends Context.Service<NandboxAuth, Authenticated.Authenticated<Nandbox>>()(
  "@authfx/nandbox/NandboxAuth"
) {}
