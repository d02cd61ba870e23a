/**
 * A loopback Gunbot REST API, written from Gunbot's documentation and its
 * official OpenAPI file: `POST /api/v1/auth/login` with the AES-encrypted
 * password, HS256 JWTs with `exp`/`iat`, `GET /api/v1/auth/status`, a few
 * protected routes, and `ErrorResponse` bodies. Both Effect lines' testkits
 * wrap it (`GunbotFake.make`), so the fake is written once.
 *
 * Undocumented behaviour is switchable: the status of a wrong password
 * (`wrongPasswordStatus`: 401, 400, or 200 with `"status":"error"`), whether
 * tokens carry `exp`, what an unknown route answers (`unknownRoute`) and
 * whether an order outside `data` is accepted (`acceptTopLevelOrder`).
 *
 * Sources: the OpenAPI specification `openapi.yaml` of GuntharDeNiro/gunbot-sdk-js
 * 0.1.4 (paths, BalanceItem, TradeLimitOrderRequest, ErrorResponse, the
 * BadRequest/Unauthorized examples) and gunbot.com/support/docs/rest-api
 * (api-auth, api-balances-assets-pairs, api-trading-orders).
 *
 * @since 0.1.0
 */
import { createCipheriv } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Faults from "./Faults.js"
import * as Jwt from "./Jwt.js"
import * as Random from "./Random.js"
import * as Server from "./Server.js"

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
  /**
   * What an unknown route answers: undocumented, so switchable. `"html"` (default): 404 with Express's default
   * `Cannot POST /path` page; `"json"`: 404 with an ErrorResponse; `"spa"`: 200 with the web app's HTML page.
   */
  readonly unknownRoute?: "html" | "json" | "spa" | undefined
  /** Whether an order sent at the top level (without `data`) is accepted (default false). */
  readonly acceptTopLevelOrder?: boolean | undefined
  /** The balances `POST /api/v1/balances` answers (default: USDT and BTC on binance). */
  readonly balances?: ReadonlyArray<Balance> | undefined
}

/**
 * A row of the balances answer, with Gunbot's keys.
 *
 * @since 0.1.0
 * @category models
 */
export interface Balance {
  readonly Asset: string
  readonly Exchange: string
  readonly "Available Qty": string
  readonly "On Order": string
}

/**
 * An order the fake accepted.
 *
 * @since 0.1.0
 * @category models
 */
