import * as SessionStore from "@authfx/core/SessionStore"
import { NabiFake, SecretScan, TestEnv } from "@authfx/testkit"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import { WalletContractV4 } from "@ton/ton"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { randomBytes } from "node:crypto"
import { NabiAuth } from "../src/NabiAuth.js"
import * as NabiClient from "../src/NabiClient.js"
import * as TonSigner from "../src/TonSigner.js"

const Http = NodeHttpClient.layerUndici
const Signer = TonSigner.layerFromMnemonic({
  mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic),
  address: NabiFake.demoAccount.address
})

const MyProfiles = Schema.Struct({
  myProfiles: Schema.Array(Schema.Struct({ id: Schema.String, name: Schema.String }))
})
const myProfiles = "query { myProfiles { id name } }"
const UpdateProfile = Schema.Struct({ updateProfile: Schema.Struct({ id: Schema.String, name: Schema.String }) })
const updateProfile = "mutation Update($request: UpdateProfileInput!) { updateProfile(request: $request) { id name } }"

/** A Nabi fake on the test's clock and a client for it. */
const setup = (
  options: NabiFake.Options & {
    readonly client?: Partial<NabiClient.Options>
    readonly store?: SessionStore.SessionStore
    readonly signer?: Layer.Layer<TonSigner.TonSigner, any>
  } = {}
) =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const fake = yield* NabiFake.make({ now: () => clock.unsafeCurrentTimeMillis(), ...options })
    const layer = NabiClient.layer({ url: fake.url, ...options.client }).pipe(
      Layer.provide(Layer.mergeAll(Http, options.signer ?? Signer)),
      Layer.provide(options.store !== undefined ? Layer.succeed(SessionStore.SessionStore, options.store) : Layer.empty)
    )
    const context = yield* Layer.build(layer)
    return { fake, nabi: Context.get(context, NabiClient.NabiClient), auth: Context.get(context, NabiAuth) }
  })

/**
 * Moves the test clock in steps, letting background renewals finish their I/O.
 * Steps stay under the client's 30-second request timeout (which runs on the
 * test clock), so a request still in flight on a loaded machine is not timed
 * out by the clock moving past it.
 */
const advance = (total: Duration.DurationInput, step: Duration.DurationInput = "20 seconds") =>
  Effect.gen(function*() {
    let left = Duration.toMillis(total)
    while (left > 0) {
      const by = Math.min(left, Duration.toMillis(step))
      yield* TestClock.adjust(by)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      left -= by
    }
  })

/** Polls the current session (I/O finishing a renewal) until `condition` holds. */
const waitForSession = (
  auth: Context.Tag.Service<typeof NabiAuth>,
  condition: (session: Effect.Effect.Success<typeof auth.session>) => boolean
) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      if (condition(yield* auth.session)) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
  })

