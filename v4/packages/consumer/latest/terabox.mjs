// Issue 29's line for Terabox: in an empty folder, `npm install @authfx/terabox @authfx/testkit effect@4`, then
// plain JavaScript under Node 22: the v3 line's names (TeraboxClient.layer, userInfo) authenticate with the ndus
// cookie and the homepage's jsToken against the testkit's Terabox fake over a loopback socket, with effect 4's fetch
// client.
import { TeraboxClient } from "@authfx/terabox"
import { TeraboxFake } from "@authfx/testkit"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const program = Effect.scoped(Effect.gen(function*() {
  const fake = yield* TeraboxFake.make({ uname: "alice" })
  const env = fake.env()
  const TeraboxLive = TeraboxClient.layer({ url: env.TERABOX_URL, ndus: Redacted.make(env.TERABOX_NDUS) }).pipe(
    Layer.provide(FetchHttpClient.layer)
  )
  const info = yield* Effect.flatMap(TeraboxClient.TeraboxClient, (terabox) => terabox.userInfo).pipe(
    Effect.provide(TeraboxLive)
  )
  return `authenticated: ${info.uname}; homepage loads ${fake.counters.pages}, requests ${fake.counters.requests}`
}))

Effect.runPromise(program).then((line) => {
  console.log(line)
  process.exit(0)
}, (error) => {
  console.error(error)
  process.exit(1)
})
