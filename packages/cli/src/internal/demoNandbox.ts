import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { NandboxFake } from "@authfx/testkit"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Story from "./story.js"

const provider = "nandbox"
const summary = "an authenticated WebSocket that heals itself; the token lives in a secret store"
const words: Story.Words = {
  acquired: "authenticated on connect",
  refreshed: "re-authenticated on a new socket",
  acquiredCount: ["connect", "connects"],
  refreshedCount: ["re-auth on a new socket", "re-auths on a new socket"]
}

/** Polls `condition` every 5 ms for at most 2 s; says whether it came true. */
const waitFor = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 400 && !condition(); i++) yield* Effect.sleep("5 millis")
    return condition()
  })

/**
 * nandbox against its fake: authentication on connect, an outage during which
 * frames are queued and then delivered in order, a regenerated token rotated in
 * the secret store (re-authentication), and an unrotated one (a typed failure,
 * no reconnection loop).
 */
export const demo: Effect.Effect<Story.Chapter> = Story.told(
  { provider, summary, words },
  Effect.gen(function*() {
    const fake = yield* NandboxFake.make({ botName: "authfx demo bot" })
    const secret = { value: fake.token() }
    const context = yield* Layer.build(
      NandboxConnection.layer({
        url: fake.url,
        token: Effect.sync(() => Redacted.make(secret.value)),
        reconnect: Schedule.exponential("50 millis").pipe(Schedule.jittered)
      }).pipe(Layer.provide(NodeSocket.layerWebSocketConstructor))
    )
    const nandbox = Context.get(context, NandboxConnection.NandboxConnection)
    const auth = Context.get(context, NandboxAuth.NandboxAuth)
    const story = yield* Story.make(auth, words)
    const state = () => Effect.runSync(SubscriptionRef.get(nandbox.state))
    const texts = () => fake.received().map((f) => f["text"])

    yield* story.scenario(
      "connect, authenticate with the token, send a frame",
      Effect.gen(function*() {
        const session = yield* auth.session
        yield* nandbox.send({ method: "sendMessage", text: "hello" })
        const delivered = yield* waitFor(() => fake.received().length === 1)
        return { ok: delivered, text: `authenticated as "${session.name}" (bot ${session.botId}); "hello" delivered` }
      })
    )

    yield* story.scenario(
      "outage: the server refuses connections while 3 frames are sent",
      Effect.gen(function*() {
        fake.refuseConnections(true)
        fake.dropConnections()
        yield* waitFor(() => state()._tag === "Reconnecting")
        const sends = yield* Effect.forEach(
          [1, 2, 3],
          (n) => Effect.fork(nandbox.send({ method: "sendMessage", text: `queued ${n}` }))
        )
        // Keep refusing until the connection has been refused at least once (bounded: waitFor gives up after 2 s).
        yield* waitFor(() => fake.counters.refused > 0)
        fake.refuseConnections(false)
        yield* Fiber.joinAll(sends)
        yield* waitFor(() => fake.received().length === 4)
        const inOrder = texts().join(",") === "hello,queued 1,queued 2,queued 3"
        return {
          ok: inOrder && fake.counters.refused > 0,
          text: `${fake.counters.refused} connection(s) refused, then delivered in order: ${texts().join(", ")}`
        }
      })
    )

    yield* story.scenario(
      "the token is regenerated and the new one put in the secret store",
      Effect.gen(function*() {
        secret.value = fake.regenerateToken()
        const connected = yield* waitFor(() => {
          const s = state()
          return s._tag === "Connected" && s.session.generation === 3
        })
        return {
          ok: connected,
          text: `re-authenticated with the new token (session #${(yield* auth.session).generation})`
        }
      })
    )

    yield* story.scenario(
      "the token is regenerated again, the store keeps the old one: typed failure, no reconnection loop",
      Effect.gen(function*() {
        fake.regenerateToken()
        yield* waitFor(() => state()._tag === "Failed")
        const connections = fake.counters.connections
        const outcome = yield* nandbox.send({ method: "sendMessage", text: "lost?" }).pipe(Effect.flip)
        yield* Effect.sleep("200 millis")
        const since = fake.counters.connections - connections
        return {
          ok: outcome._tag === "CredentialsRejected" && since === 0,
          text: `${Story.typed(outcome)}; ${since} reconnection attempts since`
        }
      }).pipe(
        Effect.catchAll(() => Effect.succeed({ ok: false, text: "a frame was sent with a dead token" }))
      )
    )

    return Story.chapter(story, {
      provider,
      summary,
      url: fake.url,
      words,
      requests: { count: fake.counters.frames, unit: "frames" },
      replays: false
    })
  })
)
