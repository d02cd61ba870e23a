import { SessionRejected } from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as AuthResponse from "@authfx/core/AuthResponse"
import * as Effect from "effect/Effect"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { ErrorBody, WhatsGateApiError, type WhatsGateError } from "../WhatsGate.js"

const provider = "whatsgate"

const decodeErrorBody = Schema.decodeUnknownResult(ErrorBody)

const readJson = (response: HttpClientResponse.HttpClientResponse) => AuthResponse.readJson(provider, response)

/**
 * Recognises WhatsGate's two 403 answers: `invalid Access-Token` is a rejected
 * session (invalidate, re-read the token, replay once); `an Access-Token is
 * required` means no token reached WhatsGate, which a replay cannot fix.
 */
export const classify = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<
  void,
  SessionRejected | AuthError.CredentialsMissing | AuthError.ProtocolError | AuthError.TransportError
> => {
  if (response.status !== 403) return Effect.void
  return readJson(response).pipe(
    Effect.flatMap(
      (json): Effect.Effect<void, SessionRejected | AuthError.CredentialsMissing | AuthError.ProtocolError> => {
        const body = decodeErrorBody(json)
        const message = Result.isSuccess(body) ? body.success.message : undefined
        if (message === "invalid Access-Token") {
          return Effect.fail(new SessionRejected({ status: 403, description: "invalid Access-Token" }))
        }
        if (message === "an Access-Token is required") {
          return Effect.fail(
            new AuthError.CredentialsMissing({
              provider,
              reason: "NotSent",
              status: 403,
              description: "an Access-Token is required"
            })
          )
        }
        return Effect.fail(
          new AuthError.ProtocolError({
            provider,
            reason: "UnexpectedStatus",
            status: 403,
            request: AuthError.describeRequest(response.request),
            description: "a 403 without a documented message"
          })
        )
      }
    )
  )
}

/**
 * Decodes a WhatsGate answer: `success:false` and 422 become
 * `WhatsGateApiError` with WhatsGate's message; anything else that is not the
 * documented success shape is a `ProtocolError`.
 */
export const decode = <A, I>(schema: Schema.Codec<A, I>) =>
(
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<A, WhatsGateError> =>
  Effect.flatMap(readJson(response), (json): Effect.Effect<A, WhatsGateError> => {
    const request = AuthError.describeRequest(response.request)
    const errorBody = decodeErrorBody(json)
    if (Result.isSuccess(errorBody)) {
      const body = errorBody.success
      if (response.status === 422) {
        return Effect.fail(
          new WhatsGateApiError({
            provider,
            reason: "Validation",
            status: 422,
            description: body.message ?? "The given data was invalid.",
            ...(body.errors !== undefined ? { fields: body.errors } : {})
          })
        )
      }
      if (body.success === false) {
        return Effect.fail(
          new WhatsGateApiError({
            provider,
            reason: response.status === 404 ? "NotFound" : "Business",
            status: response.status,
            description: body.message ?? "request refused"
          })
        )
      }
    }
    if (response.status < 200 || response.status >= 300) {
      return Effect.fail(
        new AuthError.ProtocolError({ provider, reason: "UnexpectedStatus", status: response.status, request })
      )
    }
    return AuthResponse.decodeValue(provider, schema, json, response)
  })
