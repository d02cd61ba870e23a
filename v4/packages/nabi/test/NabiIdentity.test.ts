/**
 * A Nabi session belongs to its wallet: a stored session (`SessionStore`) of
 * another address is never used, whether it was copied under this wallet's key
 * in the current format or in the bare format of earlier versions.
 */
import * as SessionStore from "@authfx/core/SessionStore"
import { NabiFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { NabiSession } from "../src/Nabi.js"
import * as NabiAuth from "../src/NabiAuth.js"
import * as TonSigner from "../src/TonSigner.js"

const publicKey = Buffer.from(NabiFake.demoAccount.publicKeyHex, "hex")
const walletA = NabiFake.demoAccount.addresses.v4r2
const walletB = NabiFake.demoAccount.addresses.v5r1
const accounts = [{ address: walletA, publicKey }, { address: walletB, publicKey }]

const signer = (address: string) =>
  TonSigner.layerFromMnemonic({ mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic), address })

/** Builds wallet `address`'s auth on `store` in its own scope and returns its first session. */
const sessionOf = (url: string, store: SessionStore.SessionStore, address: string) =>
  Effect.scoped(Effect.gen(function*() {
    const context = yield* Layer.build(
      NabiAuth.layer({ url, retry: false }).pipe(
        Layer.provide(Layer.mergeAll(FetchHttpClient.layer, signer(address))),
        Layer.provide(Layer.succeed(SessionStore.SessionStore, store))
      )
    )
    return yield* Context.get(context, NabiAuth.NabiAuth).session
  }))

const token = (session: NabiSession) => Redacted.value(session.accessToken)

describe("a stored Nabi session belongs to its wallet", () => {
  it.live("wallet B's stored session copied under wallet A's key: A logs in, never uses it", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make({ accounts })
      const store = SessionStore.makeMemory()
      const sessionB = yield* sessionOf(fake.url, store, walletB)
      assert.strictEqual(sessionB.address, walletB)
      const entryB = Option.getOrThrow(yield* store.load(SessionStore.key("nabi", walletB)))
      yield* store.save(SessionStore.key("nabi", walletA), entryB)
      const loginsBefore = fake.counters.logins
      const sessionA = yield* sessionOf(fake.url, store, walletA)
      assert.strictEqual(sessionA.address, walletA)
      assert.notStrictEqual(token(sessionA), token(sessionB))
      assert.strictEqual(fake.counters.logins - loginsBefore, 1)
      // A's own stored session, now saved, is reused by a restart of A: no login.
      const again = yield* sessionOf(fake.url, store, walletA)
      assert.strictEqual(token(again), token(sessionA))
      assert.strictEqual(fake.counters.logins - loginsBefore, 1)
    }))

  it.live("a bare session of an earlier version: used only if its address is this wallet's", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make({ accounts })
      const store = SessionStore.makeMemory()
      const sessionB = yield* sessionOf(fake.url, store, walletB)
      const bare = yield* Schema.encodeEffect(Schema.fromJsonString(NabiSession))(sessionB)
      yield* store.save(SessionStore.key("nabi", walletA), bare)
      yield* store.save(SessionStore.key("nabi", walletB), bare)
      const loginsBefore = fake.counters.logins
      assert.strictEqual((yield* sessionOf(fake.url, store, walletA)).address, walletA)
      assert.strictEqual(fake.counters.logins - loginsBefore, 1)
      // B's own, in the earlier format, is still B's: reused.
      assert.strictEqual(token(yield* sessionOf(fake.url, store, walletB)), token(sessionB))
      assert.strictEqual(fake.counters.logins - loginsBefore, 1)
    }))

  it.effect("a stored session keeps its tokens: the JSON the v3 line writes (RedactedFromValue, not \"<redacted>\")", () =>
    Effect.gen(function*() {
      const session: NabiSession = {
        address: walletA,
        accessToken: Redacted.make("access.jwt"),
        refreshToken: Redacted.make("refresh.jwt"),
        accessExpiresAt: 1_800_000,
        refreshExpiresAt: 604_800_000
      }
      const json = yield* Schema.encodeEffect(Schema.fromJsonString(NabiSession))(session)
      assert.deepStrictEqual(JSON.parse(json), {
        address: walletA,
        accessToken: "access.jwt",
        refreshToken: "refresh.jwt",
        accessExpiresAt: 1_800_000,
        refreshExpiresAt: 604_800_000
      })
      const back = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(NabiSession))(json)
      assert.deepStrictEqual([Redacted.value(back.accessToken), Redacted.value(back.refreshToken)], [
        "access.jwt",
        "refresh.jwt"
      ])
      assert.notInclude(String(back.accessToken), "access.jwt")
    }))
})
