// A user's program, compiled and run outside the workspace from the packed tarballs.
import { WhatsGateFake } from "@authfx/testkit"
import { WhatsGateClient } from "@authfx/whatsgate"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const fromEnv = (env: Readonly<Record<string, string>>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const client = (env: Readonly<Record<string, string>>) =>
  WhatsGateClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.provide(fromEnv(env)))

const program = Effect.gen(function*() {
  const fake = yield* WhatsGateFake.make()
  const env = fake.env()
  const status = yield* Effect.flatMap(WhatsGateClient.WhatsGateClient, (whatsgate) => whatsgate.status(fake.device))
    .pipe(Effect.provide(client(env)))
  console.log(`authenticated: device ${fake.device} is ${status}`)
  fake.regenerateToken()
  const refused = yield* Effect.flatMap(WhatsGateClient.WhatsGateClient, (whatsgate) => whatsgate.status(fake.device))
    .pipe(
      Effect.provide(client(env)),
      Effect.as("no error"),
      Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
    )
  console.log(`typed error: ${refused}`)
  if (refused === "no error") process.exitCode = 1
})

Effect.runPromise(Effect.scoped(program)).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
