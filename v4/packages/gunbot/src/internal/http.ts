import * as AuthResponse from "@authfx/core/AuthResponse"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import type * as Schema from "effect/Schema"

export const provider = "gunbot"

export const readJson = (response: HttpClientResponse.HttpClientResponse) => AuthResponse.readJson(provider, response)

export const decodeJson = <A, I>(schema: Schema.Codec<A, I>, response: HttpClientResponse.HttpClientResponse) =>
  AuthResponse.decodeJson(provider, schema, response)

export const mapPlatformError = (error: HttpClientError.HttpClientError) =>
  AuthResponse.fromHttpClientError(provider, error)
