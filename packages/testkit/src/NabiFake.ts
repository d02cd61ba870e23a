/**
 * A loopback Nabi Protocol GraphQL API, written from Nabi's documentation:
 * `generateNonce` (single-use nonces valid 5 minutes), `getToken` (an Ed25519
 * signature over the nonce, checked against the public key registered for the
 * raw address), `refreshToken`, and authenticated profile operations that answer
 * HTTP 401 for an expired access token and HTTP 400 for a profile the address
 * does not own. It runs a real GraphQL executor (graphql-js).
 *
 * Undocumented behaviour is switchable: the signature encoding (`hex`, `base64`),
 * whether `refreshToken` also rotates the refresh token, and whether the token
 * operations are served as queries, mutations or both.
 *
 * @since 0.1.0
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { signVerify } from "@ton/crypto"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { buildSchema, graphql, GraphQLError } from "graphql"
import { createHash, randomUUID } from "node:crypto"
import * as FakeServer from "./FakeServer.js"
import { type Faults, makeFaults } from "./internal/faults.js"
import { makeJwt } from "./internal/jwt.js"
import { randomToken } from "./internal/random.js"

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
  /** Any raw address will do: the fake maps it to the public key above. */
  address: `0:${createHash("sha256").update("authfx demo wallet").digest("hex")}`
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
  /** How signatures are encoded: undocumented, so switchable (default `hex`). */
  readonly signatureEncoding?: "hex" | "base64" | undefined
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
export interface NabiFake extends Faults {
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

const sdl = `
  type Nonce { id: ID! nonce: String! timestamp: String! }
  input GetTokenInput { id: ID! address: String! signedMessage: String! }
  type TokenPair { accessToken: String! refreshToken: String! }
  input RefreshTokenInput { token: String! }
  type RefreshedToken { token: String! refreshToken: String }
  type Profile { id: ID! owner: String! name: String! }
  input UpdateProfileInput { id: ID! name: String! }
  type Query {
    generateNonce: Nonce!
    getToken(request: GetTokenInput!): TokenPair!
    refreshToken(request: RefreshTokenInput!): RefreshedToken!
    myProfiles: [Profile!]!
    profile(id: ID!): Profile
  }
  type Mutation {
    getToken(request: GetTokenInput!): TokenPair!
    refreshToken(request: RefreshTokenInput!): RefreshedToken!
    updateProfile(request: UpdateProfileInput!): Profile!
  }
`

const schema = buildSchema(sdl)

/** Failures that change the HTTP status of the whole answer, as Nabi documents. */
class HttpFailure extends GraphQLError {
  constructor(readonly status: 400 | 401, message: string, code: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } })
  }
}

