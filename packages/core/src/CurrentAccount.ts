/**
 * The account a service is built for, when a process holds many accounts of
 * one provider. The keyed forms (`Keyed.fromLayer`) provide it while they
 * build an account's layer; the session engine reads it, so every event, span
 * and log line of that account names it, whatever the provider.
 *
 * An account key names an account (a bot id, a user id, a wallet address); it
 * is never a secret.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"

/**
 * @since 0.1.0
 * @category references
 */
export class CurrentAccount extends Context.Reference<CurrentAccount>()("@authfx/core/CurrentAccount", {
  defaultValue: (): string | undefined => undefined
}) {}
