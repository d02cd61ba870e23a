/**
 * The account a service is built for, when a process holds many accounts of
 * one provider. The keyed forms (`Keyed.fromLayer`) provide it while they
 * build an account's layer; the session engine reads it, so every event, span
 * and log line of that account names it, whatever the provider.
 *
 * An account key names an account (a bot id, a user id, a wallet address); it
 * is never a secret.
 *
 * @since 1.0.0
 */
import * as Context from "effect/Context"

/**
 * `undefined` outside a keyed service. (effect 4's `Context.Reference` is a
 * value, where effect 3's was a class: read it with `yield* CurrentAccount`,
 * set it with `Effect.provideService(CurrentAccount, key)`, as in the v3 line.)
 *
 * @since 1.0.0
 * @category references
 */
export const CurrentAccount: Context.Reference<string | undefined> = Context.Reference<string | undefined>(
  "@authfx/core/CurrentAccount",
  { defaultValue: () => undefined }
)