/**
 * Starts the fake for the life of the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<NabiFake, never, Scope.Scope> =>
  Effect.gen(function*() {
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
    const now = options.now ?? Date.now
    const jwt = makeJwt(randomToken("nabi-jwt"))
    const counters: Counters = {
      requests: 0,
      nonces: 0,
      logins: 0,
      refreshes: 0,
      badSignatures: 0,
      badNonces: 0,
      refusedRefreshes: 0,
      unauthorized: 0,
      mismatches: 0,
      authorized: 0
    }
    const faults = makeFaults()
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

    const decodeSignature = (signed: string): Buffer | undefined => {
      if (encoding === "hex") return /^[0-9a-fA-F]{128}$/.test(signed) ? Buffer.from(signed, "hex") : undefined
      const bytes = Buffer.from(signed, "base64")
      return bytes.length === 64 ? bytes : undefined
    }

    const getToken = (args: { request: { id: string; address: string; signedMessage: string } }) => {
      const { address, id, signedMessage } = args.request
      const entry = nonces.get(id)
      nonces.delete(id)
      if (entry === undefined || entry.expiresAt <= now()) {
        counters.badNonces += 1
        throw new GraphQLError("Nonce is invalid or expired", { extensions: { code: "INVALID_NONCE" } })
      }
      const publicKey = accounts.get(address)
      const signature = decodeSignature(signedMessage)
      if (
        rejectSignatures || publicKey === undefined || signature === undefined ||
        !signVerify(Buffer.from(entry.nonce, "utf8"), signature, Buffer.from(publicKey))
      ) {
        counters.badSignatures += 1
        throw new GraphQLError("Invalid signature", { extensions: { code: "INVALID_SIGNATURE" } })
      }
      counters.logins += 1
      return { accessToken: issue(address, "access"), refreshToken: issue(address, "refresh") }
    }

    const refreshToken = (args: { request: { token: string } }) => {
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

    const authenticated = (context: { readonly authorization: string | undefined }) => {
      const token = (context.authorization ?? "").replace(/^Bearer\s+/i, "")
      const claims = verify(token, "access")
      if (claims === undefined) throw new HttpFailure(401, "Unauthorized", "UNAUTHENTICATED")
      counters.authorized += 1
      return claims.address
    }

    const owned = (address: string, id: string) => {
      const profile = profiles.get(id)
      if (profile === undefined) throw new GraphQLError("Profile not found", { extensions: { code: "NOT_FOUND" } })
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
      myProfiles: (_: unknown, context: { authorization: string | undefined }) => {
        const address = authenticated(context)
        return [...profiles].filter(([, p]) => p.owner === address).map(([id, p]) => ({ id, ...p }))
      },
      profile: (args: { id: string }, context: { authorization: string | undefined }) => {
        authenticated(context)
        const p = profiles.get(args.id)
        return p === undefined ? null : { id: args.id, ...p }
      },
      updateProfile: (
        args: { request: { id: string; name: string } },
        context: { authorization: string | undefined }
      ) => {
        const address = authenticated(context)
        const profile = owned(address, args.request.id)
        profiles.set(profile.id, { owner: profile.owner, name: args.request.name })
        return { ...profile, name: args.request.name }
      }
    }

    const endpoint = Effect.gen(function*() {
      counters.requests += 1
      const fault = yield* faults.next
      if (fault !== undefined) return fault
      const request = yield* HttpServerRequest.HttpServerRequest
      const body = yield* request.json.pipe(Effect.orElseSucceed(() => undefined))
      const input = typeof body === "object" && body !== null ? body as Record<string, unknown> : {}
      if (typeof input["query"] !== "string") {
        return HttpServerResponse.unsafeJson({ errors: [{ message: "Must provide query string." }] }, { status: 400 })
      }
      const result = yield* Effect.promise(() =>
        graphql({
          schema,
          source: input["query"] as string,
          rootValue,
          contextValue: { authorization: request.headers["authorization"] },
          variableValues: (input["variables"] ?? undefined) as Record<string, unknown> | undefined
        })
      )
      const httpFailure = result.errors?.map((e) => e.originalError).find((e) => e instanceof HttpFailure)
      if (httpFailure !== undefined) {
        if (httpFailure.status === 401) counters.unauthorized += 1
        else counters.mismatches += 1
        return HttpServerResponse.unsafeJson(
          { errors: [{ message: httpFailure.message, extensions: httpFailure.extensions }] },
          { status: httpFailure.status }
        )
      }
      return HttpServerResponse.unsafeJson(result)
    })

    const started = yield* FakeServer.serve(HttpRouter.empty.pipe(HttpRouter.post("/graphql", endpoint)))
    faults.attach(started)
    const url = `${started.url}/graphql`
    return {
      ...faults.controls,
      url,
      env: () => ({
        NABI_URL: url,
        NABI_MNEMONIC: demoAccount.mnemonic,
        NABI_ADDRESS: firstAddress,
        NABI_SIGNATURE_ENCODING: encoding
      }),
      counters,
      expireAccessTokens: () => void (accessExpiredUpTo = serial),
      expireRefreshTokens: () => void (refreshExpiredUpTo = serial),
      revokeAll: () => void (revokedUpTo = serial),
      rejectSignatures: (on) => void (rejectSignatures = on),
      expireNextNonces: (n) => void (expireNext = n),
      setProfileOwner: (profile, owner) => void profiles.set(profile, { owner, name: `profile ${profile}` }),
      profiles: () => Object.fromEntries(profiles)
    }
  })
