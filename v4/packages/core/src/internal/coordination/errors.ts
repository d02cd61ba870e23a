/** The errors of fleet coordination (exported by `Coordination`). */
import * as Schema from "effect/Schema"

/**
 * A backend command failed or timed out. Never carries a record.
 *
 * @since 1.0.0
 * @category errors
 */
export class CoordinationError extends Schema.TaggedError<CoordinationError>("@authfx/core/CoordinationError")(
  "CoordinationError",
  {
    operation: Schema.String,
    /**
     * `Authentication`: the backend refused the credentials it was given (a
     * wrong password, an ACL user without the permissions it needs) — not an
     * outage, a configuration to fix.
     */
    reason: Schema.Literals(["Timeout", "Unavailable", "Authentication", "Decode", "Crypto"]),
    description: Schema.optional(Schema.String)
  }
) {
  /**
   * @since 1.0.0
   */
  override get message(): string {
    return `coordination ${this.operation}: ${this.reason}${this.description ? ` (${this.description})` : ""}`
  }
}

/**
 * The lease was lost while held.
 *
 * @since 1.0.0
 * @category errors
 */
export class LeaseLost extends Schema.TaggedError<LeaseLost>("@authfx/core/LeaseLost")("LeaseLost", {
  key: Schema.String
}) {
  /**
   * @since 1.0.0
   */
  override get message(): string {
    return `the lease of ${this.key} was lost`
  }
}
