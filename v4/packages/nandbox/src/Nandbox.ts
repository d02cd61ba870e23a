/**
 * The nandbox provider: its session (an authenticated WebSocket), its frames
 * and its errors. The effect 4 line: the same names and shapes as the v3
 * line's module (`InboundFrame` is built with `Schema.StructWithRest`).
 *
 * @since 1.0.0
 */
import type * as AuthError from "@authfx/core/AuthError"
import type * as Provider from "@authfx/core/Provider"
import * as Schema from "effect/Schema"

/**
 * An authenticated connection, as `TOKEN_AUTH_OK` described it. `generation`
 * counts the connections of this layer: it changes on every re-authentication.
 *
 * @since 1.0.0
 * @category models
 */
export interface NandboxSession {
  readonly botId: string
  readonly name: string
  readonly reference: number | undefined
  /** When nandbox authenticated the connection, epoch milliseconds. */
  readonly date: number | undefined
  readonly generation: number
}

/**
 * What connecting and authenticating can fail with.
 *
 * @since 1.0.0
 * @category models
 */
export type NandboxAuthError =
  | AuthError.CredentialsRejected
  | AuthError.CredentialsMissing
  | AuthError.ConfigurationError
  | AuthError.TransportError
  | AuthError.ProtocolError

/**
 * @since 1.0.0
 * @category models
 */
export interface Nandbox extends Provider.Provider<"nandbox", NandboxSession, NandboxAuthError> {}

/**
 * A frame could not be sent: the outbound queue is full, the connection
 * layer was closed, or JSON cannot encode the frame (a `bigint`, a cycle; send
 * 64-bit ids as strings, as received). (A permanent authentication failure
 * fails `send` with that failure itself.)
 *
 * @since 1.0.0
 * @category errors
 */
export class NandboxSendError extends Schema.TaggedError<NandboxSendError>("@authfx/nandbox/NandboxSendError")(
  "NandboxSendError",
  {
    provider: Schema.Literal("nandbox"),
    reason: Schema.Literals(["QueueFull", "Closed", "Unencodable", "NotOwner"]),
    method: Schema.String
  }
) {
  /**
   * @since 1.0.0
   */
  override get message(): string {
    return this.reason === "QueueFull"
      ? `nandbox: the outbound queue is full; ${this.method} was not queued`
      : this.reason === "Unencodable"
      ? `nandbox: JSON cannot encode the frame (a bigint or a cycle); ${this.method} was not queued`
      : this.reason === "NotOwner"
      ? `nandbox: another replica of the fleet owns the connection; ${this.method} was not sent`
      : `nandbox: the connection was closed; ${this.method} was not sent`
  }
}

/**
 * @since 1.0.0
 * @category models
 */
export type SendError = NandboxSendError | NandboxAuthError

/**
 * A frame to send: any JSON object routed by its `method`.
 *
 * @since 1.0.0
 * @category models
 */
export interface OutboundFrame {
  readonly method: string
  readonly [key: string]: unknown
}

/**
 * A frame received after authentication: a JSON object, routed by its `method`
 * (a frame without one is an error report). Every inbound frame is decoded with
 * this schema before it is published; one that does not match (a `method` that
 * is not a string) is logged and dropped.
 *
 * @since 1.0.0
 * @category schemas
 */
export const InboundFrame = Schema.StructWithRest(
  Schema.Struct({ method: Schema.optional(Schema.String) }),
  [Schema.Record(Schema.String, Schema.Unknown)]
)

/**
 * @since 1.0.0
 * @category models
 */
export type InboundFrame = typeof InboundFrame.Type

/** @internal */
export const TokenAuthOk = Schema.Struct({
  method: Schema.Literal("TOKEN_AUTH_OK"),
  name: Schema.optional(Schema.String),
  ID: Schema.Union([Schema.String, Schema.Int]),
  reference: Schema.optional(Schema.Number),
  date: Schema.optional(Schema.Number)
})

/** @internal */
export const ErrorFrame = Schema.Struct({
  method: Schema.Literal("error"),
  code: Schema.Union([Schema.String, Schema.Number])
})
