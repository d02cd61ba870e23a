/**
 * `Coordination` on Redis: one session per credential across every replica
 * that points at the same Redis (ioredis 5).
 *
 * Per credential, under one hash tag so that it works on Redis Cluster:
 *
 * - `authfx:{<key>}:session` — a hash `{ g: generation, p: payload }`, the
 *   session's schema encoding (tokens included; seal it with
 *   `Encryption.aesGcm`);
 * - `authfx:{<key>}:lease` — the renewal lease, `SET NX PX` with a random
 *   owner token, kept alive by Lua only while that owner holds it;
 * - `authfx:{<key>}:owner` — nandbox's connection lease;
 * - channel `authfx:{<key>}:generation` — each committed generation.
 *
 * Every command has a timeout (default 1 s) and the client does not queue
 * commands while disconnected, so a Redis that is down or stalled costs a
 * renewal at most that long before it runs locally (see `Coordination`).
 *
 * @since 0.1.0
 */
import * as Coordination from "@authfx/core/Coordination"
import * as Redaction from "@authfx/protocol/Redaction"
import * as Scripts from "@authfx/protocol/RedisScripts"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Redis, type RedisOptions } from "ioredis"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Coordination.Options {
  /** `redis://[:password@]host:port/db`, `rediss://…` or `unix:///path/to/socket` (default `redis://127.0.0.1:6379`). */
  readonly url?: Redacted.Redacted<string> | string | undefined
  /** ioredis options (TLS, sentinels, a password), merged over those the URL gives. */
  readonly redis?: RedisOptions | undefined
  /** The first segment of every key (default `authfx`). */
  readonly prefix?: string | undefined
  /** Bound on each command (default 1 s). */
  readonly commandTimeout?: Duration.DurationInput | undefined
}

