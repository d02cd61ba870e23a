/**
 * A loopback Nabi Protocol GraphQL API, written from Nabi's documentation:
 * `generateNonce` (single-use nonces valid 5 minutes), `getToken` (the nonce
 * signed by the wallet's key, checked against the public key registered for the
 * raw address), `refreshToken`, and authenticated profile operations that answer
 * HTTP 401 for an expired access token and HTTP 400 for a profile the address
 * does not own. It runs a real GraphQL executor (graphql-js).
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
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Address, Cell, contractAddress, loadStateInit } from "@ton/core"
import { signVerify } from "@ton/crypto"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { buildSchema, execute, GraphQLError, parse, validate } from "graphql"
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

/**
 * The schema, from the operations Nabi documents. `getToken`'s input lists
 * `address` in the document's field list, while its example sends only `id` and
 * `signedMessage`: both shapes are served, one at a time.
 */
const sdl = (withAddress: boolean) => `
  type Nonce { id: ID! nonce: String! timestamp: String! }
  input GetTokenInput { id: ID! ${withAddress ? "address: String! " : ""}signedMessage: String! }
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

const schemas = { withAddress: buildSchema(sdl(true)), withoutAddress: buildSchema(sdl(false)) }

/** The 4-byte big-endian workchain and the 32-byte hash of a raw address. */
const accountId = (address: Address): Buffer => {
  const workchain = Buffer.alloc(4)
  workchain.writeInt32BE(address.workChain)
  return Buffer.concat([workchain, address.hash])
}

const sha256 = (bytes: Buffer): Buffer => createHash("sha256").update(bytes).digest()

/**
 * What a wallet signs for a `ton_proof`, from TON Connect's specification
 * (ton-connect/docs requests-responses.md, "Address proof signature"): the
 * domain length (32 bits) and the timestamp (64 bits) little endian, as the
 * reference verifier (ton-connect/sdk `TonProofService`) reads them.
 */
const tonProofHash = (address: Address, domain: string, timestamp: number, payload: string): Buffer => {
  const domainBytes = Buffer.from(domain, "utf8")
  const length = Buffer.alloc(4)
  length.writeUInt32LE(domainBytes.length)
  const time = Buffer.alloc(8)
  time.writeBigUInt64LE(BigInt(timestamp))
  const message = Buffer.concat([
    Buffer.from("ton-proof-item-v2/", "utf8"),
    accountId(address),
    length,
    domainBytes,
    time,
    Buffer.from(payload, "utf8")
  ])
  return sha256(Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.from("ton-connect", "utf8"), sha256(message)]))
}

/**
 * What a wallet signs for a `signData` of a text, from TON Connect's `signData`
 * specification (docs.ton.org "How to sign data"): every integer big endian.
 */
const signDataHash = (address: Address, domain: string, timestamp: number, text: string): Buffer => {
  const domainBytes = Buffer.from(domain, "utf8")
  const textBytes = Buffer.from(text, "utf8")
  const domainLength = Buffer.alloc(4)
  domainLength.writeUInt32BE(domainBytes.length)
  const time = Buffer.alloc(8)
  time.writeBigUInt64BE(BigInt(timestamp))
  const textLength = Buffer.alloc(4)
  textLength.writeUInt32BE(textBytes.length)
  return sha256(Buffer.concat([
    Buffer.from([0xff, 0xff]),
    Buffer.from("ton-connect/sign-data/", "utf8"),
    accountId(address),
    domainLength,
    domainBytes,
    time,
    Buffer.from("txt", "utf8"),
    textLength,
    textBytes
  ]))
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const parseAddress = (value: unknown): Address | undefined => {
  if (typeof value !== "string") return undefined
  try {
    return Address.parse(value)
  } catch {
    return undefined
  }
}

/** A timestamp sent as a number (the SDK's type) or a decimal string (the specification's wire type). */
const seconds = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isSafeInteger(value)
    ? value
    : typeof value === "string" && /^\d{1,15}$/.test(value)
    ? Number(value)
    : undefined

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
    const signatureMode = options.signatureMode ?? "raw"
    const proofLifetime = (options.proofLifetimeSeconds ?? 15 * 60) * 1000
    const schema = options.getTokenInput === "without-address" ? schemas.withoutAddress : schemas.withAddress
    const apollo = options.validationErrors === "apollo"
    let hostname = "127.0.0.1"
    const now = options.now ?? Date.now
    const jwt = makeJwt(randomToken("nabi-jwt"))
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

    const decodeSignature = (signed: string, as: "hex" | "base64"): Buffer | undefined => {
      if (as === "hex") return /^[0-9a-fA-F]{128}$/.test(signed) ? Buffer.from(signed, "hex") : undefined
      if (!/^[A-Za-z0-9+/_-]{86}(==)?$/.test(signed)) return undefined
      return Buffer.from(signed, "base64")
    }

    const verifies = (message: Buffer, signature: Buffer | undefined, publicKey: Uint8Array | undefined) =>
      signature !== undefined && publicKey !== undefined && signVerify(message, signature, Buffer.from(publicKey))

    const fresh = (timestamp: number | undefined) =>
      timestamp !== undefined && timestamp * 1000 >= now() - proofLifetime

    const domainAllowed = (domain: unknown): domain is string =>
      typeof domain === "string" && (options.proofDomains ?? [hostname]).includes(domain)

    /**
     * The address whose key signed `nonce` into `signedMessage`, or undefined.
     * `claimed` is getToken's `address` when the schema has the field.
     */
    const signerOf = (nonce: string, signedMessage: string, claimed: string | undefined): string | undefined => {
      if (signatureMode === "raw") {
        // The most likely reading of "signed using your TON wallet" for a key holder: Ed25519 over the nonce's
        // UTF-8 bytes (@ton/crypto `sign`), checked with the key registered for the address. Without getToken's
        // address (the document's example), the key is found among the registered accounts.
        const signature = decodeSignature(signedMessage, encoding)
        const candidates = claimed !== undefined ? [claimed] : [...accounts.keys()]
        return candidates.find((address) => verifies(Buffer.from(nonce, "utf8"), signature, accounts.get(address)))
      }
      const body = record(parseJson(signedMessage))
      if (body === undefined) return undefined
      const address = parseAddress(body["address"])
      if (address === undefined) return undefined
      const raw = address.toRawString()
      // getToken's address, when sent, must be the one that signed.
      if (claimed !== undefined && claimed !== raw) return undefined
      // The registered key plays the part of the wallet's `get_public_key`, which
      // the specification says a verifier asks the contract deployed at the address.
      const publicKey = accounts.get(raw)
      if (publicKey === undefined) return undefined
      const stated = body["public_key"]
      if (stated !== undefined && stated !== Buffer.from(publicKey).toString("hex")) return undefined
      if (signatureMode === "ton_proof") {
        // TON Connect backend checkProof request: { address, network, public_key, proof: { …, state_init } }.
        const proof = record(body["proof"])
        const domain = record(proof?.["domain"])
        const timestamp = seconds(proof?.["timestamp"])
        if (proof === undefined || domain === undefined || typeof proof["signature"] !== "string") return undefined
        // The payload is the server's challenge: here, the nonce.
        if (proof["payload"] !== nonce) return undefined
        if (!domainAllowed(domain["value"])) return undefined
        // `lengthBytes` is the UTF-8 length of the domain (specification, "AppDomain").
        if (domain["lengthBytes"] !== Buffer.byteLength(domain["value"], "utf8")) return undefined
        if (!fresh(timestamp)) return undefined
        // The reference verifier's step 2.3: the address is the hash of the state_init sent.
        if (typeof proof["state_init"] !== "string") return undefined
        try {
          const init = loadStateInit(Cell.fromBase64(proof["state_init"]).beginParse())
          if (!contractAddress(address.workChain, init).equals(address)) return undefined
        } catch {
          return undefined
        }
        const hash = tonProofHash(address, domain["value"], timestamp!, nonce)
        return verifies(hash, decodeSignature(proof["signature"], "base64"), publicKey) ? raw : undefined
      }
      // signData answer (TON Connect SDK `SignDataResponse`): { signature, address, timestamp, domain, payload }.
      // The text must be the nonce, the domain allowed and the signature fresh, as for ton_proof.
      const payload = record(body["payload"])
      const timestamp = seconds(body["timestamp"])
      if (payload?.["type"] !== "text" || payload["text"] !== nonce) return undefined
      if (!domainAllowed(body["domain"]) || !fresh(timestamp) || typeof body["signature"] !== "string") return undefined
      const hash = signDataHash(address, body["domain"], timestamp!, nonce)
      return verifies(hash, decodeSignature(body["signature"], "base64"), publicKey) ? raw : undefined
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
      const address = rejectSignatures ? undefined : signerOf(entry.nonce, signedMessage, claimed)
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

    const authenticated = (context: { readonly authorization: string | undefined }) => {
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

    /**
     * A request the schema refuses. graphql-js's `graphql()` answers it in the
     * body with no status of its own (200 here); Apollo Server answers 400 with
     * `extensions.code` GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED (Apollo
     * Server docs, "Error handling", built-in error codes).
     */
    const refused = (errors: ReadonlyArray<GraphQLError>, code: string) =>
      HttpServerResponse.unsafeJson(
        {
          errors: errors.map((e) => ({
            message: e.message,
            ...(e.locations !== undefined ? { locations: e.locations } : {}),
            ...(apollo ? { extensions: { code } } : {})
          }))
        },
        { status: apollo ? 400 : 200 }
      )

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
      // Parse and validate first, as servers do before running any resolver:
      // a refused request consumes no nonce.
      let document
      try {
        document = parse(input["query"] as string)
      } catch (error) {
        counters.invalidRequests += 1
        return refused([error as GraphQLError], "GRAPHQL_PARSE_FAILED")
      }
      const invalid = validate(schema, document)
      if (invalid.length > 0) {
        counters.invalidRequests += 1
        return refused(invalid, "GRAPHQL_VALIDATION_FAILED")
      }
      const result = yield* Effect.promise(async () =>
        execute({
          schema,
          document,
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
      profiles: () => Object.fromEntries(profiles)
    }
  })
