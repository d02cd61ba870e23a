/** Replicas of an application for the fleet tests: each its own engine, Redis connections and scope. */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as Coordination from "@authfx/core/Coordination"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { inject } from "vitest"
import * as RedisCoordination from "../../src/RedisCoordination.js"
import * as Tokens from "./tokens.js"

export const redisUrl = inject("redisUrl")

/** The account every replica of a test acts for (its coordination key: `tokens/<account>`). */
export const account = "account-1"

/** The record key of `account` under `prefix`. */
export const recordKey = (prefix: string, of: string = account) => `${prefix}:{tokens/${of}}:session`
/** The renewal lease key of `account` under `prefix`. */
export const leaseKey = (prefix: string, of: string = account) => `${prefix}:{tokens/${of}}:lease`

export interface Replica {
  readonly auth: Authenticated.Authenticated<Tokens.Tokens>
  readonly backend: RedisCoordination.RedisBackend
  /** Closes the replica's scope: its fibers stop and its connections close, its lease is left to lapse. */
  readonly kill: Effect.Effect<void>
}

export interface ReplicaOptions {
  readonly fakeUrl: string
  readonly prefix: string
  readonly coordination?: RedisCoordination.Options
  readonly engine?: Partial<SessionEngine.Options<Tokens.Tokens>> | undefined
  /** Changes the backend (a crash hook). */
  readonly wrap?: ((backend: Coordination.Backend) => Coordination.Backend) | undefined
  readonly url?: string | undefined
  /** The account (default `account`). */
  readonly account?: string | undefined
}

export const replica = (options: ReplicaOptions): Effect.Effect<Replica> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const backend = yield* RedisCoordination.makeBackend({
      url: options.url ?? redisUrl!,
      prefix: options.prefix,
      ...options.coordination
    }).pipe(Scope.provide(scope))
    const service = Coordination.make(options.wrap ? options.wrap(backend) : backend, {
      lease: "500 millis",
      poll: "100 millis",
      adoptMargin: "200 millis",
      ...options.coordination
    })
    const provider = Tokens.provider(options.fakeUrl, options.account ?? account)
    const auth = yield* SessionEngine.make<Tokens.Tokens>({
      provider: "tokens",
      acquire: provider.acquire,
      refresh: provider.refresh,
      expiresAt: provider.expiresAt,
      refreshAt: 0.5,
      refreshJitter: 0,
      refreshMargin: 0,
      ...options.engine,
      coordination: service.session({
        provider: "tokens",
        key: Coordination.key("tokens", options.account ?? account),
        account: options.account ?? account,
        schema: Tokens.TokenSession,
        expiresAt: provider.expiresAt,
        belongsTo: (session) => session.account === (options.account ?? account)
      })
    }).pipe(Scope.provide(scope))
    return { auth, backend, kill: Scope.close(scope, Exit.void) }
  })

let prefixes = 0
/** A key prefix of its own per test, so tests never see each other's records. */
export const freshPrefix = () => `t${process.pid}-${Date.now()}-${++prefixes}`
