import { TeraboxClient } from "@authfx/terabox"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"

// Reads TERABOX_NDUS (a bare value or the whole Cookie header from DevTools) and TERABOX_URL;
// jsToken and bdstoken are read from the homepage unless TERABOX_JS_TOKEN / TERABOX_BDSTOKEN are set.
const TeraboxLive = TeraboxClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))

export const tidy = Effect.gen(function*() {
  const terabox = yield* TeraboxClient.TeraboxClient
  const { uname } = yield* terabox.userInfo
  const docs = yield* terabox.list("/docs")
  for (const entry of docs.filter((e) => e.name.endsWith(".txt"))) {
    yield* terabox.move(entry.path, "/archive")
  }
  return `${uname}: archived ${docs.filter((e) => e.name.endsWith(".txt")).length} text files`
}).pipe(
  Effect.provide(TeraboxLive),
  // The ndus cookie died: no API call can renew it, the message says what to do.
  Effect.catchTag("CredentialsRejected", (error) => Effect.fail(error.message)),
  // Terabox refused an operation: its errno, as a typed reason.
  Effect.catchTag("TeraboxApiError", (error) => Effect.succeed(`not done: ${error.reason}`))
)
