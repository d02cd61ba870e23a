/**
 * What an authenticated client hands back: the response read in full within
 * the exchange — bounded in size and by the exchange's deadline — whose
 * `request` is the signed one with its secret headers and query parameters
 * replaced, so that rendering it, or an error that holds it, shows no
 * credential.
 *
 * A buffered response is one small object of a class implementing effect 4's
 * public `HttpClientResponse` interface (as v3's `BufferedResponse` does): the
 * body bytes, the platform's response for its status, headers and cookies, and
 * the rendered request built only when something reads it. A body of declared
 * length within the bound is read once through the platform's `arrayBuffer`
 * (reading its `stream` aborts the exchange's controller at the end, which
 * costs a `DOMException` per request); a body of unknown length, or with a
 * content coding, is counted chunk by chunk. A client that does not buffer (a
 * download) gets a web `Response` rebuilt around the streaming body
 * (`HttpClientResponse.fromWeb`).
 */
import * as Redaction from "@authfx/protocol/Redaction"
import * as Effect from "effect/Effect"
import * as Cookies from "effect/http/Cookies"
import type * as Headers from "effect/http/Headers"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as UrlParams from "effect/http/UrlParams"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import type * as Schema from "effect/Schema"
import type * as Socket from "effect/socket/Socket"
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

const decoder = new TextDecoder()
const emptyBody = new Uint8Array(0)

/** The platform's response, the body read within the exchange, and the request it renders with. */
class BufferedResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: typeof HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: typeof HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  private rendered: HttpClientRequest.HttpClientRequest | undefined = undefined
  private readHeaders: Headers.Headers | undefined
  constructor(
    readonly original: HttpClientResponse.HttpClientResponse,
    // `undefined` for a response that has no body (a HEAD, a 204): every accessor then reads as empty.
    readonly body: Uint8Array | undefined,
    private readonly secrets: Secrets,
    headers?: Headers.Headers
  ) {
    super()
    this.readHeaders = headers
  }
  // Read once, when first asked for: the platform's web-based response builds a new headers object on every access.
  get headers(): Headers.Headers {
    return this.readHeaders ??= this.original.headers
  }
  get request(): HttpClientRequest.HttpClientRequest {
    return this.rendered ??= this.secrets.sanitize(this.original.request)
  }
  get url(): string {
    return this.original.url
  }
  get status(): number {
    return this.original.status
  }
  get cookies(): Cookies.Cookies {
    return this.original.cookies
  }
  get remoteAddress(): Option.Option<string> {
    return this.original.remoteAddress
  }
  get text(): Effect.Effect<string, HttpClientError.HttpClientError> {
    const body = this.body
    return body === undefined ? Effect.succeed("") : Effect.sync(() => decoder.decode(body))
  }
  get json(): Effect.Effect<Schema.Json, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : JSON.parse(text)) as Schema.Json,
        catch: (cause) => this.decodeError(cause)
      }))
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.decodeError(cause)
      }))
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> {
    const body = this.body ?? emptyBody
    return Effect.sync(() => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer)
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.HttpClientError> {
    return this.body === undefined ? Stream.empty : Stream.succeed(this.body)
  }
  /** Parsed from the body read, through a web `Response` built only when asked. */
  get formData(): Effect.Effect<FormData, HttpClientError.HttpClientError> {
    const body = this.body
    return Effect.tryPromise({
      try: () => {
        const headers = new globalThis.Headers()
        const type = this.headers["content-type"]
        if (type !== undefined) headers.set("content-type", type)
        return new Response(body === undefined ? null : body.slice(), { headers }).formData()
      },
      catch: (cause) => this.decodeError(cause)
    })
  }
  get upgrade(): Effect.Effect<Socket.Socket, HttpClientError.HttpClientError> {
    return Effect.fail(
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.StatusCodeError({
          request: this.request,
          response: this,
          description: "the body was read within the exchange: the connection cannot be upgraded"
        })
      })
    )
  }
  private decodeError(cause: unknown): HttpClientError.HttpClientError {
    return new HttpClientError.HttpClientError({
      reason: new HttpClientError.DecodeError({ request: this.request, response: this, cause })
    })
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
  pipe() {
    // effect's own `Pipeable` implementations pass `arguments` as they are (its `pipeArguments` takes them).
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
}

/** A response without a body reads as an empty one (a platform reports it as an `EmptyBodyError`). */
const emptyOnEmptyBody = (error: HttpClientError.HttpClientError) =>
  error.reason._tag === "EmptyBodyError" ? Effect.succeed(new ArrayBuffer(0)) : Effect.fail(error)

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
  if (response.request.method === "HEAD" || nullBody.has(response.status)) {
    return Effect.succeed(new BufferedResponse(response, undefined, secrets))
  }
  // The two headers the bound needs, from the web `Response` when there is one (the whole headers object is built
  // only if someone reads it), else from the response's headers, read once and kept.
  const web = HttpClientResponse.toWeb(response)
  const headers = Option.isSome(web) ? undefined : response.headers
  const header = (name: string): string | undefined =>
    Option.isSome(web) ? web.value.headers.get(name) ?? undefined : headers?.[name]
  const length = header("content-length")
  const encoding = header("content-encoding")
  // A declared length counts the bytes on the wire: with a content coding the body is decompressed as it is read
  // and may be far larger, so such a body is counted as it arrives, like one of unknown length.
  const declared = length === undefined || (encoding !== undefined && encoding !== "identity") ? NaN : Number(length)
  if (Number.isFinite(declared)) {
    if (declared > maxBytes) {
      // Not read, but cancelled: a body left pending would keep its connection (and the server) busy.
      return response.stream.pipe(
        Stream.runHead,
        Effect.ignore,
        Effect.andThen(Effect.fail(new BodyTooLarge(maxBytes, 0, response.status)))
      )
    }
    // Known and within the bound: one read of the bytes (the transport reads no more than the declared length),
    // which every accessor of the response then serves. A client that is no transport (a function answering
    // web responses) may declare less than it has: the bytes are counted once more.
    return Effect.flatMap(
      Effect.catchTag(response.arrayBuffer, "HttpClientError", emptyOnEmptyBody),
      (bytes) =>
        bytes.byteLength > maxBytes
          ? Effect.fail(new BodyTooLarge(maxBytes, bytes.byteLength, response.status))
          : Effect.succeed(new BufferedResponse(response, new Uint8Array(bytes), secrets, headers))
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
      if (parts.length === 1) return new BufferedResponse(response, parts[0], secrets, headers)
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
