/**
 * Each HTTP provider as a subject of the reliability suite: its fake, a client
 * with a short retry schedule, one authenticated read, and what the fake
 * counts. (The v3 line's packages/reliability/src/Subjects.ts, ported.)
 */
import * as Policy from "@authfx/core/Policy"
import { GunbotClient } from "@authfx/gunbot"
import { NabiClient, TonSigner } from "@authfx/nabi"
import { TeraboxClient } from "@authfx/terabox"
import { GunbotFake, NabiFake, SecretScan, TeraboxFake, WhatsGateFake } from "@authfx/testkit"
import { WhatsGateClient } from "@authfx/whatsgate"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

/** The fault controls every HTTP fake shares. */
export interface Faults {
  readonly failNext: (n: number, status: number, options?: { readonly retryAfter?: string }) => void
  readonly dropNext: (n: number) => void
  readonly truncateNext: (n: number) => void
  readonly invalidJsonNext: (n: number) => void
  readonly wrongShapeNext: (n: number) => void
  readonly setDelay: (millis: number) => void
  readonly stallBodyNext: (n: number) => void
  readonly dropConnections: () => void
  readonly oversizeNext: (n: number, bytes: number, options?: { readonly declareLength?: boolean }) => void
  readonly redirectNext: (n: number, location: string, status?: number) => void
  readonly oversizeBytesWritten: () => number
  readonly clearFaults: () => void
}

export interface Subject {
  readonly provider: string
  /** One authenticated read. */
  readonly call: Effect.Effect<unknown, { readonly _tag: string }>
  readonly faults: Faults
  /** Requests the fake received. */
  readonly requests: () => number
  /** Credentials obtained: logins, token reads, page reads. */
  readonly acquisitions: () => number
  /** The provider refuses the current session from now on; the client must renew it once. */
  readonly revoke: () => void
  /** The current session expires now, where the provider has expiring sessions. */
  readonly expire: (() => void) | undefined
  /** A write whose JSON body the test chooses, where the client has one. */
  readonly post: ((body: unknown) => Effect.Effect<unknown, { readonly _tag: string }>) | undefined
  /** From now on the provider issues sessions already expired on arrival (exp equal to iat), where it can. */
  readonly issueUnusable: (() => void) | undefined
  /** The secrets in play, for the secret scan. */
  readonly secrets: () => ReadonlyArray<string>
}

export interface SubjectOptions {
  /** Point the client somewhere else (a closed port). */
  readonly url?: string | undefined
  readonly retry?: Schedule.Schedule<unknown, unknown> | false | undefined
}

/** A short retry schedule: three retries, 5 ms apart. */
export const quickRetry: Schedule.Schedule<unknown, unknown> = Schedule.max([
  Schedule.spaced("5 millis"),
  Schedule.recurs(3)
])

export interface Adapter {
  readonly provider: string
  readonly make: (options?: SubjectOptions) => Effect.Effect<Subject, unknown, Scope.Scope | HttpClient.HttpClient>
}

const whatsgate: Adapter = {
  provider: "whatsgate",
  make: (options = {}) =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make({ token: SecretScan.sentinel("wg") })
      const source = { token: fake.token(), reads: 0 }
      const context = yield* Layer.build(
        WhatsGateClient.layer({
          url: options.url ?? fake.url,
          device: fake.device,
          token: Effect.sync(() => {
            source.reads += 1
            return Redacted.make(source.token)
          }),
          retry: options.retry ?? quickRetry
        })
      )
      const client = Context.get(context, WhatsGateClient.WhatsGateClient)
      const seen = [fake.token()]
      return {
        provider: "whatsgate",
        call: client.status(),
        faults: fake,
        requests: () => fake.counters.requests,
        acquisitions: () => source.reads,
        revoke: () => {
          source.token = fake.regenerateToken()
          seen.push(source.token)
        },
        expire: undefined,
        post: undefined,
        issueUnusable: undefined,
        secrets: () => seen
      }
    })
}

const gunbot: Adapter = {
  provider: "gunbot",
  make: (options = {}) =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make({ password: SecretScan.sentinel("gb") })
      const context = yield* Layer.build(
        GunbotClient.layer({
          url: options.url ?? fake.url,
          password: Redacted.make(fake.password()),
          gunthyWallet: Redacted.make(fake.gunthyWallet),
          retry: options.retry ?? quickRetry
        })
      )
      const client = Context.get(context, GunbotClient.GunbotClient)
      return {
        provider: "gunbot",
        call: client.status,
        faults: fake,
        requests: () => fake.counters.requests,
        acquisitions: () => fake.counters.logins,
        revoke: fake.revokeTokens,
        expire: fake.expireTokens,
        post: (body) => client.post("/trade/buy", body, Schema.Unknown),
        issueUnusable: () => fake.setTokenLifetime(0),
        secrets: () => [fake.password(), fake.gunthyWallet, fake.encryptedPassword()]
      }
    })
}

const MyProfiles = Schema.Struct({ myProfiles: Schema.Array(Schema.Struct({ id: Schema.String })) })

const nabi: Adapter = {
  provider: "nabi",
  make: (options = {}) =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make()
      const context = yield* Layer.build(
        NabiClient.layer({ url: options.url ?? fake.url, retry: options.retry ?? quickRetry }).pipe(
          Layer.provide(
            TonSigner.layerFromMnemonic({
              mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic),
              address: NabiFake.demoAccount.address
            })
          )
        )
      )
      const client = Context.get(context, NabiClient.NabiClient)
      return {
        provider: "nabi",
        call: client.query("query { myProfiles { id } }", undefined, MyProfiles),
        faults: fake,
        requests: () => fake.counters.requests,
        acquisitions: () => fake.counters.logins + fake.counters.refreshes,
        revoke: fake.revokeAll,
        expire: fake.expireAccessTokens,
        post: (variables) =>
          client.query(
            "query ($amount: String) { myProfiles { id } }",
            variables as Record<string, unknown>,
            MyProfiles
          ),
        issueUnusable: undefined,
        secrets: () => [NabiFake.demoAccount.mnemonic]
      }
    })
}

const terabox: Adapter = {
  provider: "terabox",
  make: (options = {}) =>
    Effect.gen(function*() {
      // Every route checks the jsToken (the real site is known to on writes only), so that `revoke` reaches `quota`.
      const fake = yield* TeraboxFake.make({ jsTokenRequiredOn: "all" })
      const context = yield* Layer.build(
        TeraboxClient.layer({
          url: options.url ?? fake.url,
          ndus: Redacted.make(fake.ndus()),
          retry: options.retry ?? quickRetry
        })
      )
      const client = Context.get(context, TeraboxClient.TeraboxClient)
      const seen = [fake.ndus(), fake.bdstoken(), fake.jsToken()]
      return {
        provider: "terabox",
        call: client.quota,
        faults: fake,
        requests: () => fake.counters.requests,
        acquisitions: () => fake.counters.pages,
        revoke: () => void seen.push(fake.rotateJsToken()),
        expire: undefined,
        post: undefined,
        issueUnusable: undefined,
        secrets: () => seen
      }
    })
}

export const adapters: ReadonlyArray<Adapter> = [whatsgate, gunbot, nabi, terabox]

/** A call bounded in time by the user's own policy. */
export const withTimeout = (subject: Subject, millis: number) =>
  subject.call.pipe(Policy.timeout(subject.provider, `${millis} millis`))
