/**
 * The Nabi fake's GraphQL side: its schema, from the operations Nabi
 * documents, and a request run through graphql-js's parser, validator and
 * executor, answered as the servers Nabi may run answer it.
 */
import { buildSchema, execute, GraphQLError, type GraphQLSchema, parse, validate } from "graphql"

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

let schemas: { readonly withAddress: GraphQLSchema; readonly withoutAddress: GraphQLSchema } | undefined

/** The schema with or without getToken's `address` (built once, on first use). */
export const schemaFor = (withAddress: boolean): GraphQLSchema => {
  schemas ??= { withAddress: buildSchema(sdl(true)), withoutAddress: buildSchema(sdl(false)) }
  return withAddress ? schemas.withAddress : schemas.withoutAddress
}

/** Failures that change the HTTP status of the whole answer, as Nabi documents. */
export class HttpFailure extends GraphQLError {
  constructor(readonly status: 400 | 401, message: string, code: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } })
  }
}

/** What a request met: the answer, and what the fake counts of it. */
export interface Outcome {
  readonly status: number
  readonly body: unknown
  /** `invalid`: refused by the parser or the schema; `401`/`400`: an `HttpFailure`. */
  readonly kind: "ok" | "invalid" | "noQuery" | 401 | 400
}

/**
 * Runs one GraphQL request body. A request the schema refuses: graphql-js's
 * `graphql()` answers it in the body with no status of its own (200 here);
 * Apollo Server answers 400 with `extensions.code` GRAPHQL_PARSE_FAILED /
 * GRAPHQL_VALIDATION_FAILED (Apollo Server docs, "Error handling", built-in
 * error codes). Parsing and validation come first, as servers do before running
 * any resolver: a refused request consumes no nonce.
 */
export const run = async (options: {
  readonly schema: GraphQLSchema
  readonly apollo: boolean
  readonly body: unknown
  readonly rootValue: unknown
  readonly contextValue: unknown
}): Promise<Outcome> => {
  const input = typeof options.body === "object" && options.body !== null
    ? options.body as Record<string, unknown>
    : {}
  if (typeof input["query"] !== "string") {
    return { status: 400, body: { errors: [{ message: "Must provide query string." }] }, kind: "noQuery" }
  }
  const refused = (errors: ReadonlyArray<GraphQLError>, code: string): Outcome => ({
    status: options.apollo ? 400 : 200,
    body: {
      errors: errors.map((e) => ({
        message: e.message,
        ...(e.locations !== undefined ? { locations: e.locations } : {}),
        ...(options.apollo ? { extensions: { code } } : {})
      }))
    },
    kind: "invalid"
  })
  let document
  try {
    document = parse(input["query"])
  } catch (error) {
    return refused([error as GraphQLError], "GRAPHQL_PARSE_FAILED")
  }
  const invalid = validate(options.schema, document)
  if (invalid.length > 0) return refused(invalid, "GRAPHQL_VALIDATION_FAILED")
  const result = await execute({
    schema: options.schema,
    document,
    rootValue: options.rootValue,
    contextValue: options.contextValue,
    variableValues: (input["variables"] ?? undefined) as Record<string, unknown> | undefined
  })
  const httpFailure = result.errors?.map((e) => e.originalError).find((e) => e instanceof HttpFailure)
  if (httpFailure !== undefined) {
    return {
      status: httpFailure.status,
      body: { errors: [{ message: httpFailure.message, extensions: httpFailure.extensions }] },
      kind: httpFailure.status
    }
  }
  return { status: 200, body: result, kind: "ok" }
}
