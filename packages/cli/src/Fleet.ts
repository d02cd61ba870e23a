/**
 * `authfx fleet`: four replicas of an application sharing one Nabi session
 * through a real Redis (`@authfx/redis`), against the Nabi fake with
 * single-use refresh tokens — the case where replicas that renew on their own
 * spend each other's tokens. The command starts its own `redis-server` on a
 * private unix socket and stops it at the end; without `redis-server` it says
 * how to get it. `authfx demo` does not need it.
 *
 * @since 0.1.0
 */
import * as Coordination from "@authfx/core/Coordination"
import * as NabiAuth from "@authfx/nabi/NabiAuth"
import * as TonSigner from "@authfx/nabi/TonSigner"
import * as RedisCoordination from "@authfx/redis/RedisCoordination"
import { NabiFake } from "@authfx/testkit"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as RedisServer from "./internal/redisServer.js"

/**
 * What the fleet demo saw at the fake.
 *
 * @since 0.1.0
 * @category models
 */
export interface FleetResult {
  readonly replicas: number
  readonly logins: number
  readonly refreshes: number
  readonly refused: number
  /** Whether every replica ended on the same session. */
  readonly shared: boolean
}

/**
 * The fleet demo could not run or did not share one session.
 *
 * @since 0.1.0
 * @category errors
 */
export class FleetFailed extends Data.TaggedError("FleetFailed")<{ readonly reason: string }> {}

/**
 * How to get `redis-server`, printed when it is missing.
 *
 * @since 0.1.0
 * @category demo
 */
export const howToGetRedis = [
  "authfx fleet needs redis-server on the PATH (it starts its own, on a private socket, and stops it after):",
  "  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends redis-server",
  "  macOS:          brew install redis",
  "  Fedora:         sudo dnf install redis",
  "`authfx demo` needs nothing but Node."
].join("\n")

const REPLICAS = 4

/** Commands Redis refused for the credentials during the run. */
const refused = Metric.tagged(Metric.tagged(Coordination.errors, "provider", "nabi"), "reason", "Authentication")

const sleep = (millis: number) => Effect.sleep(`${millis} millis`)

/**
 * Runs the fleet demo: starts `redis-server` and the Nabi fake, four
 * replicas log in once together and renew once together.
 *
 * @since 0.1.0
 * @category demo
 */
export const run: Effect.Effect<FleetResult, FleetFailed> = Effect.scoped(Effect.gen(function*() {
  if (!RedisServer.available()) {
    yield* Console.log(howToGetRedis)
    return yield* new FleetFailed({ reason: "redis-server is not installed" })
  }
  const server = yield* Effect.mapError(RedisServer.start, (e) => new FleetFailed({ reason: e.description }))
  yield* Console.log(`redis-server started (pid ${server.pid}) on ${server.url}`)
  // Checked as the replicas will use it: a refused password or ACL is said as such, not as "not reachable".
  yield* RedisCoordination.check({ url: server.url }).pipe(
    Effect.mapError((e) =>
      new FleetFailed({
        reason: e.reason === "Authentication"
          ? `Redis refused the credentials (Authentication)${e.description ? `: ${e.description}` : ""}`
          : `Redis is not reachable (${e.reason})${e.description ? `: ${e.description}` : ""}`
      })
    )
  )
  const refusedBefore = yield* Metric.value(refused)
  const fake = yield* NabiFake.make({ singleUseRefreshToken: true, accessLifetimeSeconds: 4 })
  yield* Console.log(`Nabi fake on ${fake.url}: 4-second access tokens, single-use rotating refresh tokens\n`)
  const signer = TonSigner.layerFromMnemonic({
    mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic),
    address: NabiFake.demoAccount.address
  })
  const replicas = yield* Effect.forEach(Array.from({ length: REPLICAS }, (_, i) => i + 1), () =>
    Layer.build(
      NabiAuth.layer({ url: fake.url }).pipe(
        Layer.provide(Layer.mergeAll(NodeHttpClient.layerUndici, signer)),
        // Each replica its own Redis connections, as separate processes would have.
        Layer.provide(RedisCoordination.layer({ url: server.url, lease: "2 seconds", poll: "250 millis" }))
      )
    ).pipe(Effect.map((context) => Context.get(context, NabiAuth.NabiAuth))))
    .pipe(Effect.mapError((e) => new FleetFailed({ reason: e.message })))

  const round = (label: string) =>
    Effect.gen(function*() {
      const sessions = yield* Effect.forEach(replicas, (auth) => auth.session, { concurrency: "unbounded" }).pipe(
        Effect.mapError((e) => new FleetFailed({ reason: e.message }))
      )
      const first = Redacted.value(sessions[0]!.accessToken)
      yield* Console.log(
        `${label}: the fake counted ${fake.counters.logins} login(s), ${fake.counters.refreshes} refresh(es), ${fake.counters.refusedRefreshes} refused`
      )
      for (const [i, s] of sessions.entries()) {
        const same = Redacted.value(s.accessToken) === first
        yield* Console.log(
          `  replica ${i + 1}: ${same ? "the same session as replica 1" : "ANOTHER session"}, expires in ${
            Math.max(0, Math.round((s.accessExpiresAt - Date.now()) / 100) / 10)
          } s`
        )
      }
      return sessions.every((s) => Redacted.value(s.accessToken) === first)
    })

  yield* Console.log(`${REPLICAS} replicas ask for a session at once (one logs in, the others adopt its session):`)
  yield* round("after the first requests")
  yield* Console.log("\nwaiting for the proactive renewal (each replica's timer fires when the session is due)…")
  const deadline = Date.now() + 8_000
  while (fake.counters.refreshes < 1 && Date.now() < deadline) yield* sleep(50)
  // The other replicas' timers fire within the ±5% jitter: they find the new generation and adopt it.
  yield* sleep(1_000)
  const shared = yield* round("after the renewal")
  if ((yield* Metric.value(refused)).count > refusedBefore.count) {
    yield* Console.log(
      "Redis refused the credentials (Authentication) during the run: the replicas renewed on their own"
    )
  }
  const result: FleetResult = {
    replicas: REPLICAS,
    logins: fake.counters.logins,
    refreshes: fake.counters.refreshes,
    refused: fake.counters.refusedRefreshes,
    shared
  }
  yield* Console.log(
    `\n${REPLICAS} replicas, ${result.logins} login, ${result.refreshes} refresh, ${result.refused} refused: ${
      shared && result.logins === 1 && result.refused === 0 ? "one session for the whole fleet" : "NOT shared"
    }`
  )
  yield* Console.log(`stopping redis-server (pid ${server.pid})`)
  return result
}))

/**
 * `authfx fleet`: the run, with its verdict as the exit code.
 *
 * @since 0.1.0
 * @category commands
 */
export const main = Effect.gen(function*() {
  yield* Console.log("authfx fleet — 4 replicas, one Nabi session, through a real Redis\n")
  const result = yield* run
  if (!result.shared || result.logins !== 1 || result.refused !== 0) {
    return yield* new FleetFailed({ reason: "the replicas did not share one session" })
  }
}).pipe(
  // A "no" is explained on stdout already: the exit code says it to scripts.
  Effect.catchTag(
    "FleetFailed",
    (e) => Effect.zipRight(Console.log(`authfx fleet: ${e.reason}`), Effect.sync(() => void (process.exitCode = 1)))
  )
)
