// Runs unchanged under Node, Bun and Deno from the packed tarballs: the runtime's own fetch, the
// configuration from its environment (the testkit fake runs in another process, under Node).
import { TeraboxAuth, TeraboxClient } from "@authfx/terabox"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { envWith, main } from "./main.js"

const client = (overrides: Readonly<Record<string, string>>) =>
  TeraboxClient.layerConfig({ retry: false }).pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(envWith(overrides))
  )

main(
  Effect.gen(function*() {
    const session = yield* Effect.flatMap(TeraboxAuth.TeraboxAuth, (auth) => auth.session)
    console.log(`authenticated: account ${session.uk}`)
    const info = yield* Effect.flatMap(TeraboxClient.TeraboxClient, (terabox) => terabox.userInfo)
    console.log(`call: user ${info.uname}`)
    return yield* Effect.flatMap(TeraboxClient.TeraboxClient, (terabox) => terabox.userInfo).pipe(
      Effect.provide(client({ TERABOX_NDUS: "Y2YqaCTe-a-cookie-nobody-issued" })),
      Effect.as("none"),
      Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
    )
  }).pipe(Effect.provide(client({})))
)
