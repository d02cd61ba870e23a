import { SessionRejected } from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as AuthResponse from "@authfx/core/AuthResponse"
import * as WhatsGateAnswer from "@authfx/protocol/WhatsGateAnswer"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { ErrorBody, WhatsGateApiError, type WhatsGateError } from "../WhatsGate.js"

const provider = "whatsgate"

const decodeErrorBody = Schema.decodeUnknownEither(ErrorBody)

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
        const message = Either.isRight(body) ? body.right.message : undefined
        switch (WhatsGateAnswer.forbidden(message)) {
          case "InvalidToken":
            return Effect.fail(new SessionRejected({ status: 403, description: WhatsGateAnswer.invalidToken }))
          case "TokenRequired":
            return Effect.fail(
              new AuthError.CredentialsMissing({
                provider,
                reason: "NotSent",
                status: 403,
                description: WhatsGateAnswer.tokenRequired
              })
            )
          case "Undocumented":
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
      }
    )
  )
}

/**
 * Decodes a WhatsGate answer: `success:false` and 422 become
 * `WhatsGateApiError` with WhatsGate's message; anything else that is not the
 * documented success shape is a `ProtocolError`.
 */
export const decode = <A, I>(schema: Schema.Schema<A, I>) =>
(
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<A, WhatsGateError> =>
  Effect.flatMap(readJson(response), (json): Effect.Effect<A, WhatsGateError> => {
    const request = AuthError.describeRequest(response.request)
    const errorBody = decodeErrorBody(json)
    const refusal = Either.isRight(errorBody) ? WhatsGateAnswer.refusal(response.status, errorBody.right) : undefined
    if (refusal !== undefined) return Effect.fail(new WhatsGateApiError({ provider, ...refusal }))
    if (response.status < 200 || response.status >= 300) {
      return Effect.fail(
        new AuthError.ProtocolError({ provider, reason: "UnexpectedStatus", status: response.status, request })
      )
    }
    return AuthResponse.decodeValue(provider, schema, json, response)
  })
