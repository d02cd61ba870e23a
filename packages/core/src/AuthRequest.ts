/**
 * Building providers' requests: a JSON body that JSON cannot encode (a
 * `bigint`, such as the amounts of `@ton/core`, or a cyclic value) is a typed
 * error in the Effect's error channel, never a synchronous throw at the call.
 *
 * @since 0.1.0
 */
import * as JsonBody from "@authfx/protocol/JsonBody"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import { describeRequest, ProtocolError } from "./AuthError.js"

/**
 * `value` as JSON text, or a `ProtocolError` (reason `Unencodable`) saying what
 * could not be encoded and where — a path and a type, never the value.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeJson = (
  provider: string,
  value: unknown,
  request?: string
): Either.Either<string, ProtocolError> => {
  const encoded = JsonBody.encode(value)
  return encoded._tag === "Text"
    ? Either.right(encoded.text)
    : Either.left(
      new ProtocolError({
        provider,
        reason: "Unencodable",
        ...(request !== undefined ? { request } : {}),
        description: encoded.problem
      })
    )
}

/**
 * Sets a JSON body on a request, failing with `ProtocolError` (reason
 * `Unencodable`) when `body` cannot be encoded.
 *
 * @since 0.1.0
 * @category encoding
 */
export const bodyJson: {
  (
    provider: string,
    body: unknown
  ): (self: HttpClientRequest.HttpClientRequest) => Effect.Effect<HttpClientRequest.HttpClientRequest, ProtocolError>
  (
    self: HttpClientRequest.HttpClientRequest,
    provider: string,
    body: unknown
  ): Effect.Effect<HttpClientRequest.HttpClientRequest, ProtocolError>
} = dual(
  3,
  (
    self: HttpClientRequest.HttpClientRequest,
    provider: string,
    body: unknown
  ): Effect.Effect<HttpClientRequest.HttpClientRequest, ProtocolError> =>
    Either.match(encodeJson(provider, body, describeRequest(self)), {
      onLeft: Effect.fail,
      onRight: (text) => Effect.succeed(HttpClientRequest.bodyText(self, text, "application/json"))
    })
)
