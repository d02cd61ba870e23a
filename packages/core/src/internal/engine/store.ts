/**
 * The session engine's store: a session saved after each login or renewal,
 * and restored at build when it is still valid and of this account.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Provider from "../../Provider.js"
import type { Persistence } from "../../SessionEngine.js"
import { Entry, entryFormat } from "../../SessionStore.js"
import { millisOr, storeTimeout } from "./base.js"
import { EngineFlights } from "./flights.js"

export abstract class EngineStore<P extends Provider.Any, R> extends EngineFlights<P, R> {
  save(session: Provider.Session<P>): Effect.Effect<void> {
    const persistence = this.options.persistence
    if (persistence === undefined) return Effect.void
    const entry = {
      v: entryFormat,
      key: persistence.key,
      account: persistence.account ?? persistence.key,
      session
    }
    return Schema.encode(Entry(persistence.schema))(entry).pipe(
      Effect.flatMap((encoded) => persistence.store.save(persistence.key, encoded)),
      Effect.timeoutFail({ duration: storeTimeout(persistence), onTimeout: () => ({ _tag: "Timeout" as const }) }),
      Effect.catchAll((error) =>
        Effect.logWarning(`authfx: could not save the ${this.provider} session`).pipe(
          Effect.annotateLogs({ ...this.attributes(), "error": error._tag })
        )
      )
    )
  }

  /** Restores a stored session: a still-valid one of this account means no login at all. */
  load(persistence: Persistence<Provider.Session<P>>): Effect.Effect<void> {
    return Effect.gen(this, function*() {
      type S = Provider.Session<P>
      const provider = this.provider
      const account = persistence.account ?? persistence.key
      const loaded = yield* persistence.store.load(persistence.key).pipe(
        Effect.timeoutFail({ duration: storeTimeout(persistence), onTimeout: () => ({ _tag: "Timeout" as const }) }),
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeed(Option.none<{ readonly session: S; readonly ours: boolean }>()),
          onSome: (encoded) =>
            Schema.decode(Entry(persistence.schema))(encoded).pipe(
              Effect.map((entry) => ({
                session: entry.session as S,
                ours: entry.key === persistence.key && entry.account === account
              })),
              // The bare session of earlier versions names no account: only `belongsTo` can vouch for it.
              Effect.orElse(() =>
                Effect.map(Schema.decode(Schema.parseJson(persistence.schema))(encoded), (session) => ({
                  session,
                  ours: persistence.belongsTo !== undefined
                }))
              ),
              Effect.asSome
            )
        })),
        Effect.catchAll((error) =>
          Effect.logWarning(`authfx: could not load the stored ${provider} session`).pipe(
            Effect.annotateLogs({ ...this.attributes(), "error": error._tag }),
            Effect.as(Option.none<{ readonly session: S; readonly ours: boolean }>())
          )
        )
      )
      if (Option.isNone(loaded)) return
      const now = yield* Clock.currentTimeMillis
      const stored = loaded.value.session
      const expiry = this.options.expiresAt?.(stored)
      const ours = loaded.value.ours && (persistence.belongsTo === undefined || persistence.belongsTo(stored))
      // An expiry decades away, or not a number, is not a session this engine wrote.
      const plausible = expiry === undefined || (Number.isFinite(expiry) && expiry < now + 10 * 365 * 86_400_000)
      if (!ours || !plausible) {
        yield* Effect.logWarning(
          `authfx: the stored ${provider} session ${
            ours ? "has an implausible expiry" : "belongs to another account"
          }: discarded`
        ).pipe(Effect.annotateLogs(this.attributes()))
      } else if (expiry === undefined || expiry - millisOr(this.options.expirySkew, 5_000) > now) {
        yield* this.install(stored, "store", now)
      } else {
        // An expired stored session is still a basis for a refresh (a 7-day
        // refresh token outlives a 30-minute access token).
        this.basis = stored
      }
    })
  }
}
