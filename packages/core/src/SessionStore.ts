/**
 * Where sessions outlive the process: the engine loads a still-valid session at
 * start (so a restart needs no login) and saves every new one.
 *
 * Stored values are the sessions' schema encodings, secrets included, since a
 * session without its token is useless: point a file store at a private
 * directory. A store that fails is logged and never breaks authentication.
 *
 * @since 0.1.0
 */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/**
 * @since 0.1.0
 * @category errors
 */
export class SessionStoreError extends Data.TaggedError("SessionStoreError")<{
  readonly operation: "load" | "save" | "remove"
  readonly key: string
  readonly cause?: unknown
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `session store: ${this.operation} of ${this.key} failed`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SessionStore {
  readonly load: (key: string) => Effect.Effect<Option.Option<string>, SessionStoreError>
  readonly save: (key: string, value: string) => Effect.Effect<void, SessionStoreError>
  readonly remove: (key: string) => Effect.Effect<void, SessionStoreError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export const SessionStore: Context.Tag<SessionStore, SessionStore> = Context.GenericTag<SessionStore>(
  "@authfx/core/SessionStore"
)

/**
 * The key a session is stored under: the provider and the account, so one
 * store can hold several providers and several accounts of one provider.
 *
 * @since 0.1.0
 * @category constructors
 */
export const key = (provider: string, account: string): string => `authfx/${provider}/${account}`

/**
 * A store in this process's memory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (): SessionStore => {
  const map = new Map<string, string>()
  return {
    load: (key) => Effect.sync(() => Option.fromNullable(map.get(key))),
    save: (key, value) => Effect.sync(() => void map.set(key, value)),
    remove: (key) => Effect.sync(() => void map.delete(key))
  }
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<SessionStore> = Layer.sync(SessionStore, makeMemory)

/**
 * A store on `@effect/platform`'s `KeyValueStore`, e.g. `layerFileSystem` from
 * `@effect/platform-node/NodeKeyValueStore` for sessions kept in files.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromKeyValueStore = (store: KeyValueStore.KeyValueStore): SessionStore => {
  // File-system stores use the key as a file name: keep it to safe characters.
  const safe = (key: string) => key.replace(/[^A-Za-z0-9._-]/g, "_")
  return {
    load: (key) =>
      store.get(safe(key)).pipe(
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
 * @since 0.1.0
 * @category layers
 */
export const layerKeyValueStore: Layer.Layer<SessionStore, never, KeyValueStore.KeyValueStore> = Layer.effect(
  SessionStore,
  Effect.map(KeyValueStore.KeyValueStore, fromKeyValueStore)
)
