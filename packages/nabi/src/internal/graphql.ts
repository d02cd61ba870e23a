import * as AuthError from "@authfx/core/AuthError"
import * as AuthResponse from "@authfx/core/AuthResponse"
import * as NabiGraphQL from "@authfx/protocol/NabiGraphQL"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Envelope, type GraphQLErrors, NabiGraphQLError } from "../Nabi.js"

export const provider = "nabi"

/** A GraphQL answer: the HTTP status, `data` and `errors`. */
export interface Answer {
  readonly status: number
  readonly data: unknown
  readonly errors: typeof GraphQLErrors.Type
}

/** Reads a GraphQL answer; a body that is not one is a `ProtocolError` (saying where, never what). */
export const readAnswer = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<Answer, AuthError.ProtocolError | AuthError.TransportError> =>
  AuthResponse.readJson(provider, response).pipe(
    Effect.flatMap((json) => AuthResponse.decodeValue(provider, Envelope, json, response)),
    Effect.map((envelope) => ({ status: response.status, data: envelope.data, errors: envelope.errors ?? [] }))
  )

/** One GraphQL error as `NabiGraphQLError` carries it: a validation error names its field. */
export const toNabiError = (e: typeof GraphQLErrors.Type[number]) => {
  const field = isValidationError(e) ? fieldOf(e.message) : undefined
  return {
    message: e.message,
    ...(e.extensions?.code !== undefined ? { code: e.extensions.code } : {}),
    ...(field !== undefined ? { field } : {})
  }
}

/** `data` decoded with `schema`, or the GraphQL errors as a typed error. */
export const dataOf = <A, I>(
  schema: Schema.Schema<A, I>,
  answer: Answer,
  request: string
): Effect.Effect<A, NabiGraphQLError | AuthError.ProtocolError> => {
  if (answer.errors.length === 0 && (answer.data === undefined || answer.data === null)) {
    return Effect.fail(
      new AuthError.ProtocolError({
        provider,
        reason: "Decode",
        request,
        status: answer.status,
        description: "neither data nor errors: not a GraphQL answer"
      })
    )
  }
  if (answer.errors.length > 0 || answer.data === undefined || answer.data === null) {
    return Effect.fail(
      new NabiGraphQLError({
        provider,
        ...(answer.status !== 200 ? { status: answer.status } : {}),
        errors: answer.errors.length > 0
          ? answer.errors.map(toNabiError)
          : [{ message: "no data in the answer" }]
      })
    )
  }
  return Schema.decodeUnknown(schema)(answer.data).pipe(
    Effect.mapError((error) => AuthError.fromParseError({ provider, error, request, status: answer.status }))
  )
}

/** The rules of `@authfx/protocol`'s `NabiGraphQL`, shared with the effect 4 line. */
export const isValidationError: (error: typeof GraphQLErrors.Type[number]) => boolean = NabiGraphQL.isValidationError

export const fieldOf: (message: string) => string | undefined = NabiGraphQL.fieldOf

export const literal: (value: string) => string = NabiGraphQL.literal

export const mapPlatformError = (error: HttpClientError.HttpClientError) =>
  AuthResponse.fromHttpClientError(provider, error)
