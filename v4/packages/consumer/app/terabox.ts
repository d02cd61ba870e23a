// Terabox from the packed tarballs: the ndus cookie and the homepage's jsToken, a call, then a cookie nobody issued
// as a typed CredentialsRejected. The README examples are examples/{files,listing}.ts of @authfx/terabox.
import { TeraboxAuth, TeraboxClient } from "@authfx/terabox"
import { TeraboxFake } from "@authfx/testkit"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { envWith, type Program } from "./main.js"
import { tidy } from "./readme/terabox/files.js"
import { usage } from "./readme/terabox/listing.js"

const client = (overrides: Readonly<Record<string, string>> = {}) =>
  TeraboxClient.layerConfig({ retry: false }).pipe(Layer.provide(envWith(overrides)))

/** `/big` holds 1,005 files (`file-00001.bin`… of 1,024 + i bytes): more than one page of the listing. */
export const fake: Program["fake"] = Effect.map(TeraboxFake.make({ uname: "alice" }), (fake) => {
  fake.addFiles("/big", 1005)
  return fake.env()
})

export const program: Program["program"] = Effect.gen(function*() {
  const session = yield* Effect.flatMap(TeraboxAuth.TeraboxAuth, (auth) => auth.session)
  console.log(`authenticated: account ${session.uk}`)
  const info = yield* Effect.flatMap(TeraboxClient.TeraboxClient, (terabox) => terabox.userInfo)
  console.log(`call: user ${info.uname}`)
  // A second client whose environment holds a cookie Terabox never issued: refused, typed, not retried.
  return yield* Effect.flatMap(TeraboxClient.TeraboxClient, (other) => other.userInfo).pipe(
    Effect.provide(client({ TERABOX_NDUS: "Y2YqaCTe-a-cookie-nobody-issued" })),
    Effect.as("none"),
    Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
  )
}).pipe(Effect.provide(client()))

export const readme: Program["readme"] = Effect.gen(function*() {
  const tidied = yield* tidy
  const { bytes, files } = yield* usage("/big")
  return [tidied, `usage /big: ${files} files, ${bytes} bytes`]
})
