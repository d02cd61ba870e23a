/**
 * How authfx reads Nabi's GraphQL answers: which errors say the request did
 * not fit the server's schema, which say a nonce was refused or a profile is
 * not the wallet's, and how a string is written into a document. Shared by the
 * effect 3 and effect 4 lines' `@authfx/nabi`.
 *
 * @since 0.1.0
 */

/**
 * One GraphQL error as Nabi sends it (the fields authfx reads).
 *
 * @since 0.1.0
 * @category models
 */
export interface GraphQLError {
  readonly message: string
  readonly extensions?: {
    readonly code?: string | undefined
    readonly profileId?: string | undefined
  } | undefined
}

/**
 * Whether an error says the request does not fit the server's schema: Apollo
 * tags it `GRAPHQL_VALIDATION_FAILED` (and answers 400); graphql-js's own
 * messages say "Cannot query field", "is not defined by type", "Unknown
 * argument" or "of required type … was not provided".
 *
 * @since 0.1.0
 * @category classifying
 */
export const isValidationError = (error: GraphQLError): boolean =>
  /GRAPHQL_VALIDATION_FAILED|GRAPHQL_PARSE_FAILED/.test(error.extensions?.code ?? "") ||
  /cannot query field|is not defined by type|unknown argument|unknown type|was not provided|syntax error/i.test(
    error.message
  )

/**
 * The field a validation error names (its first quoted name), if any.
 *
 * @since 0.1.0
 * @category classifying
 */
export const fieldOf = (message: string): string | undefined => /"([_A-Za-z][_0-9A-Za-z.]*)"/.exec(message)?.[1]

/**
 * Whether one of `errors` is a schema validation error about input field `field` (graphql-js, Apollo): the
 * resolver never ran.
 *
 * @since 0.1.0
 * @category classifying
 */
export const refusesField = (errors: ReadonlyArray<GraphQLError>, field: string): boolean =>
  errors.some((e) => isValidationError(e) && e.message.includes(`"${field}"`))

/**
 * Whether one of `errors` says the nonce was refused (unknown, used or expired): worth one fresh nonce.
 *
 * @since 0.1.0
 * @category classifying
 */
export const refusesNonce = (errors: ReadonlyArray<GraphQLError>): boolean =>
  errors.some((e) => /nonce/i.test(`${e.extensions?.code ?? ""} ${e.message}`))

/**
 * Whether one of `errors` says a selected field does not exist (`refreshToken { refreshToken }` on a server whose
 * answer has no rotated token).
 *
 * @since 0.1.0
 * @category classifying
 */
export const refusesSelection = (errors: ReadonlyArray<GraphQLError>): boolean =>
  errors.some((e) => /cannot query field|GRAPHQL_VALIDATION/i.test(`${e.extensions?.code ?? ""} ${e.message}`))

/**
 * Whether an error says the profile is not owned by the token's address.
 * Nabi documents the status (400) but not the body, so this reads the usual
 * signs: a `profileId` extension, an ownership code, or a message about
 * ownership — and never a schema validation error.
 *
 * @since 0.1.0
 * @category classifying
 */
export const isNotOwner = (error: GraphQLError): boolean =>
  !isValidationError(error) &&
  (error.extensions?.profileId !== undefined ||
    /PROFILE_MISMATCH|NOT_OWNER|FORBIDDEN/i.test(error.extensions?.code ?? "") ||
    /not owned|not the owner|does not own|not own/i.test(error.message))

/**
 * The profile a variables object names (the first `profileId`, `profile` or `id` string, searched in depth), for
 * `ProfileMismatch`.
 *
 * @since 0.1.0
 * @category classifying
 */
export const profileOf = (variables: unknown): string | undefined => {
  const seen = new Set<unknown>()
  const search = (value: unknown): string | undefined => {
    if (typeof value !== "object" || value === null || seen.has(value)) return undefined
    seen.add(value)
    for (const [key, inner] of Object.entries(value)) {
      if (/^(profileId|profile|id)$/.test(key) && typeof inner === "string") return inner
      const found = search(inner)
      if (found !== undefined) return found
    }
    return undefined
  }
  return search(variables)
}

/**
 * A GraphQL string literal (JSON's escaping is valid GraphQL).
 *
 * @since 0.1.0
 * @category encoding
 */
export const literal = (value: string): string => JSON.stringify(value)
