/**
 * Bad configuration fails with a typed error before any request; each provider's layer opened and closed 1,000 times
 * leaves no socket, timer or fiber behind. (The v3 line's packages/reliability/test/configAndLeaks.test.ts, ported.)
 */
import * as SessionStore from "@authfx/core/SessionStore"
import { GunbotAuth, GunbotClient } from "@authfx/gunbot"
import { NabiAuth, NabiClient, TonSigner } from "@authfx/nabi"
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { TeraboxAuth, TeraboxClient } from "@authfx/terabox"
import { GunbotFake, NabiFake, NandboxFake, TeraboxFake, TestEnv, WhatsGateFake } from "@authfx/testkit"
import { WhatsGateAuth, WhatsGateClient } from "@authfx/whatsgate"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Socket from "effect/socket/Socket"
import * as Report from "../src/Report.js"

const Http = FetchHttpClient.layer
const WS = Socket.layerWebSocketConstructorGlobal
const Signer = TonSigner.layerFromMnemonic({
  mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic),
  address: NabiFake.demoAccount.address
})

/** The error's tag, whether the layer or the call refused ("success" if neither did). */
const tagOf = (effect: Effect.Effect<unknown, { readonly _tag: string }, any>): Effect.Effect<string> =>
  effect.pipe(
    Effect.match({ onFailure: (e) => e._tag, onSuccess: () => "success" }),
    Effect.scoped,
    Effect.provide(Http)
  ) as Effect.Effect<string>

describe("bad configuration: a typed error before any request", () => {
  it.live("every provider, every kind of bad value", () =>
    Effect.scoped(Effect.gen(function*() {
      const whatsgate = yield* WhatsGateFake.make()
      const gunbot = yield* GunbotFake.make()
      const nabi = yield* NabiFake.make()
      const nandbox = yield* NandboxFake.make()
      const terabox = yield* TeraboxFake.make()
      const wg = (url: string, token: string) =>
        Effect.flatMap(
          Layer.build(
            WhatsGateClient.layer({ url, device: "1", token: Redacted.make(token) }).pipe(Layer.provide(Http))
          ),
          (c) => Context.get(c, WhatsGateClient.WhatsGateClient).status()
        )
      const gb = (url: string, password: string, wallet?: string) =>
        Effect.flatMap(
          Layer.build(
            GunbotClient.layer({
              url,
              password: Redacted.make(password),
              gunthyWallet: wallet === undefined ? undefined : Redacted.make(wallet)
            }).pipe(Layer.provide(Http))
          ),
          (c) => Context.get(c, GunbotClient.GunbotClient).status
        )
      const nb = (url: string, mnemonic: string, address: string) =>
        Effect.flatMap(
          Layer.build(
            NabiClient.layer({ url }).pipe(
              Layer.provide(Http),
              Layer.provide(TonSigner.layerFromMnemonic({ mnemonic: Redacted.make(mnemonic), address }))
            )
          ),
          (c) => Context.get(c, NabiClient.NabiClient).query("query { myProfiles { id } }", undefined, Schema.Unknown)
        )
      const nx = (url: string, token: string) =>
        Effect.flatMap(
          Layer.build(NandboxConnection.layer({ url, token: Redacted.make(token) }).pipe(Layer.provide(WS))),
          (c) => Context.get(c, NandboxAuth.NandboxAuth).session
        )
      const tb = (url: string, ndus: string) =>
        Effect.flatMap(
          Layer.build(TeraboxClient.layer({ url, ndus: Redacted.make(ndus) }).pipe(Layer.provide(Http))),
          (c) => Context.get(c, TeraboxClient.TeraboxClient).quota
        )
      const mnemonic = NabiFake.demoAccount.mnemonic
      const address = NabiFake.demoAccount.address
      const cases: ReadonlyArray<readonly [string, string, Effect.Effect<string>, string]> = [
        ["whatsgate", "empty token", tagOf(wg(whatsgate.url, "  ")), "CredentialsMissing"],
        ["whatsgate", "not a URL", tagOf(wg("whatsgate.net/api", whatsgate.token())), "ConfigurationError"],
        ["gunbot", "wallet under 16 bytes", tagOf(gb(gunbot.url, "pw", "short-wallet")), "ConfigurationError"],
        ["gunbot", "plain password without a wallet", tagOf(gb(gunbot.url, "pw")), "ConfigurationError"],
        ["gunbot", "empty password", tagOf(gb(gunbot.url, "", gunbot.gunthyWallet)), "ConfigurationError"],
        ["gunbot", "not a URL", tagOf(gb("localhost:3000", "ENC:x")), "ConfigurationError"],
        [
          "nabi",
          "invalid mnemonic",
          tagOf(nb(nabi.url, mnemonic.replace("letter", "zzzz"), address)),
          "ConfigurationError"
        ],
        [
          "nabi",
          "23 words",
          tagOf(nb(nabi.url, mnemonic.split(" ").slice(1).join(" "), address)),
          "ConfigurationError"
        ],
        ["nabi", "bad address", tagOf(nb(nabi.url, mnemonic, "0:1234")), "ConfigurationError"],
        ["nabi", "not a URL", tagOf(nb("graphql", mnemonic, address)), "ConfigurationError"],
        ["nandbox", "malformed token", tagOf(nx(nandbox.url, "not-a-token")), "ConfigurationError"],
        ["nandbox", "empty token", tagOf(nx(nandbox.url, "")), "CredentialsMissing"],
        [
          "nandbox",
          "not a ws URL",
          tagOf(nx("https://w1.nandbox.net/nandbox/api/", nandbox.token())),
          "ConfigurationError"
        ],
        ["terabox", "no ndus in the cookie string", tagOf(tb(terabox.url, "PANWEB=1; lang=en")), "CredentialsMissing"],
        ["terabox", "not a URL", tagOf(tb("www.terabox.com", "x")), "ConfigurationError"]
      ]
      for (const [provider, what, run, expected] of cases) {
        const tag = yield* run
        assert.strictEqual(tag, expected, `${provider}: ${what}`)
        Report.record({ section: "Bad configuration", provider, case: what, outcome: tag, sends: 0 })
      }
      const sends = whatsgate.counters.requests + gunbot.counters.requests + nabi.counters.requests +
        nandbox.counters.connections + terabox.counters.requests
      assert.strictEqual(sends, 0, "no request reached any fake")
    })))

  it.live("missing environment variables name the variable", () =>
    Effect.scoped(Effect.gen(function*() {
      yield* TestEnv.set({ GUNBOT_PASSWORD: "pw" })
      const error = yield* Layer.build(GunbotClient.layerConfig().pipe(Layer.provide(Http))).pipe(Effect.flip)
      assert.deepStrictEqual([error._tag, error._tag === "ConfigurationError" && error.key], [
        "ConfigurationError",
        "GUNBOT_URL"
      ])
      Report.record({
        section: "Bad configuration",
        provider: "gunbot",
        case: "GUNBOT_URL unset",
        outcome: "ConfigurationError (GUNBOT_URL)",
        sends: 0
      })
    })))
})