export interface Order {
  /** `/api/v1/trade/buy`, `/api/v1/trade/sell/market`, … */
  readonly route: string
  readonly exch: string
  readonly pair: string
  readonly amt: number
  readonly price: number | undefined
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
  /** Requests to routes the fake does not know. */
  notFound: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface GunbotFake extends Faults.Faults {
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
  /** The orders accepted so far, in order. */
  readonly orders: () => ReadonlyArray<Order>
  /** The headers of the last request the fake received (lower-case names), to check what a client sent. */
  readonly lastHeaders: () => Readonly<Record<string, string>>
}

/** An answer: status, body, and its content type (JSON unless said). */
interface Answer {
  readonly status: number
  readonly body: unknown
  readonly html?: boolean
}

// The specification's ErrorResponse: `{ status: "error", message, code? }`.
const errorResponse = (status: number, message: string, code?: number): Answer => ({
  status,
  body: { status: "error", message, ...(code !== undefined ? { code } : {}) }
})

const ok = (body: unknown): Answer => ({ status: 200, body })

/**
 * The fake's own encryption, from the Gunbot docs' Node.js helper.
 *
 * @since 0.1.0
 * @category encryption
 */
export const encryptPassword = (password: string, wallet: string): string => {
  const key = Buffer.from(wallet, "utf8").subarray(0, 16)
  const cipher = createCipheriv("aes-128-cbc", key, key)
  return "ENC:" + Buffer.concat([cipher.update(password, "utf8"), cipher.final()]).toString("base64")
}

const headersOf = Server.headers

/** A JSON body, or `undefined` when there is none or it is not JSON. */
const jsonOf = async (request: IncomingMessage): Promise<unknown> => {
  const text = await Server.readBody(request)
  if (text === undefined || text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * A started fake and how to stop it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handle extends GunbotFake {
  /** Stops the server and destroys its connections. */
  readonly close: () => Promise<void>
}

/**
 * Starts the fake on `127.0.0.1` until `close` (`server` sets its port and CORS).
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options = {}, server: Server.Options = {}): Promise<Handle> => {
  let password = options.password ?? Random.token("gb-pass")
  const wallet = options.gunthyWallet ?? Random.token("0x").slice(0, 34)
  let lifetime = options.tokenLifetimeSeconds ?? 3600
  const includeExp = options.includeExp ?? true
  const wrongStatus = options.wrongPasswordStatus ?? 401
  const now = options.now ?? Date.now
  const secret = Random.token("jwt-secret")
  const counters: Counters = { requests: 0, logins: 0, failedLogins: 0, rejected: 0, authorized: 0, notFound: 0 }
  const unknownRoute = options.unknownRoute ?? "html"
  const acceptTopLevelOrder = options.acceptTopLevelOrder ?? false
  const balances: ReadonlyArray<Balance> = options.balances ?? [
    { Asset: "USDT", Exchange: "binance", "Available Qty": "1000.00000000", "On Order": "0.00000000" },
    { Asset: "BTC", Exchange: "binance", "Available Qty": "0.01000000", "On Order": "0.00000000" }
  ]
  const orders: Array<Order> = []
  let lastHeaders: Readonly<Record<string, string>> = {}
  const faults = Faults.make()
  let serial = 0
  /** Tokens with `jti` at or below this are refused. */
  let revokedUpTo = 0
  /** Tokens with `jti` at or below this are expired, whatever their `exp`. */
  let expiredUpTo = 0

  const jwt = Jwt.make(secret)

  const verify = (token: string): boolean => {
    const claims = jwt.verify(token)
    if (claims === undefined || typeof claims["jti"] !== "number") return false
    if (claims["jti"] <= revokedUpTo || claims["jti"] <= expiredUpTo) return false
    return claims["exp"] === undefined || claims["exp"] * 1000 > now()
  }

  const login = async (request: IncomingMessage): Promise<Answer> => {
    // An Authorization header on login (the documentation's examples send one; the SDK sends one only when a
    // token is configured) is ignored.
    const body = await jsonOf(request)
    const given = typeof body === "object" && body !== null
      ? (body as Record<string, unknown>)["password"]
      : undefined
    // The specification's BadRequest example: 400 `Invalid input`.
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
    // The documentation's login answer: `{ "status": "success", "token": "<JWT>" }`.
    return ok({ status: "success", token: jwt.sign(claims) })
  }

  const order = (kind: "limit" | "market", path: string) => async (request: IncomingMessage): Promise<Answer> => {
    const body = await jsonOf(request)
    const record = typeof body === "object" && body !== null ? body as Record<string, unknown> : {}
    const data = record["data"]
    const input = typeof data === "object" && data !== null
      ? data as Record<string, unknown>
      : acceptTopLevelOrder
      ? record
      : {}
    const price = input["price"]
    const priceOk = kind === "limit"
      ? typeof price === "number"
      : price === undefined || price === null || typeof price === "number"
    if (
      typeof input["exch"] !== "string" || typeof input["pair"] !== "string" ||
      typeof input["amt"] !== "number" || !priceOk
    ) {
      return errorResponse(400, "Invalid input")
    }
    orders.push({
      route: path,
      exch: input["exch"],
      pair: input["pair"],
      amt: input["amt"],
      price: typeof price === "number" ? price : undefined
    })
    // The specification's TradeResponse example.
    return ok({ status: "success", message: "Order sent" })
  }

  /** The routes the fake knows: login, and the protected ones. `undefined` for any other. */
  const route = (
    method: string,
    path: string
  ): { readonly open: boolean; readonly handle: (request: IncomingMessage) => Promise<Answer> } | undefined => {
    if (method === "POST" && path === "/api/v1/auth/login") return { open: true, handle: login }
    if (method === "GET" && path === "/api/v1/auth/status") {
      return {
        open: false,
        handle: async () =>
          ok({
            code: 200,
            isDemo: false,
            isRegistered: true,
            isTwoFA: false,
            metamask: false,
            status: "success",
            message: "Authenticated"
          })
      }
    }
    // Balances: `POST /api/v1/balances`, no request body (the documentation: "This endpoint does not require any
    // parameters in the request body"; the official SDK sends none). The answer is an array whose keys are
    // `Asset`, `Exchange`, `Available Qty` and `On Order`, quantities as strings: the OpenAPI specification's
    // BalancesResponse/BalanceItem and the documentation's example answer. There is no `GET /balances`: like any
    // unknown route, it meets the not-found answer below.
    if (method === "POST" && path === "/api/v1/balances") return { open: false, handle: async () => ok(balances) }
    // Trade routes take their order under `data` (the specification's TradeLimitOrderRequest /
    // TradeMarketOrderRequest, whose `data` is required, and every example on the documentation's trading page).
    // A limit order needs exch, pair, amt and price; a market order's price is optional and nullable. An order
    // sent at the top level is refused with the specification's BadRequest ("Invalid input"), unless
    // `acceptTopLevelOrder` (the SDK's README shows top-level examples; what a real Gunbot does with them is
    // unknown).
    if (method === "POST") {
      switch (path) {
        case "/api/v1/trade/buy":
        case "/api/v1/trade/sell":
          return { open: false, handle: order("limit", path) }
        case "/api/v1/trade/buy/market":
        case "/api/v1/trade/sell/market":
          return { open: false, handle: order("market", path) }
      }
    }
    return undefined
  }

  // Any other route. What a real Gunbot answers is not documented: switchable (see `unknownRoute`).
  const notFound = (method: string, path: string): Answer => {
    switch (unknownRoute) {
      case "json":
        return errorResponse(404, "Not found", 404)
      case "spa":
        // A server that hands its web app's page to every unknown path.
        return {
          status: 200,
          html: true,
          body: "<!DOCTYPE html><html><head><title>Gunbot</title></head><body><div id=\"root\"></div></body></html>"
        }
      default:
        // The default page of Express's final handler: 404, text/html, `Cannot <METHOD> <path>`.
        return {
          status: 404,
          html: true,
          body: `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n` +
            `<body>\n<pre>Cannot ${method} ${path}</pre>\n</body>\n</html>\n`
        }
    }
  }

  const send = (response: ServerResponse, answer: Answer) => {
    if (answer.html === true) {
      const text = String(answer.body)
      response.writeHead(answer.status, {
        "content-type": "text/html; charset=utf-8",
        "content-length": String(Buffer.byteLength(text))
      })
      response.end(text)
    } else {
      Server.json(response, answer.status, answer.body)
    }
  }

  /** Counting, fault injection and the bearer check, in the order a real server meets them. */
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? "GET"
    const path = new URL(request.url ?? "/", "http://fake").pathname
    counters.requests += 1
    const known = route(method, path)
    if (known === undefined) {
      counters.notFound += 1
      request.resume()
      return send(response, notFound(method, path))
    }
    if (await faults.next(request, response)) return void request.resume()
    lastHeaders = headersOf(request)
    if (!known.open) {
      const header = lastHeaders["authorization"] ?? ""
      const token = header.startsWith("Bearer ") ? header.slice(7).trim() : ""
      if (!verify(token)) {
        counters.rejected += 1
        request.resume()
        // The specification's Unauthorized example.
        return send(response, errorResponse(401, "Authentication required", 401))
      }
      counters.authorized += 1
    }
    send(response, await known.handle(request))
  }

  const started = await Server.start(handle, server)
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
    jwtSecret: secret,
    orders: () => [...orders],
    lastHeaders: () => lastHeaders,
    close: started.close
  }
}
