import * as Coordination from "@authfx/core/Coordination"
import { NabiFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as NabiAuth from "../src/NabiAuth.js"
import * as TonSigner from "../src/TonSigner.js"

/** The demo key's v4r2 and v5r1 wallets: two accounts the fake knows. */
const twoWallets = [
  { address: NabiFake.demoAccount.addresses.v4r2, publicKey: Buffer.from(NabiFake.demoAccount.publicKeyHex, "hex") },
  { address: NabiFake.demoAccount.addresses.v5r1, publicKey: Buffer.from(NabiFake.demoAccount.publicKeyHex, "hex") }
]

/** A replica for `address`: its own engine, on `options.coordination` (or the one in `context`). */
const replica = (
  fake: NabiFake.NabiFake,
  options: Partial<NabiAuth.Options> & { readonly address?: string } = {},
  context: Layer.Layer<never> = Layer.empty
) =>
  Effect.map(
    Layer.build(
      NabiAuth.layer({ url: fake.url, retry: false, ...options }).pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(TonSigner.layerFromMnemonic({
          mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic),
          address: options.address ?? NabiFake.demoAccount.address
        })),
        Layer.provide(context)
      )
    ),
    (built) => Context.get(built, NabiAuth.NabiAuth)
  )

const accessTokens = (sessions: ReadonlyArray<{ readonly accessToken: Redacted.Redacted<string> }>) =>
  new Set(sessions.map((s) => Redacted.value(s.accessToken))).size

describe("NabiAuth: coordination", () => {
  it.live("3 replicas of one wallet share one login, and one renewal", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make()
      const coordination = Coordination.make(Coordination.memoryBackend())
      const replicas = yield* Effect.forEach([0, 1, 2], () => replica(fake, { coordination }))
      const first = yield* Effect.forEach(replicas, (auth) => auth.session, { concurrency: "unbounded" })
      assert.strictEqual(accessTokens(first), 1)
      assert.strictEqual(fake.counters.logins, 1)
      assert.strictEqual(fake.counters.nonces, 1)
      const renewed = yield* Effect.forEach(replicas, (auth) => auth.refresh, { concurrency: "unbounded" })
      assert.strictEqual(accessTokens(renewed), 1)
      assert.strictEqual(fake.counters.logins + fake.counters.refreshes, 2)
    }))

  it.live("the Coordination in the context is used by default; `false` works alone", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make()
      const inContext = Layer.succeedContext(yield* Layer.build(Coordination.layerMemory()))
      const a = yield* replica(fake, {}, inContext)
      const b = yield* replica(fake, {}, inContext)
      assert.strictEqual(accessTokens([yield* a.session, yield* b.session]), 1)
      assert.strictEqual(fake.counters.logins, 1)
      yield* (yield* replica(fake, { coordination: false }, inContext)).session
      assert.strictEqual(fake.counters.logins, 2)
    }))

  it.live("two wallets on one Coordination: each its own session, never the other's", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make({ accounts: twoWallets })
      const coordination = Coordination.make(Coordination.memoryBackend())
      const [walletA, walletB] = twoWallets.map((w) => w.address) as [string, string]
      const a = yield* replica(fake, { coordination, address: walletA })
      const b = yield* replica(fake, { coordination, address: walletB })
      // The same `account` key of a keyed service: the wallet address still tells the two apart.
      const b2 = yield* replica(fake, { coordination, address: walletB, account: "tenant" })
      const sa = yield* a.session
      const sb = yield* b.session
      const sb2 = yield* b2.session
      assert.strictEqual(sa.address, walletA)
      assert.strictEqual(sb.address, walletB)
      assert.strictEqual(sb2.address, walletB)
      assert.notStrictEqual(Redacted.value(sa.accessToken), Redacted.value(sb.accessToken))
      // `account` is part of the key: the keyed replica does not share the plain one's record.
      assert.strictEqual(fake.counters.logins, 3)
      // Another replica of wallet B adopts B's session.
      const b3 = yield* replica(fake, { coordination, address: walletB })
      assert.strictEqual(Redacted.value((yield* b3.session).accessToken), Redacted.value(sb.accessToken))
      assert.strictEqual(fake.counters.logins, 3)
    }))
})
