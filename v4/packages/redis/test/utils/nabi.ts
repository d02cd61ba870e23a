/**
 * Replicas of a Nabi application for the fleet tests, as the v3 line's: each its own `NabiAuth`, Redis connections
 * and scope, signing with the demo key through the v4 Nabi fake. The provider-neutral fleet tests use `fleet.ts`.
 */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as Coordination from "@authfx/core/Coordination"
import type * as Nabi from "@authfx/nabi/Nabi"
import * as NabiAuth from "@authfx/nabi/NabiAuth"
import * as TonSigner from "@authfx/nabi/TonSigner"
import { NabiFake } from "@authfx/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as RedisCoordination from "../../src/RedisCoordination.js"
import { redisUrl } from "./fleet.js"

const signer = (address: string = NabiFake.demoAccount.address) =>
  TonSigner.layerFromMnemonic({ mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic), address })

/** Two wallets of the demo key (v4r2, the default, and v5r1), both known to a fake made with these accounts. */
export const twoWallets = [
  { address: NabiFake.demoAccount.addresses.v4r2, publicKey: Buffer.from(NabiFake.demoAccount.publicKeyHex, "hex") },
  { address: NabiFake.demoAccount.addresses.v5r1, publicKey: Buffer.from(NabiFake.demoAccount.publicKeyHex, "hex") }
]

/** The record key of a wallet under `prefix`: Nabi's coordination key is `nabi/<address>`. */
export const recordKey = (prefix: string, address: string = NabiFake.demoAccount.address) =>
  `${prefix}:{nabi/${address}}:session`

export interface Replica {
  readonly auth: Authenticated.Authenticated<Nabi.Nabi>
  readonly backend: RedisCoordination.RedisBackend
  /** Closes the replica's scope: its fibers stop and its connections close, its lease is left to lapse. */
  readonly kill: Effect.Effect<void>
}

export interface ReplicaOptions {
  readonly fakeUrl: string
  readonly prefix: string
  readonly coordination?: RedisCoordination.Options
  readonly engine?: NabiAuth.Options["engine"]
  /** The wallet (default: the demo account's v4r2 address). */
  readonly address?: string | undefined
}

export const replica = (options: ReplicaOptions): Effect.Effect<Replica> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const backend = yield* RedisCoordination.makeBackend({
      url: redisUrl!,
      prefix: options.prefix,
      ...options.coordination
    }).pipe(Scope.provide(scope))
    const service = Coordination.make(backend, {
      lease: "500 millis",
      poll: "100 millis",
      adoptMargin: "200 millis",
      ...options.coordination
    })
    const layer = NabiAuth.layer({
      url: options.fakeUrl,
      retry: false,
      engine: { refreshAt: 0.5, refreshJitter: 0, refreshMargin: 0, ...options.engine }
    }).pipe(
      Layer.provide(Layer.mergeAll(FetchHttpClient.layer, signer(options.address))),
      Layer.provide(Layer.succeed(Coordination.Coordination, service))
    )
    const context = yield* Layer.buildWithScope(layer, scope).pipe(Effect.orDie)
    return { auth: Context.get(context, NabiAuth.NabiAuth), backend, kill: Scope.close(scope, Exit.void) }
  })
