/**
 * A fleet at expiry: 8 replicas (separate engines, separate Redis connections)
 * share one Nabi session through `@authfx/redis` on a real `redis-server`
 * started for the run. Each round lets the session go stale and then sends
 * 1,000 concurrent callers to each replica; every caller's latency is
 * recorded. The Redis round trips of the round (each a Lua script or a
 * release, counted by the backends) are divided by the renewals the provider
 * served.
 */
import * as Coordination from "@authfx/core/Coordination"
import * as NabiAuth from "@authfx/nabi/NabiAuth"
import * as TonSigner from "@authfx/nabi/TonSigner"
import * as RedisCoordination from "@authfx/redis/RedisCoordination"
import { NabiFake } from "@authfx/testkit"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type * as Report from "./report.js"

export interface FleetFigures {
  readonly replicas: number
  readonly callers: number
  readonly rounds: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly failures: number
  /** Refreshes at the provider per round (must be 1). */
  readonly refreshesPerRound: number
  /** Redis round trips per fleet renewal (all replicas together). */
  readonly roundTripsPerRenewal: number
  /** The same, per replica. */
  readonly roundTripsPerReplica: number
}

const redisServer = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly stop: () => void } | undefined>((resume) => {
    if (spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status !== 0) {
      return resume(Effect.succeed(undefined))
    }
    const dir = mkdtempSync(join(tmpdir(), "authfx-bench-"))
    const socket = join(dir, "redis.sock")
    const child = spawn("redis-server", ["--port", "0", "--unixsocket", socket, "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "ignore"],
      cwd: dir
    })
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      rmSync(dir, { recursive: true, force: true })
    }
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      if (/ready to accept connections/i.test(output)) resume(Effect.succeed({ url: `unix://${socket}`, stop }))
    })
    child.once("error", () => resume(Effect.succeed(undefined)))
  }),
  (server) => Effect.sync(() => server?.stop())
)

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

/** `undefined` when `redis-server` is not installed. */
export const measure = (
  options: {
    readonly replicas?: number
    readonly callers?: number
    readonly rounds?: number
    /** `false`: the same replicas, each on its own (tokens that are not single-use), for comparison. */
    readonly coordinated?: boolean
  } = {}
): Effect.Effect<FleetFigures | undefined> =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* redisServer
    if (server === undefined) return undefined
    const replicas = options.replicas ?? 8
    const callers = options.callers ?? 1_000
    const rounds = options.rounds ?? 5
    const coordinated = options.coordinated ?? true
    const fake = yield* NabiFake.make({ singleUseRefreshToken: coordinated, accessLifetimeSeconds: 3 })
    const signer = TonSigner.layerFromMnemonic({
      mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic),
      address: NabiFake.demoAccount.address
    })
    const fleet = yield* Effect.forEach(Array.from({ length: replicas }), () =>
      Effect.gen(function*() {
        const backend = yield* RedisCoordination.makeBackend({ url: server.url, commandTimeout: "5 seconds" })
        const context = yield* Layer.build(
          NabiAuth.layer({
            url: fake.url,
            // Renewal due at expiry itself, so that every caller of the round finds the session stale.
            engine: { refreshAt: 1, refreshJitter: 0, refreshMargin: 0, expirySkew: 0 },
            coordination: coordinated ? undefined : false
          }).pipe(
            Layer.provide(Layer.mergeAll(NodeHttpClient.layerUndici, signer)),
            Layer.provide(Layer.succeed(Coordination.Coordination, Coordination.make(backend, { lease: "5 seconds" })))
          )
        )
        return { auth: Context.get(context, NabiAuth.NabiAuth), backend }
      }).pipe(Effect.orDie))
    yield* Effect.forEach(fleet, (r) => r.auth.session).pipe(Effect.orDie)
    const latencies: Array<number> = []
    let failures = 0
    let roundTrips = 0
    const refreshesBefore = fake.counters.refreshes
    for (let round = 0; round < rounds; round++) {
      while (Option.isSome(yield* fleet[0]!.auth.current)) yield* Effect.sleep("5 millis")
      const commandsBefore = fleet.reduce((n, r) => n + r.backend.stats.commands, 0)
      yield* Effect.forEach(
        fleet.flatMap((r) => Array.from({ length: callers }, () => r.auth.session)),
        (session) =>
          Effect.suspend(() => {
            const start = performance.now()
            return Effect.match(session, {
              onFailure: () => void failures++,
              onSuccess: () => void latencies.push(performance.now() - start)
            })
          }),
        { concurrency: "unbounded", discard: true }
      )
      roundTrips += fleet.reduce((n, r) => n + r.backend.stats.commands, 0) - commandsBefore
    }
    const renewals = fake.counters.refreshes - refreshesBefore + (fake.counters.logins - (coordinated ? 1 : replicas))
    const sorted = latencies.sort((a, b) => a - b)
    return {
      replicas,
      callers,
      rounds,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted[sorted.length - 1] ?? 0,
      failures,
      refreshesPerRound: renewals / rounds,
      roundTripsPerRenewal: roundTrips / Math.max(1, renewals),
      roundTripsPerReplica: roundTrips / Math.max(1, renewals) / replicas
    }
  }))

/** The row of BENCHMARKS.md: p99 at expiry with 8 replicas, beside the same replicas alone; round trips per renewal. */
export const row = (fleet: FleetFigures | undefined, alone: FleetFigures | undefined): Report.Row => ({
  id: "14",
  what:
    "a fleet at expiry: 8 replicas x 1,000 concurrent callers through `@authfx/redis` (p99 caller latency; Redis round trips per renewal)",
  measured: fleet === undefined
    ? "not measured: redis-server is not installed"
    : `p99 ${fleet.p99Ms.toFixed(0)} ms (p50 ${fleet.p50Ms.toFixed(0)} ms; the same replicas alone: p99 ${
      alone?.p99Ms.toFixed(0) ?? "?"
    } ms, ${
      alone?.refreshesPerRound ?? "?"
    } refreshes per round); ${fleet.refreshesPerRound} refresh per round, ${fleet.failures} failures; ${
      fleet.roundTripsPerRenewal.toFixed(1)
    } round trips per renewal for the fleet (${fleet.roundTripsPerReplica.toFixed(2)} per replica)`,
  target: "1 refresh per round, 0 failures",
  met: fleet === undefined ? undefined : fleet.refreshesPerRound === 1 && fleet.failures === 0
})

export const howMeasured =
  "14. A real `redis-server` started for the run on a unix socket; the Nabi fake with 3-second access tokens and single-use refresh tokens; 8 replicas, each its own engine and Redis connections, renewing at expiry. Per round (5): wait until the session is stale, then 1,000 concurrent `session` calls per replica, each timed from its start; round trips are the Lua scripts and releases the 8 backends sent, divided by the renewals the fake served. \"Alone\": the same replicas without coordination (tokens not single-use), which is what the in-process load of 8,000 fibers costs by itself."
