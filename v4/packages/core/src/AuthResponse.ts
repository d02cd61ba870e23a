/**
 * Reading providers' answers: JSON bodies and schema decoding that fail with
 * the error family, saying where an answer was wrong and never what it held.
 *
 * @since 1.0.0
 */
import { isTransientStatus as isTransient, parse as parseRetryAfter } from "@authfx/protocol/RetryAfter"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Schema from "effect/Schema"
import {
  describeRequest,
  fromParseError,
  fromResponseError,
  ProtocolError,
  type TransportError,
  transportFromStatus
} from "./AuthError.js"

/**
 * The JSON body of `response`; a body that cannot be read or is not JSON is a
 * typed error.
 *
 * @since 1.0.0
 * @category decoding
 */
export const readJson = (
  provider: string,
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<unknown, ProtocolError | TransportError> =>
  response.text.pipe(
    Effect.mapError((error) => fromResponseError(provider, error)),
    Effect.flatMap((text) =>
      Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: () =>
          new ProtocolError({
            provider,
            reason: "Decode",
            status: response.status,
            request: describeRequest(response.request),
            description: "the answer is not valid JSON"
          })
      })
    )
  )

/**
 * The JSON body of `response` decoded with `schema`.
 *
 * @since 1.0.0
 * @category decoding
 */
export const decodeJson = <A, I>(
  provider: string,
  schema: Schema.Codec<A, I>,
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<A, ProtocolError | TransportError> =>
  Effect.flatMap(readJson(provider, response), (json) => decodeValue(provider, schema, json, response))

/**
 * A value read from `response` (its JSON, a part of it) decoded with `schema`;
 * a mismatch is a `ProtocolError` naming the request.
 *
 * @since 1.0.0
 * @category decoding
 */
export const decodeValue = <A, I>(
  provider: string,
  schema: Schema.Codec<A, I>,
  value: unknown,
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<A, ProtocolError> =>
  Schema.decodeUnknownEffect(schema)(value).pipe(
    Effect.mapError((error) =>
      fromParseError({ provider, error, request: describeRequest(response.request), status: response.status })
    )
  )

/**
 * A platform client error as the error family: a request that got no answer is
 * a `TransportError`, an answer that could not be read a `ProtocolError` (or a
 * `TransportError` for 408, 429 and 5xx). effect 4 has one `HttpClientError`
 * whose `reason` tells which: this is `AuthError.fromResponseError`.
 *
 * @since 1.0.0
 * @category errors
 */
export const fromHttpClientError = (
  provider: string,
  error: HttpClientError.HttpClientError
): TransportError | ProtocolError => fromResponseError(provider, error)

/**
 * Whether a status is one a later attempt may not meet: 408, 429 or 5xx.
 *
 * @since 1.0.0
 * @category classifying
 */
export const isTransientStatus: (status: number) => boolean = isTransient

/**
 * The `TransportError` for a transient answer (408, 429, 5xx), carrying the
 * server's `Retry-After` so that retries, logins included, wait as long as it
 * asked.
 *
 * @since 1.0.0
 * @category errors
 */
export const transientAnswer = (
  provider: string,
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<never, TransportError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.fail(
      transportFromStatus(
        provider,
        describeRequest(response.request),
        response.status,
        parseRetryAfter(response.headers["retry-after"], now)
      )
    ))
