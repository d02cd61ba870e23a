/**
 * Building providers' requests: a JSON body that JSON cannot encode (a
 * `bigint`, such as the amounts of `@ton/core`, or a cyclic value) is a typed
 * error in the Effect's error channel, never a synchronous throw at the call.
 *
 * (effect 4: `encodeJson` returns a `Result` where v3 returned an `Either`.)
 *
 * @since 1.0.0
 */
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
  const ancestors: Array<unknown> = []
  const path: Array<string> = []
  let problem: string | undefined
  const text = (() => {
    try {
      return JSON.stringify(value, function(this: unknown, key, current: unknown) {
        if (problem !== undefined) return undefined
        // `this` is the holder of `key`: unwind the ancestors that are done.
        while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) {
          ancestors.pop()
          path.pop()
        }
        const where = [...path, key].filter((part) => part !== "").join(".") || "the body"
        if (typeof current === "bigint") {
          problem = `a bigint at ${where} cannot be encoded as JSON; pass it as a string or a number`
          return undefined
        }
        if (typeof current === "object" && current !== null) {
          if (ancestors.includes(current)) {
            problem = `a cyclic value at ${where} cannot be encoded as JSON`
            return undefined
          }
          ancestors.push(current)
          path.push(key)
        }
        return current
      })
    } catch (error) {
      // A `toJSON` that throws.
      problem = `a value whose toJSON failed (${error instanceof Error ? error.name : "error"}) cannot be encoded`
      return undefined
    }
  })()
  if (problem !== undefined || text === undefined) {
    return Result.fail(
      new ProtocolError({
        provider,
        reason: "Unencodable",
        ...(request !== undefined ? { request } : {}),
        description: problem ?? "the body has no JSON form"
      })
    )
  }
  return Result.succeed(text)
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
