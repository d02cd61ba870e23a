// A user's program, compiled and run outside the workspace from the packed tarballs.
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { NandboxFake } from "@authfx/testkit"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const fromEnv = (env: Readonly<Record<string, string>>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const connection = (env: Readonly<Record<string, string>>) =>
  NandboxConnection.layerConfig().pipe(
    Layer.provide(NodeSocket.layerWebSocketConstructor),
    Layer.provide(fromEnv(env))
  )

const program = Effect.gen(function*() {
  const fake = yield* NandboxFake.make()
  const env = fake.env()
  const session = yield* Effect.flatMap(NandboxAuth.NandboxAuth, (auth) => auth.session).pipe(
    Effect.provide(connection(env)),
    Effect.scoped
  )
  console.log(`authenticated: bot ${session.name}`)
  fake.regenerateToken()
  const refused = yield* Effect.flatMap(NandboxAuth.NandboxAuth, (auth) => auth.session).pipe(
    Effect.provide(connection(env)),
    Effect.scoped,
    Effect.as("no error"),
    Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
  )
  console.log(`typed error: ${refused}`)
  if (refused === "no error") process.exitCode = 1
})

Effect.runPromise(Effect.scoped(program)).then(() => process.exit(), (error) => {
  console.error(error)
  process.exit(1)
})