describe("NabiClient", () => {
  it.scoped("a query whose body stalls after the headers ends at the default 30 s bound (TestClock)", () =>
    Effect.gen(function*() {
      const { fake, nabi } = yield* setup({ client: { retry: false } })
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      const before = fake.counters.requests
      fake.stallBodyNext(1)
      const call = yield* Effect.fork(Effect.either(nabi.query(myProfiles, undefined, MyProfiles)))
      // Real I/O: the request reaches the fake, which sends its headers and the start of a body, then nothing.
      while (fake.counters.requests === before) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)))
      yield* TestClock.adjust("29 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.poll(call)), "still waiting before the bound")
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(call)
      assert.isTrue(Either.isLeft(result))
      const error = (result as Either.Left<{ readonly _tag: string; readonly reason?: string }, unknown>).left
      assert.strictEqual(`${error._tag}(${error.reason})`, "TransportError(Timeout)")
      fake.clearFaults()
      yield* nabi.query(myProfiles, undefined, MyProfiles)
    }).pipe(Effect.provide(Http)))

  it.scoped("nonce → signature → tokens → an authenticated query", () =>
    Effect.gen(function*() {
      const { fake, nabi } = yield* setup()
      const { myProfiles: profiles } = yield* nabi.query(myProfiles, undefined, MyProfiles)
      assert.deepStrictEqual(profiles.map((p) => p.id), ["p-demo"])
      const updated = yield* nabi.query(updateProfile, { request: { id: "p-demo", name: "renamed" } }, UpdateProfile)
      assert.strictEqual(updated.updateProfile.name, "renamed")
      assert.deepStrictEqual([fake.counters.nonces, fake.counters.logins, fake.counters.refreshes], [1, 1, 0])
    }).pipe(Effect.provide(Http)))

  it.scoped("the access token nearing expiry is renewed with refreshToken: no new nonce", () =>
    Effect.gen(function*() {
      const { fake, nabi } = yield* setup()
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      // 80% of 30 minutes, ±5% jitter: between 22.5 and 25.5 minutes.
      yield* advance("22 minutes")
      assert.strictEqual(fake.counters.refreshes, 0)
      yield* advance("4 minutes")
      // The renewal started on the clock; its request is real I/O, which a loaded machine may still be doing.
      yield* TestEnv.until(() => fake.counters.refreshes === 1, "the refresh reached the fake")
      assert.strictEqual(fake.counters.refreshes, 1)
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      assert.deepStrictEqual([fake.counters.nonces, fake.counters.unauthorized], [1, 0])
    }).pipe(Effect.provide(Http)))

  it.scoped("a rotated refresh token returned by refreshToken is used from then on", () =>
    Effect.gen(function*() {
      const { auth, fake, nabi } = yield* setup({ rotateRefreshToken: true })
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      const first = yield* auth.session
      yield* advance("26 minutes")
      yield* TestEnv.until(() => fake.counters.refreshes === 1, "the refresh reached the fake")
      yield* waitForSession(auth, (s) => Redacted.value(s.refreshToken) !== Redacted.value(first.refreshToken))
      const second = yield* auth.session
      assert.notStrictEqual(Redacted.value(second.refreshToken), Redacted.value(first.refreshToken))
      fake.expireAccessTokens()
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      // The rotated refresh token was accepted: never refused, never a new nonce.
      assert.deepStrictEqual([fake.counters.nonces, fake.counters.refusedRefreshes], [1, 0])
      assert.isAtLeast(fake.counters.refreshes, 2)
    }).pipe(Effect.provide(Http)))

  it.scoped("an expired refresh token falls back to the full login", () =>
    Effect.gen(function*() {
      const { fake, nabi } = yield* setup()
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      fake.expireRefreshTokens()
      fake.expireAccessTokens()
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      assert.deepStrictEqual(
        [fake.counters.unauthorized, fake.counters.refusedRefreshes, fake.counters.nonces, fake.counters.logins],
        [1, 1, 2, 2]
      )
    }).pipe(Effect.provide(Http)))

  it.scoped("a nonce expired between generateNonce and getToken: one fresh nonce", () =>
    Effect.gen(function*() {
      const { fake, nabi } = yield* setup()
      fake.expireNextNonces(1)
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      assert.deepStrictEqual([fake.counters.nonces, fake.counters.badNonces, fake.counters.logins], [2, 1, 1])
      fake.expireNextNonces(5)
      fake.expireAccessTokens()
      fake.expireRefreshTokens()
      const error = yield* Effect.flip(nabi.query(myProfiles, undefined, MyProfiles))
      assert.strictEqual(error._tag, "CredentialsRejected")
      assert.strictEqual(fake.counters.nonces, 4)
    }).pipe(Effect.provide(Http)))

  it.scoped("a key that does not match the address: CredentialsRejected", () =>
    Effect.gen(function*() {
      const { fake, nabi } = yield* setup({
        accounts: [{ address: NabiFake.demoAccount.address, publicKey: randomBytes(32) }]
      })
      const error = yield* Effect.flip(nabi.query(myProfiles, undefined, MyProfiles))
      assert.strictEqual(error._tag, "CredentialsRejected")
      if (error._tag === "CredentialsRejected") assert.strictEqual(error.reason, "BadSignature")
      assert.deepStrictEqual([fake.counters.badSignatures, fake.counters.nonces], [1, 1])
    }).pipe(Effect.provide(Http)))

  it.scoped("a wallet the client cannot derive (custom subwallet id) signs in; Nabi's refusal stays typed", () =>
    Effect.gen(function*() {
      const mnemonic = Redacted.make(NabiFake.demoAccount.mnemonic)
      const publicKey = Buffer.from(NabiFake.demoAccount.publicKeyHex, "hex")
      // The same key in a v4r2 wallet with another subwallet id: a valid wallet on TON, another address, which the
      // client cannot derive (it knows the wallet apps' default ids). The fake, like Nabi, checks the signature
      // against the key the wallet at that address holds (its registered key), not a derivation.
      const subwallet = WalletContractV4.create({ workchain: 0, publicKey, walletId: 698983191 + 1 }).address
        .toRawString()
      const logs: Array<string> = []
      const logger = Logger.make(({ message }) => void logs.push(String(message)))
      const signer = TonSigner.layerFromMnemonic({ mnemonic, address: subwallet })
      const { auth, fake, nabi } = yield* setup({ accounts: [{ address: subwallet, publicKey }], signer }).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      const { myProfiles: profiles } = yield* nabi.query(myProfiles, undefined, MyProfiles)
      assert.isArray(profiles)
      assert.strictEqual((yield* auth.session).address, subwallet)
      assert.deepStrictEqual([fake.counters.logins, fake.counters.badSignatures], [1, 0])
      // The reason is logged, once, without the mnemonic.
      const warnings = logs.filter((line) => line.includes("is not the wallet address"))
      assert.strictEqual(warnings.length, 1)
      assert.include(warnings[0], subwallet)
      assert.notInclude(warnings.join("\n"), NabiFake.demoAccount.mnemonic.split(" ")[0]!)

      // An address whose wallet holds another key: Nabi refuses the signature, a typed CredentialsRejected.
      const stranger = `0:${"ab".repeat(32)}`
      const refused = yield* setup({
        accounts: [{ address: stranger, publicKey: randomBytes(32) }],
        signer: TonSigner.layerFromMnemonic({ mnemonic, address: stranger, addressCheck: "off" })
      })
      const error = yield* Effect.flip(refused.nabi.query(myProfiles, undefined, MyProfiles))
      assert.deepStrictEqual([error._tag, error._tag === "CredentialsRejected" && error.reason], [
        "CredentialsRejected",
        "BadSignature"
      ])
    }).pipe(Effect.provide(Http)))

  it.scoped("a profile the wallet does not own: ProfileMismatch, no extra request, the session kept", () =>
    Effect.gen(function*() {
      const { auth, fake, nabi } = yield* setup()
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      const session = yield* auth.session
      const before = fake.counters.requests
      const error = yield* Effect.flip(
        nabi.query(updateProfile, { request: { id: "p-other", name: "x" } }, UpdateProfile)
      )
      assert.strictEqual(error._tag, "ProfileMismatch")
      if (error._tag === "ProfileMismatch") {
        assert.deepStrictEqual([error.address, error.profile, error.status], [
          NabiFake.demoAccount.address,
          "p-other",
          400
        ])
      }
      assert.strictEqual(fake.counters.requests - before, 1)
      assert.strictEqual(Option.getOrThrow(yield* auth.current), session)
      assert.deepStrictEqual([fake.counters.nonces, fake.counters.refreshes], [1, 0])
    }).pipe(Effect.provide(Http)))

  it.scoped("a restart with a stored session needs no nonce", () =>
    Effect.gen(function*() {
      const store = SessionStore.makeMemory()
      const clock = yield* Effect.clock
      const fake = yield* NabiFake.make({ now: () => clock.unsafeCurrentTimeMillis() })
      const build = Layer.build(
        NabiClient.layer({ url: fake.url }).pipe(
          Layer.provide(Layer.mergeAll(Http, Signer, Layer.succeed(SessionStore.SessionStore, store)))
        )
      )
      yield* Effect.scoped(
        Effect.flatMap(build, (ctx) => Context.get(ctx, NabiClient.NabiClient).query(myProfiles, undefined, MyProfiles))
      )
      // A restart an hour later: the access token has expired, the refresh token has not.
      yield* TestClock.adjust(Duration.hours(1))
      yield* Effect.scoped(
        Effect.flatMap(build, (ctx) => Context.get(ctx, NabiClient.NabiClient).query(myProfiles, undefined, MyProfiles))
      )
      assert.deepStrictEqual([fake.counters.nonces, fake.counters.refreshes], [1, 1])
    }).pipe(Effect.provide(Http)))

  it.scoped("1,000 concurrent queries when the access token expires: one refresh", () =>
    Effect.gen(function*() {
      const { fake, nabi } = yield* setup()
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      fake.expireAccessTokens()
      const all = yield* Effect.fork(Effect.all(
        Array.from({ length: 1000 }, () => Effect.either(nabi.query(myProfiles, undefined, MyProfiles))),
        { concurrency: "unbounded" }
      ))
      // A loaded machine may refuse some of 1,000 simultaneous connections ("the connection failed"): a transient
      // failure, retried after the retry schedule's delay, which runs on the test clock. The clock moves (a second at
      // a time) only while no request has reached the fake for half a second of real time (as the v4 test does).
      let seen = fake.counters.requests
      let idle = 0
      while (all.unsafePoll() === null) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
        idle = fake.counters.requests === seen ? idle + 1 : 0
        seen = fake.counters.requests
        if (idle >= 25) {
          idle = 0
          yield* TestClock.adjust("1 second")
        }
      }
      const results = yield* Fiber.join(all)
      assert.strictEqual(results.filter((r) => r._tag === "Right").length, 1000)
      assert.deepStrictEqual([fake.counters.refreshes, fake.counters.nonces], [1, 1])
    }).pipe(Effect.provide(Http)), 120_000)

  it.scoped("base64 signatures when configured", () =>
    Effect.gen(function*() {
      const { fake, nabi } = yield* setup({ signatureEncoding: "base64", client: { signatureEncoding: "base64" } })
      yield* nabi.query(myProfiles, undefined, MyProfiles)
      assert.strictEqual(fake.counters.logins, 1)
    }).pipe(Effect.provide(Http)))

  it.effect("an invalid mnemonic or address is a ConfigurationError before any request", () =>
    Effect.gen(function*() {
      const words = Redacted.make(NabiFake.demoAccount.mnemonic.replace("letter", "banana"))
      const badWords = yield* Effect.flip(
        TonSigner.fromMnemonic({ mnemonic: words, address: NabiFake.demoAccount.address })
      )
      // Configured in code: errors name the options, never a variable the application did not use.
      assert.deepStrictEqual([badWords._tag, badWords.key], ["ConfigurationError", "mnemonic"])
      assert.notInclude(badWords.message, "spread")
      const short = yield* Effect.flip(
        TonSigner.fromMnemonic({ mnemonic: Redacted.make("one two"), address: NabiFake.demoAccount.address })
      )
      assert.strictEqual(short.key, "mnemonic")
      const badAddress = yield* Effect.flip(
        TonSigner.fromMnemonic({ mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic), address: "0:xyz" })
      )
      assert.strictEqual(badAddress.key, "address")
      // Read from the environment, the same errors name the variables.
      const fromEnv = yield* Effect.flip(
        TonSigner.fromMnemonic({
          mnemonic: words,
          configKeys: { mnemonic: "NABI_MNEMONIC", address: "NABI_ADDRESS", walletVersion: "NABI_WALLET_VERSION" }
        })
      )
      assert.strictEqual(fromEnv.key, "NABI_MNEMONIC")
      const friendly = yield* TonSigner.fromMnemonic({
        mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic),
        address: "EQAKnOXp2HVxdX9SbdgyFhlVrl69RTQSw0S6PbzZa8DBNMM4"
      })
      assert.strictEqual(friendly.address, NabiFake.demoAccount.address)
    }))

  it.effect("the address is bound to the key: any of its v3r2/v4r2/v5r1 wallets, derived when absent", () =>
    Effect.gen(function*() {
      const mnemonic = Redacted.make(NabiFake.demoAccount.mnemonic)
      // A well-formed address that is not a wallet of this key: refused before any request, naming the address
      // option, when the check is strict; by default used as given (Nabi is the judge), its state_init unknown.
      const address = `0:${"ab".repeat(32)}`
      const other = yield* Effect.flip(TonSigner.fromMnemonic({ mnemonic, address, addressCheck: "strict" }))
      assert.deepStrictEqual([other._tag, other.key, other.reason], ["ConfigurationError", "address", "Invalid"])
      assert.include(other.message, "not the wallet address of mnemonic's key")
      assert.notInclude(other.message, "NABI_")
      assert.include(other.message, "v3r2, v4r2, v5r1")
      assert.notInclude(other.message, "spread")
      const lenient = yield* TonSigner.fromMnemonic({ mnemonic, address })
      assert.deepStrictEqual([lenient.address, lenient.walletVersion, lenient.walletStateInit], [
        address,
        undefined,
        undefined
      ])
      for (const version of ["v3r2", "v4r2", "v5r1"] as const) {
        const given = yield* TonSigner.fromMnemonic({ mnemonic, address: NabiFake.demoAccount.addresses[version] })
        assert.deepStrictEqual([given.address, given.walletVersion], [NabiFake.demoAccount.addresses[version], version])
        const derived = yield* TonSigner.fromMnemonic({ mnemonic, walletVersion: version })
        assert.deepStrictEqual([derived.address, derived.walletVersion], [given.address, version])
        assert.strictEqual(derived.walletStateInit, given.walletStateInit)
      }
      const byDefault = yield* TonSigner.fromMnemonic({ mnemonic })
      assert.deepStrictEqual([byDefault.address, byDefault.walletVersion], [NabiFake.demoAccount.address, "v4r2"])
      // The same derivation as a function of the public key.
      assert.strictEqual(
        TonSigner.walletAddress(byDefault.publicKey, "v5r1").address,
        NabiFake.demoAccount.addresses.v5r1
      )
    }))

  it.scoped("the mnemonic and the tokens appear in no log, span or error", () =>
    Effect.gen(function*() {
      const capture = SecretScan.makeCapture()
      const seen: Array<unknown> = []
      const secrets: Array<string> = [
        NabiFake.demoAccount.mnemonic,
        ...NabiFake.demoAccount.mnemonic.split(" ").slice(0, 3).map((w) => ` ${w} `)
      ]
      yield* Effect.gen(function*() {
        const { auth, fake, nabi } = yield* setup()
        yield* nabi.query(myProfiles, undefined, MyProfiles)
        const session = yield* auth.session
        secrets.push(Redacted.value(session.accessToken), Redacted.value(session.refreshToken))
        seen.push(session)
        yield* Effect.logDebug("session", session)
        fake.expireAccessTokens()
        yield* nabi.query(myProfiles, undefined, MyProfiles)
        seen.push(
          yield* Effect.flip(nabi.query(updateProfile, { request: { id: "p-other", name: "x" } }, UpdateProfile))
        )
        fake.rejectSignatures(true)
        fake.revokeAll()
        seen.push(yield* Effect.flip(nabi.query(myProfiles, undefined, MyProfiles)))
      }).pipe(Effect.provide(capture.layer))
      assert.isTrue(capture.spans.some((s) => s.name === "NabiAuth.login"))
      yield* SecretScan.assertClean(secrets, { capture, values: seen })
    }).pipe(Effect.provide(Http)))
})