/** Counts Node's active handles by kind: sockets, timers, servers. */
const handles = () => {
  const counts = new Map<string, number>()
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1)
  return counts
}

const settle = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 150)))

describe("leaks: 1,000 open/close cycles of each provider's layer", () => {
  const cycles = 1_000
  // The HttpClient (one connection pool) is the application's, provided once; each
  // cycle builds and closes the provider's own layer.
  const subjects: ReadonlyArray<
    readonly [string, Effect.Effect<() => Effect.Effect<unknown, unknown, any>, unknown, any>]
  > = [
    [
      "whatsgate",
      Effect.map(WhatsGateFake.make(), (fake) => () =>
        Effect.scoped(
          Effect.flatMap(
            Layer.build(
              WhatsGateClient.layer({ url: fake.url, device: fake.device, token: Redacted.make(fake.token()) })
            ),
            (c) => Context.get(c, WhatsGateAuth.WhatsGateAuth).session
          )
        ))
    ],
    [
      "gunbot",
      Effect.map(GunbotFake.make(), (fake) => () =>
        Effect.scoped(
          Effect.flatMap(
            Layer.build(GunbotClient.layer({ url: fake.url, password: Redacted.make(fake.encryptedPassword()) })),
            (c) => Context.get(c, GunbotAuth.GunbotAuth).session
          )
        ))
    ],
    // With a SessionStore, as a restarting service would run it: every cycle after
    // the first restores the session (no signature), the lifecycle is the same.
    [
      "nabi",
      Effect.map(
        Effect.zip(NabiFake.make(), Layer.build(Layer.merge(Signer, SessionStore.layerMemory))),
        ([fake, context]) => () =>
          Effect.scoped(
            Effect.flatMap(
              Layer.build(NabiClient.layer({ url: fake.url }).pipe(Layer.provide(Layer.succeedContext(context)))),
              (c) => Context.get(c, NabiAuth.NabiAuth).session
            )
          )
      )
    ],
    [
      "nandbox",
      Effect.map(NandboxFake.make(), (fake) => () =>
        Effect.scoped(
          Effect.flatMap(
            Layer.build(
              NandboxConnection.layer({ url: fake.url, token: Redacted.make(fake.token()) }).pipe(Layer.provide(WS))
            ),
            (c) => Context.get(c, NandboxAuth.NandboxAuth).session
          )
        ))
    ],
    [
      "terabox",
      Effect.map(TeraboxFake.make(), (fake) => () =>
        Effect.scoped(
          Effect.flatMap(
            Layer.build(
              TeraboxClient.layer({
                url: fake.url,
                ndus: Redacted.make(fake.ndus()),
                jsToken: Redacted.make(fake.jsToken()),
                bdstoken: Redacted.make(fake.bdstoken())
              })
            ),
            (c) => Context.get(c, TeraboxAuth.TeraboxAuth).session
          )
        ))
    ]
  ]
  for (const [provider, make] of subjects) {
    it.live(provider, () =>
      Effect.scoped(Effect.gen(function*() {
        const cycle = yield* Effect.orDie(make)
        // Warm: the shared connection pool and the fake reach their steady state.
        for (let i = 0; i < 20; i++) yield* cycle()
        yield* settle
        const before = handles()
        // Every fiber started during the cycles, and every one that ended (effect 4 has no Supervisor: its
        // runtime-metrics hook is read by each fiber at its start from its parent).
        let started = 0
        let ended = 0
        const tracker: Metric.FiberRuntimeMetricsService = {
          recordFiberStart: () => void (started += 1),
          recordFiberEnd: () => void (ended += 1)
        }
        for (let i = 0; i < cycles; i++) yield* cycle().pipe(Effect.provideService(Metric.FiberRuntimeMetrics, tracker))
        yield* settle
        const after = handles()
        const running = started - ended
        // The application's HTTP pool may hold one more keep-alive connection (both
        // ends are in this process); anything beyond that is ours.
        const slack = (kind: string) => provider !== "nandbox" && kind === "TCPSocketWrap" ? 2 : 0
        const grown = [...after]
          .filter(([kind, n]) => n > (before.get(kind) ?? 0) + slack(kind))
          .map(([kind, n]) => `${kind} +${n - (before.get(kind) ?? 0)}`)
        assert.strictEqual(running, 0, "no fiber left running")
        assert.deepStrictEqual(grown, [], "no socket, timer or handle left")
        Report.record({
          section: "Leaks",
          provider,
          case: `${cycles} cycles: build the layer, acquire a session, close`,
          outcome: `fibers left: ${running}; handles before/after: ${
            [...before].map(([k, n]) => `${k} ${n}`).join(", ")
          } / ${[...after].map(([k, n]) => `${k} ${n}`).join(", ")}`,
          sends: undefined
        })
      })).pipe(Effect.provide(Http)) as Effect.Effect<void, unknown>, 120_000)
  }

  it.live("nandbox: after 200 more cycles, every socket the fake accepted was closed", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      for (let i = 0; i < 200; i++) {
        yield* Effect.scoped(
          Effect.flatMap(
            Layer.build(
              NandboxConnection.layer({ url: fake.url, token: Redacted.make(fake.token()) }).pipe(Layer.provide(WS))
            ),
            (c) => Context.get(c, NandboxAuth.NandboxAuth).session
          )
        )
      }
      yield* TestEnv.until(() => fake.connections.every((c) => c.closed), "every socket closed")
      assert.strictEqual(fake.counters.connections, 200)
    })))
})

afterAll(() =>
  Report.flush(
    "Configuration and leaks",
    "Bad configuration must fail with a typed error before any request reaches a fake. Leaks: each provider's layer opened, a session acquired (a login, a socket, a token read), and closed 1,000 times against one fake; Node's active handles (sockets, timers) counted before and after, and every fiber started during the cycles supervised and checked to have ended."
  )
)