/**
 * What a Redis backend counts: one `commands` per round trip, by operation.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  commands: number
  tryLease: number
  extend: number
  release: number
  commit: number
  failures: number
}

/**
 * A Redis backend and its counters.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisBackend extends Coordination.Backend {
  readonly stats: Stats
}

interface ScriptedRedis extends Redis {
  authfxTryLease(
    lock: string,
    record: string,
    owner: string,
    lease: number,
    known: number
  ): Promise<[number, number, string, string, string]>
  authfxExtend(lock: string, owner: string, lease: number): Promise<number>
  authfxRelease(lock: string, owner: string): Promise<number>
  authfxCommit(
    lock: string,
    record: string,
    owner: string,
    expected: number,
    payload: string,
    channel: string,
    atLeast: number
  ): Promise<[number, string, string?, string?]>
}

const { describe, isAuthenticationError } = Scripts

const connectionOptions = (options: Options): { url: string; redis: RedisOptions } => {
  const url = options.url === undefined
    ? "redis://127.0.0.1:6379"
    : Redacted.isRedacted(options.url)
    ? Redacted.value(options.url)
    : options.url
  return { url, redis: options.redis ?? {} }
}

const createClient = (url: string, extra: RedisOptions, timeout: number): Redis => {
  const base: RedisOptions = {
    lazyConnect: true,
    // Commands fail at once while disconnected instead of queueing: the protocol falls back to local renewals.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: timeout,
    connectTimeout: Math.max(timeout, 1000),
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
    ...extra
  }
  if (url.startsWith("unix://")) return new Redis({ ...base, path: url.slice("unix://".length) })
  return new Redis(url, base)
}

/**
 * Connects to Redis and makes the backend; both connections (commands and
 * subscriptions) close with the scope. An unreachable Redis is not an error:
 * the backend's commands fail until it is back, and renewals run locally.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeBackend = (options: Options = {}): Effect.Effect<RedisBackend, never, Scope.Scope> =>
  Effect.gen(function*() {
    const prefix = options.prefix ?? "authfx"
    const timeout = Duration.toMillis(options.commandTimeout ?? Duration.seconds(1))
    const { redis: extra, url } = connectionOptions(options)
    const stats: Stats = { commands: 0, tryLease: 0, extend: 0, release: 0, commit: 0, failures: 0 }

    // The last reason the connection failed: commands then fail with "Stream isn't writeable", which says nothing
    // of a wrong password.
    let connectionError: unknown
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const redis = createClient(url, extra, timeout)
        // Without a listener, a connection error is an uncaught exception; it is kept to explain failed commands.
        redis.on("error", (error: unknown) => {
          connectionError = error
        })
        redis.on("ready", () => {
          connectionError = undefined
        })
        redis.defineCommand("authfxTryLease", { numberOfKeys: 2, lua: Scripts.tryLease })
        redis.defineCommand("authfxExtend", { numberOfKeys: 1, lua: Scripts.extend })
        redis.defineCommand("authfxRelease", { numberOfKeys: 1, lua: Scripts.release })
        redis.defineCommand("authfxCommit", { numberOfKeys: 2, lua: Scripts.commit })
        return redis as ScriptedRedis
      }),
      (redis) => Effect.sync(() => redis.disconnect())
    )
    const subscriber = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const redis = createClient(url, { ...extra, enableOfflineQueue: true }, timeout)
        redis.on("error", () => {})
        return redis
      }),
      (redis) => Effect.sync(() => redis.disconnect())
    )

    const connect = (redis: Redis) =>
      Effect.tryPromise(() => redis.connect()).pipe(
        Effect.timeout(Duration.millis(Math.max(timeout, 1000))),
        Effect.catchAll(() =>
          isAuthenticationError(connectionError)
            ? Effect.logWarning(
              `authfx: Redis at ${Redaction.userInfo(url)} refused the credentials (${
                describe(connectionError)
              }); renewals run locally until they are fixed`
            ).pipe(Effect.annotateLogs("authfx.coordination.reason", "Authentication"))
            : Effect.logWarning(
              `authfx: Redis at ${Redaction.userInfo(url)} is not reachable yet; renewals run locally until it is`
            ).pipe(Effect.annotateLogs("authfx.coordination.reason", "Unavailable"))
        )
      )
    yield* connect(client)

    // Waiters for a publication, by key; and the newest generation heard per key.
    interface Waiter {
      readonly after: number
      readonly deferred: Deferred.Deferred<void>
    }
    const waiters = new Map<string, Set<Waiter>>()
    const heard = new Map<string, number>()
    const wakeAll = () => {
      for (const set of waiters.values()) for (const w of set) Deferred.unsafeDone(w.deferred, Exit.void)
    }
    const channels = Scripts.channels(prefix)
    subscriber.on("pmessage", (_pattern: string, channel: string, message: string) => {
      const key = channels.keyOf(channel)
      if (key === undefined) return
      const generation = Number(message)
      if (!Number.isFinite(generation)) return
      if (generation > (heard.get(key) ?? 0)) heard.set(key, generation)
      const set = waiters.get(key)
      if (set === undefined) return
      for (const w of set) if (generation > w.after) Deferred.unsafeDone(w.deferred, Exit.void)
    })
    // A (re)subscription may have missed publications: everybody waiting reads again.
    subscriber.on("ready", wakeAll)
    yield* Effect.tryPromise(() => subscriber.connect().then(() => subscriber.psubscribe(channels.pattern)))
      .pipe(Effect.timeout(Duration.millis(Math.max(timeout, 1000))), Effect.ignore)

    const names = (key: string, lock: string) => Scripts.names(prefix, key, lock)

    /** A failed command, by what it says, or by why the connection failed when it says only that it is down. */
    const failure = (operation: string, error: unknown) =>
      isAuthenticationError(error)
        ? new Coordination.CoordinationError({ operation, reason: "Authentication", description: describe(error) })
        : isAuthenticationError(connectionError)
        ? new Coordination.CoordinationError({
          operation,
          reason: "Authentication",
          description: describe(connectionError)
        })
        : Scripts.isCommandTimeout(error)
        // ioredis's own `commandTimeout`: the command was sent and may still run.
        ? new Coordination.CoordinationError({ operation, reason: "Timeout" })
        : new Coordination.CoordinationError({ operation, reason: "Unavailable", description: describe(error) })

    const command = <A>(operation: keyof Omit<Stats, "commands" | "failures">, run: () => Promise<A>) =>
      Effect.suspend(() => {
        stats.commands += 1
        stats[operation] += 1
        return Effect.tryPromise({
          try: run,
          catch: (error) => failure(operation, error)
        }).pipe(
          Effect.timeoutFail({
            duration: Duration.millis(timeout),
            onTimeout: () => new Coordination.CoordinationError({ operation, reason: "Timeout" })
          }),
          Effect.tapError(() => Effect.sync(() => void (stats.failures += 1)))
        )
      })

    const backend: RedisBackend = {
      name: "redis",
      stats,
      tryLease: (key, lock, owner, leaseMillis, known) => {
        const n = names(key, lock)
        return command(
          "tryLease",
          () => client.authfxTryLease(n.lock, n.record, owner, Math.ceil(leaseMillis), known ?? -1)
        ).pipe(Effect.map(Scripts.leaseAttemptOf))
      },
      extend: (key, lock, owner, leaseMillis) =>
        command("extend", () => client.authfxExtend(names(key, lock).lock, owner, Math.ceil(leaseMillis))).pipe(
          Effect.map((n) => n === 1)
        ),
      release: (key, lock, owner) =>
        Effect.asVoid(command("release", () => client.authfxRelease(names(key, lock).lock, owner))),
      commit: (key, lock, owner, expected, payload, atLeast) => {
        const n = names(key, lock)
        return command(
          "commit",
          () => client.authfxCommit(n.lock, n.record, owner, expected, payload, n.channel, atLeast)
        ).pipe(Effect.map(Scripts.commitResultOf))
      },
      awaitPublish: (key, after, millis) =>
        Effect.suspend(() => {
          const tagged = Scripts.tag(key)
          if ((heard.get(tagged) ?? 0) > after) return Effect.void
          const waiter: Waiter = { after, deferred: Deferred.unsafeMake<void>(FiberId.none) }
          let set = waiters.get(tagged)
          if (set === undefined) waiters.set(tagged, set = new Set())
          set.add(waiter)
          return Deferred.await(waiter.deferred).pipe(
            Effect.timeout(Duration.millis(millis)),
            Effect.ignore,
            Effect.ensuring(Effect.sync(() => {
              const current = waiters.get(tagged)
              current?.delete(waiter)
              if (current?.size === 0) waiters.delete(tagged)
            }))
          )
        })
    }
    return backend
  })

