import * as AuthError from "@authfx/core/AuthError"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export const provider = "gunbot"

/** The body of a response as JSON, or a typed error that says why not (never what it held). */
export const readJson = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<unknown, AuthError.ProtocolError | AuthError.TransportError> =>
  response.text.pipe(
    Effect.mapError((error: HttpClientError.ResponseError) => AuthError.fromResponseError(provider, error)),
    Effect.flatMap((text) =>
      Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: () =>
          new AuthError.ProtocolError({
            provider,
            reason: "Decode",
            status: response.status,
            request: AuthError.describeRequest(response.request),
            description: "the answer is not valid JSON"
          })
      })
    )
  )

export const decodeJson = <A, I>(schema: Schema.Schema<A, I>, response: HttpClientResponse.HttpClientResponse) =>
  Effect.flatMap(readJson(response), (json) =>
    Schema.decodeUnknown(schema)(json).pipe(
      Effect.mapError((error) =>
        AuthError.fromParseError({
          provider,
          error,
          request: AuthError.describeRequest(response.request),
          status: response.status
        })
      )
    ))

export const mapPlatformError = (error: HttpClientError.HttpClientError) =>
  error._tag === "RequestError"
    ? AuthError.fromRequestError(provider, error)
    : AuthError.fromResponseError(provider, error)
