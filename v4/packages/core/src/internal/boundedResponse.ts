/**
 * What an authenticated client hands back: the response read in full within
 * the exchange — bounded in size and by the exchange's deadline — as a new
 * response (`HttpClientResponse.fromWeb`) whose `request` is the signed one
 * with its secret headers and query parameters replaced, so that rendering
 * it, or an error that holds it, shows no credential.
 *
 * (v3 wrapped the platform's response in its own class; effect 4's response
 * interface has more members, so the port builds a response through public
 * API instead.)
 */
import * as Redaction from "@authfx/protocol/Redaction"
import * as Effect from "effect/Effect"
import * as Cookies from "effect/http/Cookies"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as UrlParams from "effect/http/UrlParams"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/**
 * The body grew past the bound; nothing more was read. It carries the status
 * only, never the response (whose request holds the credential): it may be
 * rendered as an error's cause.
 */
export class BodyTooLarge {
  readonly _tag = "BodyTooLarge"
  constructor(readonly limit: number, readonly read: number, readonly status: number) {}
}

/** Query parameters as text: a `Redacted` value shows as the placeholder. */
export const plainParams = (params: UrlParams.UrlParams): ReadonlyArray<readonly [string, string]> =>
  params.params.map(([name, value]) => [name, typeof value === "string" ? value : Redaction.placeholder] as const)

/** The header names and query parameters a client's requests carry secrets in; built once per client. */
export class Secrets {
  readonly headers: Redaction.Names
  readonly params: Redaction.Names
  constructor(headerNames: ReadonlyArray<string>, params: ReadonlyArray<string>) {
    this.headers = Redaction.names(headerNames)
    this.params = Redaction.names(params)
  }
  /** A copy of `request` whose secret headers and query parameters are replaced, for rendering and errors. */
  sanitize(request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest {
    let sanitized = request
    for (const name in request.headers) {
      if (this.headers.has(name)) sanitized = HttpClientRequest.setHeader(sanitized, name, Redaction.placeholder)
    }
    if (this.params.size > 0) {
      const plain = plainParams(request.urlParams)
      const params = Redaction.pairs(plain, this.params)
      if (params !== plain) sanitized = HttpClientRequest.setUrlParams(sanitized, UrlParams.make(params))
    }
    return sanitized
  }
}

/** Nothing is secret: a response of a login client renders its own request. */
const none = new Secrets([], [])

/** Statuses a web `Response` must have no body for. */
const nullBody = new Set([101, 103, 204, 205, 304])

/**
 * The response's headers as web `Headers`, every `set-cookie` kept: the web
 * response's own when there is one (`fetch`), else the record and the parsed
 * cookies (the record keeps one `set-cookie` only).
 */
const copyHeaders = (response: HttpClientResponse.HttpClientResponse): globalThis.Headers => {
  const web = HttpClientResponse.toWeb(response)
  if (Option.isSome(web)) return new globalThis.Headers(web.value.headers)
  const headers = new globalThis.Headers()
  for (const [name, value] of Object.entries(response.headers)) {
    if (name !== "set-cookie") headers.append(name, value)
  }
  for (const cookie of Cookies.toSetCookieHeaders(response.cookies)) headers.append("set-cookie", cookie)
  return headers
}

const rebuild = (
  response: HttpClientResponse.HttpClientResponse,
  body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> | null,
  secrets: Secrets
): HttpClientResponse.HttpClientResponse => {
  // A web `Response` only takes 200-599; anything else (an informational status) is passed on as it came.
  if (response.status < 200 || response.status > 599) return response
  const headers = copyHeaders(response)
  return HttpClientResponse.fromWeb(
    secrets.sanitize(response.request),
    new Response(nullBody.has(response.status) ? null : body, { status: response.status, headers })
  )
}

/**
 * Reads `response`'s body within the exchange, at most `maxBytes` of it: a
 * declared length over the bound fails at once; a body of unknown length (or
 * with a content coding, decompressed as it is read) is counted as it arrives
 * and reading stops as soon as it passes the bound. What comes back renders
 * its request with `secrets` redacted, and its body can be read again by the
 * provider's classification and by the caller.
 */
export const buffer = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number,
  secrets: Secrets = none
): Effect.Effect<HttpClientResponse.HttpClientResponse, BodyTooLarge | HttpClientError.HttpClientError> => {
  const headers = response.headers
  if (response.request.method === "HEAD" || nullBody.has(response.status)) {
    return Effect.succeed(rebuild(response, null, secrets))
  }
  const length = headers["content-length"]
  const encoding = headers["content-encoding"]
  const declared = length === undefined || (encoding !== undefined && encoding !== "identity") ? NaN : Number(length)
  if (Number.isFinite(declared) && declared > maxBytes) {
    // Not read, but cancelled: a body left pending would keep its connection (and the server) busy.
    return response.stream.pipe(
      Stream.runHead,
      Effect.ignore,
      Effect.andThen(Effect.fail(new BodyTooLarge(maxBytes, 0, response.status)))
    )
  }
  let read = 0
  const parts: Array<Uint8Array> = []
  return response.stream.pipe(
    Stream.catchTag(
      "HttpClientError",
      (error) => error.reason._tag === "EmptyBodyError" ? Stream.empty : Stream.fail(error)
    ),
    Stream.runForEach((chunk) => {
      read += chunk.byteLength
      if (read > maxBytes) return Effect.fail(new BodyTooLarge(maxBytes, read, response.status))
      parts.push(chunk)
      return Effect.void
    }),
    Effect.map(() => {
      const body = new Uint8Array(read)
      let offset = 0
      for (const part of parts) {
        body.set(part, offset)
        offset += part.byteLength
      }
      return rebuild(response, body, secrets)
    })
  )
}

/**
 * The response with its body left to stream, rendering its request with
 * `secrets` redacted: for a client that does not buffer (a download).
 */
export const unbuffered = (
  response: HttpClientResponse.HttpClientResponse,
  secrets: Secrets
): HttpClientResponse.HttpClientResponse =>
  rebuild(
    response,
    response.request.method === "HEAD" ? null : Stream.toReadableStream(response.stream),
    secrets
  )
