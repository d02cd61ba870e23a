import { NabiClient } from "@authfx/nabi"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

// Reads NABI_URL, NABI_MNEMONIC, NABI_ADDRESS and NABI_SIGNATURE_ENCODING; derives the key once.
const NabiLive = NabiClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))

const Rename = Schema.Struct({ updateProfile: Schema.Struct({ id: Schema.String, name: Schema.String }) })

export const rename = (id: string, name: string) =>
  Effect.gen(function*() {
    const nabi = yield* NabiClient.NabiClient
    const result = yield* nabi.query(
      "mutation Rename($request: UpdateProfileInput!) { updateProfile(request: $request) { id name } }",
      { request: { id, name } },
      Rename
    )
    return `renamed ${result.updateProfile.id} to ${result.updateProfile.name}`
  }).pipe(
    // The wallet does not own that profile: no retry can fix it, and the session stays valid.
    Effect.catchTag("ProfileMismatch", (error) => Effect.succeed(`${error.address} does not own ${error.profile}`)),
    Effect.provide(NabiLive)
  )
