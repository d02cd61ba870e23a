import { NabiFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/testing/TestClock"
import * as NabiAuth from "../src/NabiAuth.js"
import * as NabiClient from "../src/NabiClient.js"
import * as TonSigner from "../src/TonSigner.js"

// The v4 workspace has no `@effect/platform-node`: effect 4's own `fetch` client, over real loopback sockets.
const Http = FetchHttpClient.layer
const mnemonic = Redacted.make(NabiFake.demoAccount.mnemonic)
const Signer = TonSigner.layerFromMnemonic({ mnemonic })

const MyProfiles = Schema.Struct({ myProfiles: Schema.Array(Schema.Struct({ id: Schema.String })) })
const myProfiles = "query { myProfiles { id } }"

/** A fake on the test's clock, a client for it, and the first query's outcome. */
const login = (
  fake: NabiFake.Options,
  clientOptions: Partial<NabiClient.Options> = {},
  signer: Layer.Layer<TonSigner.TonSigner, any> = Signer
) =>
  Effect.gen(function*() {
    const clock = yield* Clock.Clock
    // A realistic time (the test clock starts at 0): a timestamp of 0 reads the same in either byte order.
    if (clock.currentTimeMillisUnsafe() < 1_767_225_600_000) yield* TestClock.setTime(1_767_225_600_000)
    const nabi = yield* NabiFake.make({ now: () => clock.currentTimeMillisUnsafe(), ...fake })
    const context = yield* Layer.build(
      NabiClient.layer({ url: nabi.url, ...clientOptions }).pipe(Layer.provide(Layer.mergeAll(Http, signer)))
    )
    const client = Context.get(context, NabiClient.NabiClient)
    const query = client.query(myProfiles, undefined, MyProfiles)
    return { fake: nabi, client, query, auth: Context.get(context, NabiAuth.NabiAuth) }
  })

describe("TonSigner modes against the fake", () => {
  it.effect("each mode is verified by a fake expecting it, and refused by one expecting another", () =>
    Effect.gen(function*() {
      const modes = ["raw", "ton_proof", "sign_data"] as const
      for (const server of modes) {
        for (const client of modes) {
          const { fake, query } = yield* login({ signatureMode: server }, { signatureMode: client })
          const result = yield* Effect.result(query)
          if (server === client) {
            assert.strictEqual(result._tag, "Success", `${client} against ${server}`)
            assert.deepStrictEqual([fake.counters.logins, fake.counters.badSignatures], [1, 0])
          } else {
            assert.strictEqual(result._tag, "Failure", `${client} against ${server}`)
            if (result._tag === "Failure") assert.strictEqual(result.failure._tag, "CredentialsRejected")
            assert.deepStrictEqual([fake.counters.logins, fake.counters.badSignatures], [0, 1])
          }
        }
      }
    }).pipe(Effect.provide(Http)))

  it.effect("ton_proof: the domain must be one the server allows; NABI_PROOF_DOMAIN names it", () =>
    Effect.gen(function*() {
      const fake = { signatureMode: "ton_proof", proofDomains: ["app.nabi.example"] } as const
      const wrong = yield* login(fake, { signatureMode: "ton_proof" })
      assert.strictEqual((yield* Effect.flip(wrong.query))._tag, "CredentialsRejected")
      const right = yield* login(fake, { signatureMode: "ton_proof", proofDomain: "app.nabi.example" })
      yield* right.query
      assert.strictEqual(right.fake.counters.logins, 1)
    }).pipe(Effect.provide(Http)))

  it.effect("ton_proof and signData: a signature older than the server's window is refused", () =>
    Effect.gen(function*() {
      for (const mode of ["ton_proof", "sign_data"] as const) {
        const clock = yield* Clock.Clock
        // The server's clock is 16 minutes ahead of the wallet's: outside the reference verifier's 15.
        const late = yield* login(
          { signatureMode: mode, now: () => clock.currentTimeMillisUnsafe() + 16 * 60_000, nonceLifetimeSeconds: 3600 },
          { signatureMode: mode }
        )
        assert.strictEqual((yield* Effect.flip(late.query))._tag, "CredentialsRejected")
        assert.strictEqual(late.fake.counters.badSignatures, 1)
      }
    }).pipe(Effect.provide(Http)))

  it.effect("a signer lacking what the mode needs is a ConfigurationError before any request", () =>
    Effect.gen(function*() {
      const keys = yield* TonSigner.fromMnemonic({ mnemonic })
      const fake = yield* NabiFake.make()
      const build = (mode: NabiAuth.SignatureMode, signer: TonSigner.Service) =>
        Effect.flip(
          Layer.build(
            NabiAuth.layer({ url: fake.url, signatureMode: mode }).pipe(
              Layer.provide(Layer.merge(Http, Layer.succeed(TonSigner.TonSigner, signer)))
            )
          )
        )
      const onlyProof = { ...keys, sign: undefined, signData: undefined }
      const noRaw = yield* build("raw", onlyProof)
      assert.deepStrictEqual([noRaw._tag, noRaw.key], ["ConfigurationError", "signatureMode"])
      const noStateInit = yield* build("ton_proof", { ...keys, walletStateInit: undefined })
      assert.strictEqual(noStateInit.key, "signatureMode")
      const noSignData = yield* build("sign_data", onlyProof)
      assert.strictEqual(noSignData.key, "signatureMode")
      assert.strictEqual(fake.counters.requests, 0)
    }).pipe(Effect.provide(Http)))
})

/**
 * A wallet as a browser page sees it through TON Connect: an account (address,
 * public key, state_init) and async operations. Here the "wallet app" is the
 * demo key behind promises.
 */
const browserWallet = Effect.gen(function*() {
  const wallet = yield* TonSigner.fromMnemonic({ mnemonic, walletVersion: "v5r1" })
  const calls: Array<string> = []
  return {
    calls,
    account: {
      address: wallet.address,
      publicKey: Buffer.from(wallet.publicKey).toString("hex"),
      walletStateInit: wallet.walletStateInit!
    },
    tonProof: (request: TonSigner.TonProofRequest) => {
      calls.push(`ton_proof ${request.payload}`)
      return Effect.runPromise(wallet.tonProof!(request))
    },
    signData: (request: TonSigner.SignDataRequest) => {
      calls.push(`signData ${request.text}`)
      return Effect.runPromise(wallet.signData!(request))
    }
  }
})

describe("NabiClient.layerConfig", () => {
  const fromEnv = (env: Record<string, string>) =>
    NabiClient.layerConfig().pipe(
      Layer.provide(Http),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)))
    )

  it.effect("NABI_SIGNATURE_MODE and NABI_WALLET_VERSION; an absent NABI_ADDRESS is derived", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_767_225_600_000)
      const clock = yield* Clock.Clock
      const keys = yield* TonSigner.fromMnemonic({ mnemonic })
      const fake = yield* NabiFake.make({
        now: () => clock.currentTimeMillisUnsafe(),
        signatureMode: "ton_proof",
        accounts: [{ address: NabiFake.demoAccount.addresses.v5r1, publicKey: keys.publicKey }]
      })
      const context = yield* Layer.build(fromEnv({
        NABI_URL: fake.url,
        NABI_MNEMONIC: NabiFake.demoAccount.mnemonic,
        NABI_WALLET_VERSION: "v5r1",
        NABI_SIGNATURE_MODE: "ton_proof"
      }))
      yield* Context.get(context, NabiClient.NabiClient).query(myProfiles, undefined, MyProfiles)
      const session = yield* Context.get(context, NabiAuth.NabiAuth).session
      assert.strictEqual(session.address, NabiFake.demoAccount.addresses.v5r1)
      assert.strictEqual(fake.counters.logins, 1)
    }).pipe(Effect.provide(Http)))

  it.effect("a bad mode, wallet version, address check or (strict) address: ConfigurationError naming it, no request", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make()
      const base = { ...fake.env() }
      const keyOfFailure = (change: Record<string, string>) =>
        Effect.map(Effect.flip(Layer.build(fromEnv({ ...base, ...change }))), (e) => [e._tag, e.key])
      assert.deepStrictEqual(yield* keyOfFailure({ NABI_SIGNATURE_MODE: "pgp" }), [
        "ConfigurationError",
        "NABI_SIGNATURE_MODE"
      ])
      assert.deepStrictEqual(yield* keyOfFailure({ NABI_WALLET_VERSION: "v9" }), [
        "ConfigurationError",
        "NABI_WALLET_VERSION"
      ])
      assert.deepStrictEqual(
        yield* keyOfFailure({ NABI_ADDRESS: `0:${"cd".repeat(32)}`, NABI_ADDRESS_CHECK: "strict" }),
        ["ConfigurationError", "NABI_ADDRESS"]
      )
      assert.deepStrictEqual(yield* keyOfFailure({ NABI_ADDRESS_CHECK: "maybe" }), [
        "ConfigurationError",
        "NABI_ADDRESS_CHECK"
      ])
      assert.deepStrictEqual(yield* keyOfFailure({ NABI_URL: "graphql" }), ["ConfigurationError", "NABI_URL"])
      // The same URL given in code names the option.
      const inCode = yield* Effect.flip(NabiAuth.validateUrl("graphql"))
      assert.strictEqual(inCode.key, "url")
      assert.strictEqual(fake.counters.requests, 0)
    }))
})

