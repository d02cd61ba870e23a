/**
 * The documented OpenTelemetry wiring (examples/opentelemetry.ts) against real pipelines: the OpenTelemetry SDK
 * exports over OTLP/HTTP (JSON) to a loopback receiver, which decodes what arrives. Every span and metric must be
 * in TELEMETRY.md with the attributes it lists, the caller's span must be the ancestor of the login it waited
 * on, and no secret used in the run may appear anywhere in what was exported (attributes, events, resources).
 */
import * as Coordination from "@authfx/core/Coordination"
import * as GunbotAuth from "@authfx/gunbot/GunbotAuth"
import * as NabiAuth from "@authfx/nabi/NabiAuth"
import * as NabiClient from "@authfx/nabi/NabiClient"
import * as TonSigner from "@authfx/nabi/TonSigner"
import * as RedisCoordination from "@authfx/redis/RedisCoordination"
import { GunbotFake, NabiFake, SecretScan } from "@authfx/testkit"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { inject } from "vitest"
import { GunbotLive, program, Telemetry } from "../examples/opentelemetry.js"
import * as Receiver from "./utils/receiver.js"

// Provided by the redis package's global setup (vitest.config.ts), which starts a real redis-server.
declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string | undefined
  }
}

const root = new URL("../../../", import.meta.url)
const redisUrl = inject("redisUrl")

