// Runs unchanged under Node, Bun and Deno from the packed tarballs: the runtime's own fetch, the
// configuration from its environment (the testkit fake runs in another process, under Node).
import { NabiAuth, NabiClient } from "@authfx/nabi"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { envWith, main } from "./main.js"

const Profiles = Schema.Struct({ myProfiles: Schema.Array(Schema.Struct({ id: Schema.String, name: Schema.String })) })
const Updated = Schema.Struct({ updateProfile: Schema.Struct({ id: Schema.String }) })

main(
  Effect.gen(function*() {
    const session = yield* Effect.flatMap(NabiAuth.NabiAuth, (auth) => auth.session)
    console.log(`authenticated: wallet ${session.address}`)
    const nabi = yield* NabiClient.NabiClient
    const { myProfiles } = yield* nabi.query("query { myProfiles { id name } }", undefined, Profiles)
    console.log(`call: profiles ${myProfiles.map((p) => p.id).join(",")}`)
    // A profile of another wallet: Nabi answers 400, a typed ProfileMismatch.
    return yield* nabi.query(
      "mutation Rename($id: ID!) { updateProfile(request: { id: $id, name: \"mine now\" }) { id } }",
      { id: "p-other" },
      Updated
    ).pipe(
      Effect.as("none"),
      Effect.catchTag(
        "ProfileMismatch",
        (error) => Effect.succeed(`ProfileMismatch (${error.reason} ${error.profile})`)
      )
    )
  }).pipe(
    Effect.provide(
      NabiClient.layerConfig({ retry: false }).pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(envWith({}))
      )
    )
  )
)
