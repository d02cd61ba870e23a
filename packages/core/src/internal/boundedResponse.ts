/**
 * What an authenticated client hands back: the platform's response read in
 * full within the exchange — bounded in size and by the exchange's deadline —
 * whose `request` renders without the credential that signed it.
 *
 * One class with its accessors on the prototype: a response costs one small
 * object, and the rendered request is only built when something reads it.
 */
import * as Redaction from "@authfx/protocol/Redaction"
import type * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
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
    const params = Redaction.pairs(request.urlParams, this.params)
    if (params !== request.urlParams) {
      sanitized = HttpClientRequest.setUrlParams(sanitized, UrlParams.fromInput(params))
    }
    return sanitized
  }
}

/** Nothing is secret: a response of a login client renders its own request. */
const none = new Secrets([], [])

const nullBody = new Set([101, 103, 204, 205, 304])
const decoder = new TextDecoder()

/** The response, its body (when read) and the request it renders with. */
class BufferedResponse implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  private rendered: HttpClientRequest.HttpClientRequest | undefined = undefined
  constructor(
    readonly original: HttpClientResponse.HttpClientResponse,
    readonly body: Uint8Array | undefined,
    private readonly secrets: Secrets,
    // Read once: the platform's web-based response builds a new headers object on every access.
    readonly headers: Headers.Headers
  ) {}
  get request(): HttpClientRequest.HttpClientRequest {
    return this.rendered ??= this.secrets.sanitize(this.original.request)
  }
  get status() {
    return this.original.status
  }
  get cookies() {
    return this.original.cookies
  }
  get remoteAddress() {
    return this.original.remoteAddress
  }
  get formData() {
    return this.original.formData
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    const body = this.body
    return body === undefined ? this.original.text : Effect.sync(() => decoder.decode(body))
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    if (this.body === undefined) return this.original.json
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => text === "" ? null : JSON.parse(text) as unknown,
        catch: (cause) => this.decodeError(cause, "invalid JSON")
      }))
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    if (this.body === undefined) return this.original.urlParamsBody
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.decodeError(cause, "invalid form body")
      }))
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    const body = this.body
    if (body === undefined) return this.original.arrayBuffer
    return Effect.sync(() => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer)
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return this.body === undefined ? this.original.stream : Stream.succeed(this.body)
  }
  private decodeError(cause: unknown, description: string) {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: "Decode",
      cause,
      description
    })
  }
  // Built here rather than inherited: the platform renders through its response's own request (the signed one),
  // and its rendering reads the body to show it.
  toJSON(): unknown {
    return {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status,
      headers: Inspectable.redact(this.headers)
    }
  }
  toString(): string {
    return Inspectable.format(this.toJSON())
  }
  [Inspectable.NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}

/**
 * Reads `response`'s body within the exchange, at most `maxBytes` of it: a
 * declared length over the bound fails at once; a body of unknown length is
 * counted as it arrives and reading stops as soon as it passes the bound.
 * What comes back renders its request with `secrets` redacted, and its body
 * can be read again by the provider's classification and by the caller.
 */
export const buffer = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number,
  secrets: Secrets = none
): Effect.Effect<HttpClientResponse.HttpClientResponse, BodyTooLarge | HttpClientError.ResponseError> => {
  const headers = response.headers
  if (response.request.method === "HEAD" || nullBody.has(response.status)) {
    return Effect.succeed(new BufferedResponse(response, undefined, secrets, headers))
  }
  const length = headers["content-length"]
  const encoding = headers["content-encoding"]
  // A declared length counts the bytes on the wire: with a content coding the body is decompressed as it is
  // read and may be far larger, so such a body is counted as it arrives, like one of unknown length.
  const declared = length === undefined || (encoding !== undefined && encoding !== "identity") ? NaN : Number(length)
  if (Number.isFinite(declared)) {
    if (declared > maxBytes) {
      // Not read, but cancelled: a body left pending would keep its connection (and the server) busy.
      return response.stream.pipe(
        Stream.runHead,
        Effect.ignore,
        Effect.zipRight(Effect.fail(new BodyTooLarge(maxBytes, 0, response.status)))
      )
    }
    // Known and within the bound: one read of the bytes, which every accessor of the response then serves.
    return Effect.map(
      response.arrayBuffer,
      (bytes) => new BufferedResponse(response, new Uint8Array(bytes), secrets, headers)
    )
  }
  let read = 0
  const parts: Array<Uint8Array> = []
  return response.stream.pipe(
    Stream.catchAll((error) =>
      error.description === "can not create stream from empty body" ? Stream.empty : Stream.fail(error)
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
      return new BufferedResponse(response, body, secrets, headers)
    })
  )
}

/** The response as it is, rendering its request with `secrets` redacted: for a client that does not buffer. */
export const unbuffered = (
  response: HttpClientResponse.HttpClientResponse,
  secrets: Secrets
): HttpClientResponse.HttpClientResponse => new BufferedResponse(response, undefined, secrets, response.headers)
