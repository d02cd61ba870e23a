import { TeraboxClient } from "@authfx/terabox"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

const TeraboxLive = TeraboxClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))

// Every file of a folder, however many pages it takes, with one page in memory at a time.
export const usage = (dir: string) =>
  Effect.gen(function*() {
    const terabox = yield* TeraboxClient.TeraboxClient
    return yield* terabox.listStream(dir, { pageSize: 1000 }).pipe(
      Stream.filter((entry) => !entry.isDir),
      Stream.runFold(() => ({ files: 0, bytes: 0 }), (total, entry) => ({
        files: total.files + 1,
        bytes: total.bytes + entry.size
      }))
    )
  }).pipe(
    Effect.provide(TeraboxLive),
    // A listing that cannot finish (a page that fails, a server repeating a page, the bounds) is an error,
    // never a short total.
    Effect.catchTag("ProtocolError", (error) => Effect.fail(error.message))
  )