/** The rows of one table of TELEMETRY.md: first cell (a name, `<x>` a placeholder) → the row's cells. */
const documented = (section: string) => {
  const page = readFileSync(new URL("TELEMETRY.md", root), "utf8")
  const body = page.split(`## ${section}\n`)[1]!.split("\n## ")[0]!
  return body.split("\n").filter((line) => /^\| `/.test(line)).map((line) => {
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim())
    const name = /^`([^`]+)`/.exec(cells[0]!)![1]!
    const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/<\w+>/g, "[^.]+")}$`)
    return { name, pattern, cells, keys: [...line.matchAll(/`([a-z][\w.]*)`/g)].map((m) => m[1]!) }
  })
}

const platformSpan = /^http\.client /
const appSpan = /^app\./

/** Asserts that every exported authfx span and metric is documented, with its attributes. */
const assertDocumented = (receiver: Receiver.Receiver) => {
  const spanRows = documented("Spans")
  for (const span of receiver.spans()) {
    if (appSpan.test(span.name) || platformSpan.test(span.name)) continue
    const row = spanRows.find((r) => r.pattern.test(span.name))
    assert.isDefined(row, `span ${span.name} is not in TELEMETRY.md`)
    for (const key of Object.keys(span.attributes)) {
      assert.include(row!.keys, key, `span ${span.name}: attribute ${key} is not in TELEMETRY.md`)
    }
  }
  const metricRows = documented("Metrics")
  for (const metric of receiver.metrics().filter((m) => m.name.startsWith("authfx_"))) {
    const row = metricRows.find((r) => r.name === metric.name)
    assert.isDefined(row, `metric ${metric.name} is not in TELEMETRY.md`)
    const kind = row!.cells[1]!
    if (metric.kind === "sum") assert.match(kind, /^counter/, metric.name)
    else assert.include(kind, metric.kind, metric.name)
    for (const point of metric.points) {
      for (const key of Object.keys(point.attributes)) {
        assert.include(row!.keys, key, `metric ${metric.name}: attribute ${key} is not in TELEMETRY.md`)
      }
    }
  }
}

/** Every secret must be absent from every byte that was exported (spans, events, links, metrics, resources). */
const assertNoSecret = (receiver: Receiver.Receiver, secrets: ReadonlyArray<string>) => {
  assert.isAbove(receiver.bodies.length, 0)
  const found = SecretScan.scan(secrets, {
    values: [
      ...receiver.bodies.map((b) => b.body),
      ...receiver.spans().map((s) => ({ attributes: s.attributes, events: s.events, resource: s.resource })),
      ...receiver.metrics().map((m) => ({ points: m.points, resource: m.resource }))
    ]
  })
  assert.deepStrictEqual(found, [])
}

const ancestors = (spans: ReadonlyArray<Receiver.Span>, span: Receiver.Span): ReadonlyArray<Receiver.Span> => {
  const out: Array<Receiver.Span> = []
  let current: Receiver.Span | undefined = span
  while (current?.parentSpanId !== undefined) {
    current = spans.find((s) => s.spanId === current!.parentSpanId)
    if (current === undefined) break
    out.push(current)
  }
  return out
}

/** Whether `span` descends from `from` or is linked to it or to one of its descendants. */
const startedBy = (spans: ReadonlyArray<Receiver.Span>, span: Receiver.Span, from: Receiver.Span) =>
  ancestors(spans, span).some((a) => a.spanId === from.spanId) ||
  span.links.some((l) =>
    l.spanId === from.spanId || ancestors(spans, spans.find((s) => s.spanId === l.spanId)!)
      .some((a) => a.spanId === from.spanId)
  )

const pointsOf = (receiver: Receiver.Receiver, name: string, provider: string) =>
  receiver.metrics().filter((m) => m.name === name).flatMap((m) => m.points).filter((p) =>
    p.attributes["provider"] === provider
  )

/** The last value exported for a metric of a provider (a cumulative counter's total). */
const lastValue = (receiver: Receiver.Receiver, name: string, provider: string) =>
  pointsOf(receiver, name, provider).at(-1)?.value

describe("OpenTelemetry over OTLP/HTTP", () => {
  it.live("TELEMETRY.md is what the code says (pnpm telemetry --check)", () =>
    Effect.sync(() => {
      const out = execFileSync("node", ["scripts/telemetry-reference.mjs", "--check"], {
        cwd: root,
        encoding: "utf8"
      })
      assert.include(out, "TELEMETRY.md matches the code")
    }))

  it.live("the README's wiring is the example file", () =>
    Effect.sync(() => {
      const readme = readFileSync(new URL("packages/core/README.md", root), "utf8")
      const example = readFileSync(new URL("../examples/opentelemetry.ts", import.meta.url), "utf8")
      assert.include(readme, example.trim())
    }))

  it.live("a login, a rejection with re-authentication and a refresh-token renewal: spans, metrics, no secret", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make
      const gunbot = yield* GunbotFake.make()
      const nabi = yield* NabiFake.make()
      const secrets: Array<string> = [
        gunbot.password(),
        gunbot.encryptedPassword(),
        gunbot.gunthyWallet,
        NabiFake.demoAccount.mnemonic
      ]

      const NabiLive = NabiClient.layer({ url: nabi.url }).pipe(
        Layer.provide(TonSigner.layerFromMnemonic({
          mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic),
          address: NabiFake.demoAccount.address
        })),
        Layer.provide(NodeHttpClient.layerUndici)
      )

      yield* Effect.gen(function*() {
        // 1. A login: the first call of the documented program.
        const status = yield* program
        assert.isDefined(status)
        const auth = yield* GunbotAuth.GunbotAuth
        secrets.push(Redacted.value((yield* auth.session).token))
        // 2. Gunbot forgets its tokens: one 401, the session invalidated, one new login, the call replayed.
        gunbot.revokeTokens()
        yield* program.pipe(Effect.withSpan("app.after-revoke"))
        secrets.push(Redacted.value((yield* auth.session).token))
        assert.strictEqual(gunbot.counters.logins, 2)

        // 3. Nabi: a signed login on the first query, then a renewal with the refresh token.
        const client = yield* NabiClient.NabiClient
        const nabiAuth = yield* NabiAuth.NabiAuth
        yield* client.query("query { myProfiles { id } }", undefined, Schema.Unknown).pipe(
          Effect.withSpan("app.nabi-query")
        )
        const first = yield* nabiAuth.session
        const renewed = yield* nabiAuth.refresh.pipe(Effect.withSpan("app.nabi-renew"))
        secrets.push(
          Redacted.value(first.accessToken),
          Redacted.value(first.refreshToken),
          Redacted.value(renewed.accessToken),
          Redacted.value(renewed.refreshToken)
        )
        assert.strictEqual(nabi.counters.refreshes, 1)
      }).pipe(
        Effect.provide(Layer.merge(GunbotLive, NabiLive)),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(gunbot.env())))),
        // Closing the telemetry layer flushes the spans and makes the final metric export.
        Effect.provide(Telemetry(receiver.url))
      )

      const spans = receiver.spans()
      const named = (name: string) => spans.filter((s) => s.name === name)
      const one = (name: string) => {
        const found = named(name)
        assert.isAbove(found.length, 0, `no ${name} span arrived; arrived: ${[...new Set(spans.map((s) => s.name))]}`)
        return found[0]!
      }

      // The login the first call waited on is in that call's trace, under the application's span.
      const call = one("app.status")
      const logins = named("GunbotAuth.acquire")
      assert.strictEqual(logins.length, 2)
      assert.isTrue(startedBy(spans, logins[0]!, call), "the first login does not descend from the call")
      assert.strictEqual(logins[0]!.attributes["authfx.provider"], "gunbot")
      assert.strictEqual(one("GunbotClient.status").parentSpanId, call.spanId)

      // The rejection: a replay span under the second call, and the second login under the replay.
      const second = one("app.after-revoke")
      const replay = one("gunbot.replay")
      assert.isTrue(startedBy(spans, replay, second))
      assert.strictEqual(replay.attributes["authfx.provider"], "gunbot")
      assert.isTrue(startedBy(spans, logins[1]!, replay), "the re-authentication does not descend from the replay")

      // The renewal: NabiAuth.refresh under the caller, the refresh-token exchange under it.
      const nabiLogin = one("NabiAuth.acquire")
      assert.isTrue(startedBy(spans, nabiLogin, one("app.nabi-query")))
      assert.isTrue(startedBy(spans, one("NabiAuth.login"), nabiLogin))
      const refresh = one("NabiAuth.refresh")
      assert.isTrue(startedBy(spans, refresh, one("app.nabi-renew")))
      assert.isTrue(startedBy(spans, one("NabiAuth.refreshToken"), refresh))
      assert.strictEqual(refresh.attributes["authfx.provider"], "nabi")

      // Each span reaches the receiver with the service's resource.
      for (const span of spans) assert.strictEqual(span.resource["service.name"], "my-app")

      // The engine's metrics, by provider, with the values this run produced.
      assert.strictEqual(lastValue(receiver, "authfx_acquisitions_total", "gunbot"), 2)
      assert.strictEqual(lastValue(receiver, "authfx_rejections_total", "gunbot"), 1)
      assert.strictEqual(lastValue(receiver, "authfx_acquisitions_total", "nabi"), 1)
      assert.strictEqual(lastValue(receiver, "authfx_refreshes_total", "nabi"), 1)
      const latency = pointsOf(receiver, "authfx_acquire_duration_ms", "gunbot").at(-1)
      assert.strictEqual(latency?.count, 2)
      const left = lastValue(receiver, "authfx_session_seconds_to_expiry", "gunbot")
      assert.isTrue(left !== undefined && left > 3000 && left <= 3600, `seconds to expiry: ${left}`)

      assertDocumented(receiver)
      assertNoSecret(receiver, secrets)
    }).pipe(Effect.scoped))

  it.live.skipIf(redisUrl === undefined)(
    "a renewal coordinated through a real Redis: one login for two replicas, a coordinate span each",
    () =>
      Effect.gen(function*() {
        const receiver = yield* Receiver.make
        const gunbot = yield* GunbotFake.make()
        const prefix = `telemetry-${Math.random().toString(36).slice(2)}`
        const replica = Effect.gen(function*() {
          const backend = yield* RedisCoordination.makeBackend({ url: redisUrl!, prefix })
          const context = yield* Layer.build(
            GunbotAuth.layer({
              url: gunbot.url,
              password: Redacted.make(gunbot.password()),
              gunthyWallet: Redacted.make(gunbot.gunthyWallet),
              retry: false
            }).pipe(
              Layer.provide(NodeHttpClient.layerUndici),
              Layer.provide(
                Layer.succeed(Coordination.Coordination, Coordination.make(backend, { lease: "2 seconds" }))
              )
            )
          )
          return Context.get(context, GunbotAuth.GunbotAuth)
        })
        const tokens = yield* Effect.gen(function*() {
          const replicas = yield* Effect.all([replica, replica])
          const sessions = yield* Effect.forEach(
            replicas,
            (auth, i) => auth.session.pipe(Effect.withSpan(`app.replica-${i}`)),
            { concurrency: "unbounded" }
          )
          return sessions.map((s) => Redacted.value(s.token))
        }).pipe(Effect.scoped, Effect.provide(Telemetry(receiver.url)))

        assert.strictEqual(new Set(tokens).size, 1)
        assert.strictEqual(gunbot.counters.logins, 1)
        const spans = receiver.spans()
        const coordinate = spans.filter((s) => s.name === "gunbot.coordinate")
        assert.strictEqual(coordinate.length, 2, `arrived: ${[...new Set(spans.map((s) => s.name))]}`)
        for (const span of coordinate) {
          assert.strictEqual(span.attributes["authfx.provider"], "gunbot")
          assert.strictEqual(span.attributes["authfx.coordination"], "redis")
        }
        // One replica renewed (and logged in under its coordinate span); the other adopted that session.
        assert.deepStrictEqual(
          coordinate.map((s) => s.attributes["authfx.coordination.source"]).sort(),
          ["adopted", "renewed"]
        )
        const login = spans.find((s) => s.name === "GunbotAuth.acquire")!
        const renewer = coordinate.find((s) => s.attributes["authfx.coordination.source"] === "renewed")!
        assert.isTrue(startedBy(spans, login, renewer))
        for (const [i, app] of spans.filter((s) => /^app\.replica-/.test(s.name)).entries()) {
          assert.isTrue(
            coordinate.some((c) => startedBy(spans, c, app)),
            `replica ${i}'s call has no coordinate span under it`
          )
        }
        assert.strictEqual(lastValue(receiver, "authfx_coordination_adoptions_total", "gunbot"), 1)

        assertDocumented(receiver)
        assertNoSecret(receiver, [gunbot.password(), gunbot.encryptedPassword(), gunbot.gunthyWallet, ...tokens])
      }).pipe(Effect.scoped)
  )
})