/**
 * Checks a Redis the way the backend uses it, within `commandTimeout`:
 * connects, authenticates, and runs the release script on a probe key (no
 * effect: it deletes a lease only for an owner token nobody has), so that a
 * missing script or key permission shows too. Fails with `Authentication`
 * when Redis refuses the credentials or an ACL forbids what the backend needs,
 * `Unavailable` or `Timeout` otherwise. For `authfx status` and health checks.
 *
 * @since 0.1.0
 * @category constructors
 */
export const check = (options: Options = {}): Effect.Effect<void, Coordination.CoordinationError> =>
  Effect.gen(function*() {
    const prefix = options.prefix ?? "authfx"
    const timeout = Duration.toMillis(options.commandTimeout ?? Duration.seconds(1))
    const { redis: extra, url } = connectionOptions(options)
    let connectionError: unknown
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => {
        // One attempt: a check reports, it does not wait for a Redis to come back.
        const redis = createClient(url, { ...extra, retryStrategy: () => null }, timeout)
        redis.on("error", (error: unknown) => {
          connectionError = error
        })
        redis.defineCommand("authfxRelease", { numberOfKeys: 1, lua: Scripts.release })
        return redis as ScriptedRedis
      }),
      (redis) => Effect.sync(() => redis.disconnect())
    )
    const failed = (operation: string) => (error: unknown) => {
      const cause = isAuthenticationError(error) ? error : connectionError ?? error
      return new Coordination.CoordinationError({
        operation,
        reason: isAuthenticationError(cause) ? "Authentication" : "Unavailable",
        description: describe(cause)
      })
    }
    const bounded = <A>(operation: string, run: () => Promise<A>) =>
      Effect.tryPromise({ try: run, catch: failed(operation) }).pipe(
        Effect.timeoutFail({
          duration: Duration.millis(Math.max(timeout, 1000)),
          onTimeout: () => new Coordination.CoordinationError({ operation, reason: "Timeout" })
        })
      )
    yield* bounded("connect", () => client.connect())
    yield* bounded("ping", () => client.ping())
    yield* bounded("script", () => client.authfxRelease(`${prefix}:{authfx-check}:lease`, newProbeOwner()))
  }).pipe(Effect.scoped)

const newProbeOwner = () => `check-${globalThis.crypto.randomUUID()}`

/**
 * The coordination service on Redis.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Coordination.Service, never, Scope.Scope> =>
  Effect.map(makeBackend(options), (backend) => Coordination.make(backend, options))

/**
 * Provides `Coordination` on Redis.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Coordination.Coordination> =>
  Layer.scoped(Coordination.Coordination, make(options))

/**
 * Reads `AUTHFX_REDIS_URL` (a secret: it may hold a password) and provides
 * `Coordination` on that Redis.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<Options, "url"> = {}
): Layer.Layer<Coordination.Coordination, ConfigError.ConfigError> =>
  Layer.unwrapEffect(
    Effect.map(
      Config.option(Config.redacted("AUTHFX_REDIS_URL")),
      (url) => layer({ ...options, url: Option.getOrUndefined(url) })
    )
  )