describe("TonSigner.fromWallet", () => {
  it.effect("a TON Connect wallet outside the package logs in with ton_proof, and with signData", () =>
    Effect.gen(function*() {
      const wallet = yield* browserWallet
      const signer = TonSigner.layerFromWallet({ ...wallet.account, tonProof: wallet.tonProof })
      const proof = yield* login(
        { signatureMode: "ton_proof", accounts: [{ address: wallet.account.address, publicKey: keyOf(wallet) }] },
        { signatureMode: "ton_proof" },
        signer
      )
      yield* proof.query
      assert.deepStrictEqual([proof.fake.counters.logins, wallet.calls.length], [1, 1])
      assert.strictEqual((yield* proof.auth.session).address, NabiFake.demoAccount.addresses.v5r1)

      const data = yield* login(
        { signatureMode: "sign_data", accounts: [{ address: wallet.account.address, publicKey: keyOf(wallet) }] },
        { signatureMode: "sign_data" },
        TonSigner.layerFromWallet({ ...wallet.account, signData: wallet.signData })
      )
      yield* data.query
      assert.strictEqual(data.fake.counters.logins, 1)
      assert.match(wallet.calls[1]!, /^signData [0-9a-f-]{36}$/)
    }).pipe(Effect.provide(Http)))

  it.effect("a wallet that declines is CredentialsRejected; one that never answers times out", () =>
    Effect.gen(function*() {
      const wallet = yield* browserWallet
      const declined = yield* TonSigner.fromWallet({
        ...wallet.account,
        tonProof: () => Promise.reject(new Error("user declined"))
      })
      const refused = yield* Effect.flip(declined.tonProof!({ payload: "n", domain: "d" }))
      assert.deepStrictEqual([refused._tag, refused.reason], ["CredentialsRejected", "Unknown"])

      let aborted = false
      const silent = yield* TonSigner.fromWallet({
        ...wallet.account,
        timeout: "1 minute",
        signData: (_, signal) => new Promise(() => signal.addEventListener("abort", () => void (aborted = true)))
      })
      const fiber = yield* Effect.forkChild(Effect.flip(silent.signData!({ text: "n", domain: "d" })))
      yield* TestClock.adjust("61 seconds")
      const timedOut = yield* Fiber.join(fiber)
      assert.deepStrictEqual([timedOut._tag, timedOut.reason], ["TransportError", "Timeout"])
      assert.isTrue(aborted)
    }))

  it.effect("an account whose state_init is not its address's, or a malformed key: ConfigurationError", () =>
    Effect.gen(function*() {
      const wallet = yield* browserWallet
      const v4 = yield* TonSigner.fromMnemonic({ mnemonic })
      const mismatched = yield* Effect.flip(
        TonSigner.fromWallet({ ...wallet.account, walletStateInit: v4.walletStateInit })
      )
      assert.deepStrictEqual([mismatched._tag, mismatched.key], ["ConfigurationError", "walletStateInit"])
      const badKey = yield* Effect.flip(TonSigner.fromWallet({ ...wallet.account, publicKey: "abcd" }))
      assert.strictEqual(badKey.key, "publicKey")
    }))
})

