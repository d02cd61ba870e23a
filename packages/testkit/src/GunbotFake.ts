/**
 * A loopback Gunbot REST API, written from Gunbot's documentation and its
 * official OpenAPI file: `POST /api/v1/auth/login` with the AES-encrypted
 * password, HS256 JWTs with `exp`/`iat`, `GET /api/v1/auth/status`, a few
 * protected routes, and `ErrorResponse` bodies.
 *
 * Undocumented behaviour is switchable: the status of a wrong password
 * (`wrongPasswordStatus`, 401 or 400) and whether tokens carry `exp`.
 *
 * @since 0.1.0
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createCipheriv } from "node:crypto"
import * as FakeServer from "./FakeServer.js"
import { type Faults, makeFaults } from "./internal/faults.js"
import { makeJwt } from "./internal/jwt.js"
import { randomToken } from "./internal/random.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The plain password (random by default). */
  readonly password?: string | undefined
  /** `config.bot.gunthy_wallet` (random, 34 characters, by default). */
  readonly gunthyWallet?: string | undefined
  /** Token lifetime in seconds (default 3600). */
  readonly tokenLifetimeSeconds?: number | undefined
  /** Whether tokens carry `exp` (default true). */
  readonly includeExp?: boolean | undefined
  /**
   * Status of a wrong password: undocumented, so switchable (default 401). `200` answers with the
   * specification's ErrorResponse body (`"status": "error"`) under a 200, which some Gunbot builds do.
   */
  readonly wrongPasswordStatus?: 200 | 400 | 401 | undefined
  /** The fake's clock, in epoch milliseconds (default `Date.now`). */
  readonly now?: (() => number) | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Counters {
  requests: number
  logins: number
  failedLogins: number
  /** 401 answers on protected routes. */
  rejected: number
  /** Protected requests that were accepted. */
  authorized: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface GunbotFake extends Faults {
  readonly url: string
  readonly password: () => string
  readonly gunthyWallet: string
  /** The password as the login expects it: `ENC:` + base64. */
  readonly encryptedPassword: () => string
  readonly env: () => Readonly<Record<string, string>>
  readonly counters: Counters
  /** Every token issued so far is refused from now on (as after a restart with a new secret). */
  readonly revokeTokens: () => void
  /** Every token issued so far expires now. */
  readonly expireTokens: () => void
  readonly changePassword: (password: string) => void
  readonly setTokenLifetime: (seconds: number) => void
  /** The token secret, to check the fake's own signatures in its tests. */
  readonly jwtSecret: string
}

const errorResponse = (status: number, message: string, code?: number) =>
  HttpServerResponse.unsafeJson({ status: "error", message, ...(code !== undefined ? { code } : {}) }, { status })

/** The fake's own encryption, from the Gunbot docs' Node.js helper. */
export const encryptPassword = (password: string, wallet: string): string => {
  const key = Buffer.from(wallet, "utf8").subarray(0, 16)
  const cipher = createCipheriv("aes-128-cbc", key, key)
  return "ENC:" + Buffer.concat([cipher.update(password, "utf8"), cipher.final()]).toString("base64")
}

/**
 * Starts the fake for the life of the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<GunbotFake, never, Scope.Scope> =>
  Effect.gen(function*() {
    let password = options.password ?? randomToken("gb-pass")
    const wallet = options.gunthyWallet ?? randomToken("0x").slice(0, 34)
    let lifetime = options.tokenLifetimeSeconds ?? 3600
    const includeExp = options.includeExp ?? true
    const wrongStatus = options.wrongPasswordStatus ?? 401
    const now = options.now ?? Date.now
    const secret = randomToken("jwt-secret")
    const counters: Counters = { requests: 0, logins: 0, failedLogins: 0, rejected: 0, authorized: 0 }
    const faults = makeFaults()
    let serial = 0
    /** Tokens with `jti` at or below this are refused. */
    let revokedUpTo = 0
    /** Tokens with `jti` at or below this are expired, whatever their `exp`. */
    let expiredUpTo = 0

    const jwt = makeJwt(secret)
    const sign = jwt.sign

    const verify = (token: string): boolean => {
      const claims = jwt.verify(token)
      if (claims === undefined || typeof claims["jti"] !== "number") return false
      if (claims["jti"] <= revokedUpTo || claims["jti"] <= expiredUpTo) return false
      return claims["exp"] === undefined || claims["exp"] * 1000 > now()
    }

    const protectedRoute = (
      handler: Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>
    ) =>
      Effect.gen(function*() {
        counters.requests += 1
        const fault = yield* faults.next
        if (fault !== undefined) return fault
        const request = yield* HttpServerRequest.HttpServerRequest
        const header = request.headers["authorization"] ?? ""
        const token = header.startsWith("Bearer ") ? header.slice(7).trim() : ""
        if (!verify(token)) {
          counters.rejected += 1
          return errorResponse(401, "Authentication required", 401)
        }
        counters.authorized += 1
        return yield* handler
      })

    const login = Effect.gen(function*() {
      counters.requests += 1
      const fault = yield* faults.next
      if (fault !== undefined) return fault
      const request = yield* HttpServerRequest.HttpServerRequest
      const body = yield* request.json.pipe(Effect.orElseSucceed(() => undefined))
      const given = typeof body === "object" && body !== null
        ? (body as Record<string, unknown>)["password"]
        : undefined
      if (typeof given !== "string" || given.length === 0) return errorResponse(400, "Invalid input")
      if (given !== encryptPassword(password, wallet)) {
        counters.failedLogins += 1
        return errorResponse(wrongStatus, "Invalid password", wrongStatus)
      }
      counters.logins += 1
      serial += 1
      const iat = Math.floor(now() / 1000)
      const claims: Record<string, unknown> = { iat, jti: serial, sub: "gunbot-user" }
      if (includeExp) claims["exp"] = iat + lifetime
      return HttpServerResponse.unsafeJson({ status: "success", token: sign(claims) })
    })

    const router = HttpRouter.empty.pipe(
      HttpRouter.post("/api/v1/auth/login", login),
      HttpRouter.get(
        "/api/v1/auth/status",
        protectedRoute(Effect.succeed(HttpServerResponse.unsafeJson({
          code: 200,
          isDemo: false,
          isRegistered: true,
          isTwoFA: false,
          metamask: false,
          status: "success",
          message: "Authenticated"
        })))
      ),
      // Balances: `POST /api/v1/balances`, answering an array of { exchange, asset, availableQty, onOrder } (the
      // OpenAPI specification's BalancesResponse/BalanceItem, as the official SDK sends and reads it). There is no
      // `GET /balances`: like any unknown route, it is a 404.
      HttpRouter.post(
        "/api/v1/balances",
        protectedRoute(Effect.succeed(HttpServerResponse.unsafeJson([
          { exchange: "binance", asset: "USDT", availableQty: "1000.00", onOrder: "0.00" },
          { exchange: "binance", asset: "BTC", availableQty: "0.01000000", onOrder: "0.00000000" }
        ])))
      ),
      // Trade routes take their order under `data` ({ exch, pair, amt, price }: the specification's
      // TradeLimitOrderRequest); an order sent at the top level is invalid input.
      HttpRouter.post(
        "/api/v1/trade/buy",
        protectedRoute(Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const body = yield* request.json.pipe(Effect.orElseSucceed(() => ({})))
          const data = (body as Record<string, unknown>)["data"]
          const input = typeof data === "object" && data !== null ? data as Record<string, unknown> : {}
          if (
            typeof input["exch"] !== "string" || typeof input["pair"] !== "string" ||
            typeof input["amt"] !== "number" || typeof input["price"] !== "number"
          ) {
            return errorResponse(400, "Invalid input")
          }
          return HttpServerResponse.unsafeJson({ status: "success", message: "Order placed" })
        }))
      )
    )

    const started = yield* FakeServer.serve(router)
    faults.attach(started)
    return {
      ...faults.controls,
      url: started.url,
      password: () => password,
      gunthyWallet: wallet,
      encryptedPassword: () => encryptPassword(password, wallet),
      env: () => ({ GUNBOT_URL: started.url, GUNBOT_PASSWORD: password, GUNBOT_WALLET: wallet }),
      counters,
      revokeTokens: () => void (revokedUpTo = serial),
      expireTokens: () => void (expiredUpTo = serial),
      changePassword: (next) => {
        password = next
        revokedUpTo = serial
      },
      setTokenLifetime: (seconds) => void (lifetime = seconds),
      jwtSecret: secret
    }
  })
