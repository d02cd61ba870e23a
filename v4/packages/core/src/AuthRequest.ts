/**
 * Building providers' requests: a JSON body that JSON cannot encode (a
 * `bigint`, such as the amounts of `@ton/core`, or a cyclic value) is a typed
 * error in the Effect's error channel, never a synchronous throw at the call.
 *
 * (effect 4: `encodeJson` returns a `Result` where v3 returned an `Either`.)
 *
 * @since 1.0.0
 */
import * as JsonBody from "@authfx/protocol/JsonBody"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Result from "effect/Result"
import { describeRequest, ProtocolError } from "./AuthError.js"

/**
 * `value` as JSON text, or a `ProtocolError` (reason `Unencodable`) saying what
 * could not be encoded and where — a path and a type, never the value.
 *
 * @since 1.0.0
 * @category encoding
 */
export const encodeJson = (
  provider: string,
  value: unknown,
  request?: string
): Result.Result<string, ProtocolError> => {
  const encoded = JsonBody.encode(value)
  return encoded._tag === "Text"
    ? Result.succeed(encoded.text)
    : Result.fail(
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
 * @since 1.0.0
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
    Result.match(encodeJson(provider, body, describeRequest(self)), {
      onFailure: Effect.fail,
      onSuccess: (text) => Effect.succeed(HttpClientRequest.bodyText(self, text, "application/json"))
    })
)
