/**
 * A loopback Nabi Protocol GraphQL API, written from Nabi's documentation:
 * `generateNonce` (single-use nonces valid 5 minutes), `getToken` (the nonce
 * signed by the wallet's key, checked against the public key registered for the
 * raw address), `refreshToken`, and authenticated profile operations that answer
 * HTTP 401 for an expired access token and HTTP 400 for a profile the address
 * does not own. It runs a real GraphQL executor (graphql-js) on a `node:http`
 * server. Both Effect lines' testkits wrap it (`NabiFake.make`), so the fake is
 * written once.
 *
 * Undocumented behaviour is switchable:
 * - what `signedMessage` is (`signatureMode`): a raw Ed25519 signature over the
 *   nonce (hex or base64, `signatureEncoding`), a TON Connect `ton_proof` whose
 *   payload is the nonce, or a TON Connect `signData` of the nonce as text — the
 *   last two checked as TON Connect's reference verifier checks them;
 * - whether `getToken`'s input has an `address` field (`getTokenInput`): the
 *   document lists it, its example omits it;
 * - how a request the schema refuses is answered (`validationErrors`): 200 with
 *   `errors` (graphql-js) or 400 with `GRAPHQL_VALIDATION_FAILED` (Apollo);
 * - whether `refreshToken` also rotates the refresh token, and whether the
 *   token operations are served as queries, mutations or both.
 *
 * @since 0.1.0
 */
import { GraphQLError } from "graphql"
import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Faults from "./Faults.js"
import { HttpFailure, run, schemaFor } from "./internal/nabiGraphql.js"
import { signerOf } from "./internal/nabiSignatures.js"
import * as Jwt from "./Jwt.js"
import * as Random from "./Random.js"
import * as Server from "./Server.js"

/**
 * A test wallet for demos and tests: never use it for anything else.
 *
 * @since 0.1.0
 * @category constants
 */
