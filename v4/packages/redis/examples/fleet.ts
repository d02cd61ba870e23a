import * as Coordination from "@authfx/core/Coordination"
import type * as Provider from "@authfx/core/Provider"
import * as SessionEngine from "@authfx/core/SessionEngine"
import { Encryption, RedisCoordination } from "@authfx/redis"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

// Records sealed with AUTHFX_RECORD_KEY (32 random bytes, base64, the same on every replica), on the Redis of
// AUTHFX_REDIS_URL (a secret: it may hold a password).
export const CoordinationLive = Layer.unwrap(
  Effect.gen(function*() {
    const cipher = yield* Encryption.aesGcm(yield* Config.Redacted("AUTHFX_RECORD_KEY"))
    return RedisCoordination.layerConfig({ cipher })
  })
)

// A session of your API; a shared one keeps its secret in its encoding (RedactedFromValue).
export const Session = Schema.Struct({ token: Schema.RedactedFromValue(Schema.String), expiresAt: Schema.Number })
interface Api extends Provider.Provider<"api", typeof Session.Type, never> {}

// One login for the whole fleet: the engine shares its session through the Coordination in context (none: alone).
export const engine = (login: Effect.Effect<typeof Session.Type>) =>
  Effect.gen(function*() {
    const coordination = yield* Coordination.forSession({
      provider: "api",
      key: Coordination.key("api", "main"),
      schema: Session,
      expiresAt: (session) => session.expiresAt
    })
    return yield* SessionEngine.make<Api>({
      provider: "api",
      acquire: login,
      expiresAt: (session) => session.expiresAt,
      coordination
    })
  })
