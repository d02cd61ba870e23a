/**
 * The WhatsGate provider: its session, its errors and the shapes of its API.
 *
 * @since 1.0.0
 */
import type * as AuthError from "@authfx/core/AuthError"
import type * as Provider from "@authfx/core/Provider"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/**
 * A WhatsGate session is the `Access-Token` itself: it never expires, it ends
 * when it is regenerated in the dashboard.
 *
 * @since 1.0.0
 * @category models
 */
export interface WhatsGateSession {
  readonly token: Redacted.Redacted<string>
}

/**
 * What authenticating with WhatsGate can fail with.
 *
 * @since 1.0.0
 * @category models
 */
export type WhatsGateAuthError =
  | AuthError.CredentialsRejected
  | AuthError.CredentialsMissing
  | AuthError.ConfigurationError

/**
 * @since 1.0.0
 * @category models
 */
export interface WhatsGate extends Provider.Provider<"whatsgate", WhatsGateSession, WhatsGateAuthError> {}

/**
 * An answer WhatsGate gave on purpose: `success:false` with its message
 * (`Business`, or `NotFound` for an unknown device), or a validation failure
 * (`Validation`, HTTP 422) with the fields at fault. Retrying cannot change it.
 *
 * @since 1.0.0
 * @category errors
 */
export class WhatsGateApiError extends Schema.TaggedError<WhatsGateApiError>("@authfx/whatsgate/WhatsGateApiError")(
  "WhatsGateApiError",
  {
    provider: Schema.Literal("whatsgate"),
    reason: Schema.Literals(["Business", "NotFound", "Validation"]),
    status: Schema.Number,
    /** WhatsGate's own message, e.g. `Invalid phone number format`. */
    description: Schema.String,
    fields: Schema.optional(Schema.Record(Schema.String, Schema.Array(Schema.String)))
  }
) {
  /**
   * @since 1.0.0
   */
  override get message(): string {
    const fields = this.fields === undefined ? "" : ` [${Object.keys(this.fields).join(", ")}]`
    return `whatsgate: ${this.description}${fields} (status ${this.status})`
  }
}

/**
 * Every error a WhatsGate call can fail with.
 *
 * @since 1.0.0
 * @category models
 */
export type WhatsGateError =
  | WhatsGateAuthError
  | AuthError.TransportError
  | AuthError.ProtocolError
  | WhatsGateApiError

/**
 * @since 1.0.0
 * @category schemas
 */
export const DeviceStatus = Schema.Literals(["connected", "disconnected", "not connected", "not initialized"])

/**
 * @since 1.0.0
 * @category models
 */
export type DeviceStatus = typeof DeviceStatus.Type

/**
 * @since 1.0.0
 * @category schemas
 */
export const Sent = Schema.Struct({ success: Schema.Literal(true), message: Schema.String })

/**
 * @since 1.0.0
 * @category schemas
 */
export const StatusResponse = Schema.Struct({ success: Schema.Literal(true), message: DeviceStatus })

/**
 * @since 1.0.0
 * @category schemas
 */
export const ConnectResponse = Schema.Struct({ success: Schema.Literal(true), qrCode: Schema.String })

/**
 * @since 1.0.0
 * @category schemas
 */
export const Balance = Schema.Struct({
  success: Schema.Literal(true),
  remaining: Schema.Number,
  successful_count: Schema.Number,
  pending: Schema.Number,
  failed: Schema.Number
})

/**
 * @since 1.0.0
 * @category models
 */
export type Balance = typeof Balance.Type

/**
 * @since 1.0.0
 * @category schemas
 */
export const FailedNumber = Schema.Struct({ number: Schema.String, date: Schema.String })

/**
 * @since 1.0.0
 * @category models
 */
export type FailedNumber = typeof FailedNumber.Type

/**
 * @since 1.0.0
 * @category schemas
 */
export const FailedNumbers = Schema.Struct({ success: Schema.Literal(true), data: Schema.Array(FailedNumber) })

/** @internal */
export const ErrorBody = Schema.Struct({
  success: Schema.optional(Schema.Boolean),
  message: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Record(Schema.String, Schema.Array(Schema.String)))
})