export const demoAccount = {
  mnemonic:
    "letter spread breeze witness left judge indicate embark paper material diesel skirt rally shock monitor finger match swear color toward say repair anxiety never",
  publicKeyHex: "faccc6e3d03e48bfdd1813ab3319aafb818ffbe016e918c7cde3de2a24ccbbab",
  /**
   * The key's wallet v4r2 address (workchain 0, wallet id 698983191), what a
   * wallet app creates by default; `test/NabiFake.test.ts` derives it again.
   */
  address: "0:0a9ce5e9d87571757f526dd832161955ae5ebd453412c344ba3dbcd96bc0c134",
  /** The same key's other usual wallets: a client must accept any of them. */
  addresses: {
    v3r2: "0:2dc20e8002d2802e9f8f7e227203eed1dd983893a72b090757927c3a5c3c5466",
    v4r2: "0:0a9ce5e9d87571757f526dd832161955ae5ebd453412c344ba3dbcd96bc0c134",
    v5r1: "0:7457fc0137b169a52b5772c6269347b1ea9aebc549ae9b3e19dcb133b370b2c2"
  }
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface Account {
  /** Raw form, `0:<64 hex>`. */
  readonly address: string
  readonly publicKey: Uint8Array
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Accounts and their keys (default: the demo account). */
  readonly accounts?: ReadonlyArray<Account> | undefined
  /** Profiles and their owners' raw addresses (default: `p-demo` owned by the first account, `p-other` by nobody). */
  readonly profiles?: Readonly<Record<string, string>> | undefined
  readonly accessLifetimeSeconds?: number | undefined
  readonly refreshLifetimeSeconds?: number | undefined
  readonly nonceLifetimeSeconds?: number | undefined
  /** How raw signatures are encoded: undocumented, so switchable (default `hex`). */
  readonly signatureEncoding?: "hex" | "base64" | undefined
  /**
   * What `signedMessage` carries (default `raw`): Nabi says only that the nonce
   * is "signed using your TON wallet".
   */
  readonly signatureMode?: "raw" | "ton_proof" | "sign_data" | undefined
  /** The dApp domains a `ton_proof`/`signData` may name (default: the fake's host name, `127.0.0.1`). */
  readonly proofDomains?: ReadonlyArray<string> | undefined
  /** How old a `ton_proof`/`signData` may be (default 15 minutes, the reference verifier's `validAuthTime`). */
  readonly proofLifetimeSeconds?: number | undefined
  /** Whether `getToken`'s input has an `address` field (default `with-address`, as the field list says). */
  readonly getTokenInput?: "with-address" | "without-address" | undefined
  /** How a request the schema refuses is answered (default `graphql-js`: 200 with `errors`; `apollo`: 400). */
  readonly validationErrors?: "graphql-js" | "apollo" | undefined
  /** Whether `refreshToken` also returns a new refresh token (default false). */
  readonly rotateRefreshToken?: boolean | undefined
  /**
   * Whether a refresh token is single-use (default false): once `refreshToken`
   * has accepted it, it is refused, and the answer carries a new one (implies
   * `rotateRefreshToken`). Nabi's documentation does not say; OAuth 2.1's
   * refresh-token rotation (RFC 9700 §4.14.2) works this way, and it is the
   * case where replicas that refresh on their own spend each other's tokens.
   */
  readonly singleUseRefreshToken?: boolean | undefined
  /** The fake's clock, in epoch milliseconds (default `Date.now`). */
  readonly now?: (() => number) | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Counters {
  requests: number
  nonces: number
  /** Successful `getToken`. */
  logins: number
  /** Successful `refreshToken`. */
  refreshes: number
  badSignatures: number
  /** `getToken` refused for an unknown, used or expired nonce. */
  badNonces: number
  /** Requests the schema refused (parse or validation errors). */
  invalidRequests: number
  refusedRefreshes: number
  /** HTTP 401 answers. */
  unauthorized: number
  /** HTTP 400 answers for a profile of another address. */
  mismatches: number
  /** Authenticated operations served. */
  authorized: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NabiFake extends Faults.Faults {
  /** The GraphQL endpoint. */
  readonly url: string
  readonly env: () => Readonly<Record<string, string>>
  readonly counters: Counters
  /** Every access token issued so far expires now. */
  readonly expireAccessTokens: () => void
  /** Every refresh token issued so far expires now. */
  readonly expireRefreshTokens: () => void
  /** Every token issued so far, access and refresh, is refused from now on. */
  readonly revokeAll: () => void
  /** While on, every signature is refused. */
  readonly rejectSignatures: (on: boolean) => void
  /** The next `n` nonces are issued already expired (as if the client took 5 minutes to sign). */
  readonly expireNextNonces: (n: number) => void
  readonly setProfileOwner: (profile: string, owner: string) => void
  readonly profiles: () => Readonly<Record<string, { readonly owner: string; readonly name: string }>>
}

interface Context {
  readonly authorization: string | undefined
}

/**
 * A started fake and how to stop it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handle extends NabiFake {
  /** Stops the server and closes its connections. */
  readonly close: () => Promise<void>
}

/**
 * Starts the fake on `127.0.0.1` until `close` (`server` sets its port and CORS).
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options = {}, server: Server.Options = {}): Promise<Handle> => {
  const accounts = new Map<string, Uint8Array>(
    (options.accounts ?? [{ address: demoAccount.address, publicKey: Buffer.from(demoAccount.publicKeyHex, "hex") }])
      .map((a) => [a.address, a.publicKey])
  )
  const firstAddress = [...accounts.keys()][0]!
  const profiles = new Map<string, { owner: string; name: string }>(
    Object.entries(options.profiles ?? { "p-demo": firstAddress, "p-other": "0:" + "00".repeat(32) })
      .map(([id, owner]) => [id, { owner, name: `profile ${id}` }])
  )
  const accessLifetime = options.accessLifetimeSeconds ?? 30 * 60
  const refreshLifetime = options.refreshLifetimeSeconds ?? 7 * 24 * 3600
  const nonceLifetime = (options.nonceLifetimeSeconds ?? 300) * 1000
  const encoding = options.signatureEncoding ?? "hex"
  const signatureMode = options.signatureMode ?? "raw"
  const proofLifetime = (options.proofLifetimeSeconds ?? 15 * 60) * 1000
  const schema = schemaFor(options.getTokenInput !== "without-address")
  const apollo = options.validationErrors === "apollo"
  let hostname = "127.0.0.1"
  const now = options.now ?? Date.now
  const jwt = Jwt.make(Random.token("nabi-jwt"))
  const counters: Counters = {
    requests: 0,
    nonces: 0,
    logins: 0,
    refreshes: 0,
    badSignatures: 0,
    badNonces: 0,
    invalidRequests: 0,
    refusedRefreshes: 0,
    unauthorized: 0,
    mismatches: 0,
    authorized: 0
  }
  const faults = Faults.make()
  const nonces = new Map<string, { nonce: string; expiresAt: number }>()
  let serial = 0
  let accessExpiredUpTo = 0
  let refreshExpiredUpTo = 0
  let revokedUpTo = 0
  let rejectSignatures = false
  let expireNext = 0
  const singleUse = options.singleUseRefreshToken === true
  /** The `jti`s of single-use refresh tokens already spent. */
  const spent = new Set<number>()

  const verifier = {
    accounts,
    mode: signatureMode,
    encoding,
    fresh: (timestamp: number | undefined) => timestamp !== undefined && timestamp * 1000 >= now() - proofLifetime,
    domainAllowed: (domain: unknown): domain is string =>
      typeof domain === "string" && (options.proofDomains ?? [hostname]).includes(domain)
  }

  const issue = (address: string, typ: "access" | "refresh") => {
    serial += 1
    const iat = Math.floor(now() / 1000)
    const claims = {
      id: randomUUID(),
      address,
      typ,
      jti: serial,
      iat,
      exp: iat + (typ === "access" ? accessLifetime : refreshLifetime)
    }
    return jwt.sign(claims)
  }

  /** The claims of a token this fake issued and still honours, or undefined. */
  const verify = (token: string, typ: "access" | "refresh"): { address: string } | undefined => {
    const claims = jwt.verify(token)
    if (claims === undefined || claims["typ"] !== typ || claims["jti"] <= revokedUpTo) return undefined
    if (claims["jti"] <= (typ === "access" ? accessExpiredUpTo : refreshExpiredUpTo)) return undefined
    if (claims["exp"] * 1000 <= now()) return undefined
    return { address: claims["address"] }
  }

  const getToken = (args: { request: { id: string; address?: string; signedMessage: string } }) => {
    const { address: claimed, id, signedMessage } = args.request
    // Nabi: "Each generated nonce is valid for 5 minutes. An unused nonce will be invalidated" — and one
    // used is spent (single-use, as a challenge must be). The answer's shape is not documented: a GraphQL error.
    const entry = nonces.get(id)
    nonces.delete(id)
    if (entry === undefined || entry.expiresAt <= now()) {
      counters.badNonces += 1
      throw new GraphQLError("Nonce is invalid or expired", { extensions: { code: "INVALID_NONCE" } })
    }
    // Nabi: tokens are issued "if the signed message is validated"; a refusal's shape is not documented.
    const address = rejectSignatures ? undefined : signerOf(verifier, entry.nonce, signedMessage, claimed)
    if (address === undefined) {
      counters.badSignatures += 1
      throw new GraphQLError("Invalid signature", { extensions: { code: "INVALID_SIGNATURE" } })
    }
    counters.logins += 1
    return { accessToken: issue(address, "access"), refreshToken: issue(address, "refresh") }
  }

  const refreshToken = (args: { request: { token: string } }) => {
    // Nabi: the refresh token lasts 7 days; an expired or revoked one is refused (shape undocumented).
    const claims = verify(args.request.token, "refresh")
    const jti = singleUse ? jwt.verify(args.request.token)?.["jti"] as number | undefined : undefined
    if (claims === undefined || (jti !== undefined && spent.has(jti))) {
      counters.refusedRefreshes += 1
      throw new GraphQLError("Refresh token is invalid or expired", { extensions: { code: "INVALID_REFRESH_TOKEN" } })
    }
    if (jti !== undefined) spent.add(jti)
    counters.refreshes += 1
    return {
      token: issue(claims.address, "access"),
      refreshToken: options.rotateRefreshToken === true || singleUse ? issue(claims.address, "refresh") : null
    }
  }

  const authenticated = (context: Context) => {
    const token = (context.authorization ?? "").replace(/^Bearer\s+/i, "")
    const claims = verify(token, "access")
    // Nabi: the access token lasts 30 minutes; authenticated operations then answer HTTP 401.
    if (claims === undefined) throw new HttpFailure(401, "Unauthorized", "UNAUTHENTICATED")
    counters.authorized += 1
    return claims.address
  }

  const owned = (address: string, id: string) => {
    const profile = profiles.get(id)
    if (profile === undefined) throw new GraphQLError("Profile not found", { extensions: { code: "NOT_FOUND" } })
    // Nabi: tokens may only mutate profiles owned by getToken's address; "any other Profiles will return 400
    // error". The body is not documented: the message, code and profileId here are this fake's choice.
    if (profile.owner !== address) {
      throw new HttpFailure(400, "Profile is not owned by this address", "PROFILE_MISMATCH", { profileId: id })
    }
    return { id, ...profile }
  }

  const rootValue = {
    generateNonce: () => {
      counters.nonces += 1
      const id = randomUUID()
      const nonce = randomUUID()
      const issued = now()
      const expired = expireNext > 0
      if (expired) expireNext -= 1
      nonces.set(id, { nonce, expiresAt: expired ? issued - 1 : issued + nonceLifetime })
      return { id, nonce, timestamp: new Date(issued).toISOString() }
    },
    getToken,
    refreshToken,
    myProfiles: (_: unknown, context: Context) => {
      const address = authenticated(context)
      return [...profiles].filter(([, p]) => p.owner === address).map(([id, p]) => ({ id, ...p }))
    },
    profile: (args: { id: string }, context: Context) => {
      authenticated(context)
      const p = profiles.get(args.id)
      return p === undefined ? null : { id: args.id, ...p }
    },
    updateProfile: (args: { request: { id: string; name: string } }, context: Context) => {
      const address = authenticated(context)
      const profile = owned(address, args.request.id)
      profiles.set(profile.id, { owner: profile.owner, name: args.request.name })
      return { ...profile, name: args.request.name }
    }
  }

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? "/", "http://fake").pathname
    if (request.method !== "POST" || path !== "/graphql") {
      // Only the endpoint is served: anything else is a router's 404 (not counted).
      request.resume()
      return Server.json(response, 404, { message: "Not Found" })
    }
    counters.requests += 1
    if (await faults.next(request, response)) return void request.resume()
    const text = await Server.readBody(request)
    let body: unknown = undefined
    try {
      body = JSON.parse(text ?? "")
    } catch {
      body = undefined
    }
    const authorization = request.headers["authorization"]
    const outcome = await run({ schema, apollo, body, rootValue, contextValue: { authorization } })
    if (outcome.kind === "invalid") counters.invalidRequests += 1
    else if (outcome.kind === 401) counters.unauthorized += 1
    else if (outcome.kind === 400) counters.mismatches += 1
    Server.json(response, outcome.status, outcome.body)
  }

  const started = await Server.start(handle, server)
  faults.attach(started)
  const url = `${started.url}/graphql`
  hostname = new URL(url).hostname
  return {
    ...faults.controls,
    url,
    env: () => ({
      NABI_URL: url,
      NABI_MNEMONIC: demoAccount.mnemonic,
      NABI_ADDRESS: firstAddress,
      NABI_SIGNATURE_MODE: signatureMode,
      NABI_SIGNATURE_ENCODING: encoding
    }),
    counters,
    expireAccessTokens: () => void (accessExpiredUpTo = serial),
    expireRefreshTokens: () => void (refreshExpiredUpTo = serial),
    revokeAll: () => void (revokedUpTo = serial),
    rejectSignatures: (on) => void (rejectSignatures = on),
    expireNextNonces: (n) => void (expireNext = n),
    setProfileOwner: (profile, owner) => void profiles.set(profile, { owner, name: `profile ${profile}` }),
    profiles: () => Object.fromEntries(profiles),
    close: started.close
  }
}
