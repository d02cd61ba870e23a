/**
 * Where sessions outlive the process: the engine loads a still-valid session at
 * start (so a restart needs no login) and saves every new one.
 *
 * Stored values are the sessions' schema encodings, secrets included, since a
 * session without its token is useless. A store that fails is logged and never
 * breaks authentication.
 *
 * A stored session belongs to one account: its entry (`Entry`) holds the key
 * it was stored under and the identity of its account (Nabi: the wallet
 * address; others: a fingerprint of the credential, never the secret), and
 * the engine uses it only when both match — an entry copied from another key
 * or account is discarded with a warning, and a normal login happens.
 *
 * @since 1.0.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as KeyValueStore from "effect/persistence/KeyValueStore"
import * as Schema from "effect/Schema"

/**
 * @since 1.0.0
 * @category errors
 */
export class SessionStoreError extends Data.TaggedError("SessionStoreError")<{
  readonly operation: "load" | "save" | "remove"
  readonly key: string
  readonly cause?: unknown
}> {
  /**
   * @since 1.0.0
   */
  override get message(): string {
    return `session store: ${this.operation} of ${this.key} failed`
  }
}

/**
 * @since 1.0.0
 * @category models
 */
export interface SessionStore {
  readonly load: (key: string) => Effect.Effect<Option.Option<string>, SessionStoreError>
  readonly save: (key: string, value: string) => Effect.Effect<void, SessionStoreError>
  readonly remove: (key: string) => Effect.Effect<void, SessionStoreError>
}

/**
 * @since 1.0.0
 * @category tags
 */
export const SessionStore: Context.Service<SessionStore, SessionStore> = Context.Service<SessionStore>(
  "@authfx/core/SessionStore"
)

/**
 * The key a session is stored under: the provider and the account, so one
 * store can hold several providers and several accounts of one provider.
 *
 * @since 1.0.0
 * @category constructors
 */
export const key = (provider: string, account: string): string => `authfx/${provider}/${account}`

/**
 * The format of an `Entry`: entries of other formats (the bare session of
 * earlier versions) are used only if the engine's `belongsTo` vouches for them.
 *
 * @since 1.0.0
 * @category models
 */
export const entryFormat = 2 as const

/**
 * What is stored for a session: the key it was stored under, the identity of
 * its account, and the session's schema encoding, as JSON (the same bytes as
 * the v3 line's, so both lines read each other's stores).
 *
 * @since 1.0.0
 * @category models
 */
export const Entry = <S extends Schema.Top>(session: S) =>
  Schema.fromJsonString(Schema.Struct({
    v: Schema.Literal(entryFormat),
    key: Schema.String,
    account: Schema.String,
    session
  }))

/**
 * A store in this process's memory.
 *
 * @since 1.0.0
 * @category constructors
 */
export const makeMemory = (): SessionStore => {
  const map = new Map<string, string>()
  return {
    load: (key) => Effect.sync(() => Option.fromNullishOr(map.get(key))),
    save: (key, value) => Effect.sync(() => void map.set(key, value)),
    remove: (key) => Effect.sync(() => void map.delete(key))
  }
}

/**
 * @since 1.0.0
 * @category layers
 */
export const layerMemory: Layer.Layer<SessionStore> = Layer.sync(SessionStore, makeMemory)

/**
 * A store on effect's `KeyValueStore` (`effect/persistence/KeyValueStore`,
 * `@stability unstable` in effect 4.1), e.g. `KeyValueStore.layerFileSystem`
 * for sessions kept in files.
 *
 * @since 1.0.0
 * @category constructors
 */
export const fromKeyValueStore = (store: KeyValueStore.KeyValueStore): SessionStore => {
  // File-system stores use the key as a file name: keep it to safe characters.
  const safe = (key: string) => key.replace(/[^A-Za-z0-9._-]/g, "_")
  return {
    load: (key) =>
      store.get(safe(key)).pipe(
        Effect.map(Option.fromUndefinedOr),
        Effect.mapError((cause) => new SessionStoreError({ operation: "load", key, cause }))
      ),
    save: (key, value) =>
      store.set(safe(key), value).pipe(
        Effect.mapError((cause) => new SessionStoreError({ operation: "save", key, cause }))
      ),
    remove: (key) =>
      store.remove(safe(key)).pipe(
        Effect.mapError((cause) => new SessionStoreError({ operation: "remove", key, cause }))
      )
  }
}

/**
 * @since 1.0.0
 * @category layers
 */
export const layerKeyValueStore: Layer.Layer<SessionStore, never, KeyValueStore.KeyValueStore> = Layer.effect(
  SessionStore,
  Effect.gen(function*() {
    return fromKeyValueStore(yield* KeyValueStore.KeyValueStore)
  })
)
