import * as AuthResponse from "@authfx/core/AuthResponse"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Schema from "effect/Schema"

export const provider = "gunbot"

export const readJson = (response: HttpClientResponse.HttpClientResponse) => AuthResponse.readJson(provider, response)

export const decodeJson = <A, I>(schema: Schema.Schema<A, I>, response: HttpClientResponse.HttpClientResponse) =>
  AuthResponse.decodeJson(provider, schema, response)

export const mapPlatformError = (error: HttpClientError.HttpClientError) =>
  AuthResponse.fromHttpClientError(provider, error)