const keyOf = (wallet: { readonly account: { readonly publicKey: string } }) =>
  new Uint8Array(Buffer.from(wallet.account.publicKey, "hex"))

describe("getToken's input and the 400s", () => {
  for (const style of ["graphql-js", "apollo"] as const) {
    it.effect(`a schema without getToken's address (${style}): one retry without it, then never sent again`, () =>
      Effect.gen(function*() {
        const { fake, query } = yield* login({ getTokenInput: "without-address", validationErrors: style })
        yield* query
        // One refusal by validation: the nonce was not consumed, the same signature went again.
        assert.deepStrictEqual(
          [fake.counters.invalidRequests, fake.counters.nonces, fake.counters.logins, fake.counters.badNonces],
          [1, 1, 1, 0]
        )
        fake.expireAccessTokens()
        fake.expireRefreshTokens()
        yield* query
        assert.deepStrictEqual([fake.counters.invalidRequests, fake.counters.logins], [1, 2])
      }).pipe(Effect.provide(Http)))
  }

  it.effect("a schema with getToken's address: it is sent, and required", () =>
    Effect.gen(function*() {
      const { fake, query } = yield* login({ getTokenInput: "with-address", validationErrors: "apollo" })
      yield* query
      assert.deepStrictEqual([fake.counters.invalidRequests, fake.counters.logins], [0, 1])
    }).pipe(Effect.provide(Http)))

  it.effect("Apollo's 400 for a query the schema refuses: NabiGraphQLError naming the field, not ProfileMismatch", () =>
    Effect.gen(function*() {
      const { client: nabi, fake, query } = yield* login({ validationErrors: "apollo" })
      yield* query
      const before = { ...fake.counters }
      const error = yield* Effect.flip(nabi.query("query { myProfiles { id colour } }", undefined, MyProfiles))
      assert.strictEqual(error._tag, "NabiGraphQLError")
      if (error._tag === "NabiGraphQLError") {
        assert.strictEqual(error.status, 400)
        assert.deepStrictEqual(error.errors.map((e) => [e.field, e.code]), [["colour", "GRAPHQL_VALIDATION_FAILED"]])
        assert.include(error.message, "colour")
      }
      // Not a rejection of the session: no refresh, no login, one request.
      assert.deepStrictEqual(
        [fake.counters.requests - before.requests, fake.counters.logins, fake.counters.refreshes],
        [1, before.logins, 0]
      )
      // The documented 400 still is ProfileMismatch.
      const mismatch = yield* Effect.flip(
        nabi.query(
          "mutation U($request: UpdateProfileInput!) { updateProfile(request: $request) { id } }",
          { request: { id: "p-other", name: "x" } },
          Schema.Unknown
        )
      )
      assert.strictEqual(mismatch._tag, "ProfileMismatch")
    }).pipe(Effect.provide(Http)))

  it.effect("graphql-js's 200 for a query the schema refuses: the same NabiGraphQLError, without a status", () =>
    Effect.gen(function*() {
      const { client } = yield* login({})
      const error = yield* Effect.flip(client.query("query { myProfiles { colour } }", undefined, MyProfiles))
      assert.strictEqual(error._tag, "NabiGraphQLError")
      if (error._tag === "NabiGraphQLError") {
        assert.deepStrictEqual([error.status, error.errors[0]?.field], [undefined, "colour"])
      }
    }).pipe(Effect.provide(Http)))
})
