/**
 * The Gunbot provider: its session, its errors and the shapes of its API.
 *
 * Differences from the effect 3 line: `GunbotSessionSchema` is a `Schema.Codec` whose token is encoded as the plain
 * value (`Schema.RedactedFromValue`, the same JSON as v3's `Schema.Redacted(Schema.String)`); `Balance` renames
 * Gunbot's keys with `Schema.encodeKeys` (v3: `Schema.fromKey`), with the same decoded shape.
 *
 * @since 1.0.0
 */
import type * as AuthError from "@authfx/core/AuthError"
import * as Jwt from "@authfx/core/Jwt"
import type * as Provider from "@authfx/core/Provider"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/**
 * A Gunbot session: the JWT from `/auth/login` and its claims (read, not
 * verified). Without `exp`, it is kept until Gunbot answers 401.
 *
 * @since 1.0.0
 * @category models
 */
export interface GunbotSession {
  readonly token: Redacted.Redacted<string>
  readonly claims: Jwt.Claims | undefined
}

/**
 * The schema of a `GunbotSession`, for persisting or sharing it (the token is
 * encoded as its plain value, as the effect 3 line's schema encodes it).
 *
 * @since 1.0.0
 * @category schemas
 */
export const GunbotSessionSchema: Schema.Codec<GunbotSession, {
  readonly token: string
  readonly claims: typeof Jwt.Claims.Encoded | undefined
}> = Schema.Struct({ token: Schema.RedactedFromValue(Schema.String), claims: Schema.UndefinedOr(Jwt.Claims) })

/**
 * What logging in to Gunbot can fail with.
 *
 * @since 1.0.0
 * @category models
 */
export type GunbotAuthError =
  | AuthError.CredentialsRejected
  | AuthError.ConfigurationError
  | AuthError.TransportError
  | AuthError.ProtocolError

/**
 * @since 1.0.0
 * @category models
 */
export interface Gunbot extends Provider.Provider<"gunbot", GunbotSession, GunbotAuthError> {}

/**
 * Gunbot's `ErrorResponse` on a call it refused for another reason than
 * authentication (e.g. 400 `Invalid input`).
 *
 * @since 1.0.0
 * @category errors
 */
export class GunbotApiError extends Schema.TaggedError<GunbotApiError>("@authfx/gunbot/GunbotApiError")(
  "GunbotApiError",
  {
    provider: Schema.Literal("gunbot"),
    status: Schema.Number,
    /** Gunbot's own message. */
    description: Schema.String,
    code: Schema.optional(Schema.Union([Schema.Number, Schema.Null])),
    /** The refused call, `METHOD /api/v1/...` (no host, no query). */
    route: Schema.optional(Schema.String)
  }
) {
  /**
   * @since 1.0.0
   */
  override get message(): string {
    const route = this.route !== undefined ? ` on ${this.route}` : ""
    return `gunbot: ${this.description} (status ${this.status})${route}`
  }
}

/**
 * Every error a Gunbot call can fail with.
 *
 * @since 1.0.0
 * @category models
 */
export type GunbotError = GunbotAuthError | GunbotApiError

/**
 * @since 1.0.0
 * @category schemas
 */
export const LoginResponse = Schema.Struct({
  status: Schema.optional(Schema.Literal("success")),
  token: Schema.NonEmptyString
})

/**
 * `GET /api/v1/auth/status`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const AuthStatus = Schema.Struct({
  code: Schema.optional(Schema.Number),
  isDemo: Schema.optional(Schema.Boolean),
  isRegistered: Schema.optional(Schema.Boolean),
  isTwoFA: Schema.optional(Schema.Boolean),
  metamask: Schema.optional(Schema.Boolean),
  status: Schema.Literal("success"),
  message: Schema.String
})

/**
 * @since 1.0.0
 * @category models
 */
export type AuthStatus = typeof AuthStatus.Type

/** @internal */
export const ErrorResponse = Schema.Struct({
  status: Schema.optional(Schema.String),
  message: Schema.String,
  code: Schema.optional(Schema.Union([Schema.Number, Schema.Null]))
})

/**
 * One row of `POST /api/v1/balances`. Gunbot's keys are `Asset`, `Exchange`,
 * `Available Qty` and `On Order` (the OpenAPI specification's `BalanceItem`
 * and the documentation's example answer); they are renamed here, and the
 * quantities stay strings, as Gunbot sends them (decimal text, no rounding).
 *
 * @since 1.0.0
 * @category schemas
 */
export const Balance = Schema.Struct({
  asset: Schema.String,
  exchange: Schema.String,
  availableQty: Schema.String,
  onOrder: Schema.optional(Schema.String)
}).pipe(
  Schema.encodeKeys({ asset: "Asset", exchange: "Exchange", availableQty: "Available Qty", onOrder: "On Order" })
)

/**
 * @since 1.0.0
 * @category models
 */
export type Balance = typeof Balance.Type

/**
 * `POST /api/v1/balances` answers an array (`BalancesResponse`).
 *
 * @since 1.0.0
 * @category schemas
 */
export const Balances = Schema.Array(Balance)

/**
 * A limit order (`TradeLimitOrderData`): exchange, pair (`USDT-BTC`), amount and limit price.
 *
 * @since 1.0.0
 * @category models
 */
export interface LimitOrder {
  readonly exch: string
  readonly pair: string
  readonly amt: number
  readonly price: number
}

/**
 * A market order (`TradeMarketOrderData`): `price` is optional (Gunbot's
 * simulator needs one; for real trading the market price is used).
 *
 * @since 1.0.0
 * @category models
 */
export interface MarketOrder {
  readonly exch: string
  readonly pair: string
  readonly amt: number
  readonly price?: number | undefined
}

/**
 * What the trade routes answer (`TradeResponse`): `{"status":"success","message":"Order sent"}`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const TradeResponse = Schema.Struct({
  status: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String)
})

/**
 * @since 1.0.0
 * @category models
 */
export type TradeResponse = typeof TradeResponse.Type
