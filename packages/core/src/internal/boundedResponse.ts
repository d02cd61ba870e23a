/**
 * What an authenticated client hands back: the platform's response read in
 * full within the exchange — bounded in size and by the exchange's deadline —
 * and rebuilt around a `request` that renders without the credential that
 * signed it.
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Stream from "effect/Stream"

/** The body grew past the bound; nothing more was read. */
export class BodyTooLarge {
  readonly _tag = "BodyTooLarge"
  constructor(readonly limit: number, readonly read: number) {}
}

const REDACTED = "<redacted>"

/** A copy of `request` whose secret headers and query parameters are replaced, for rendering and errors. */
export const sanitizeRequest = (
  request: HttpClientRequest.HttpClientRequest,
  headerNames: ReadonlyArray<string>,
  params: ReadonlyArray<string>
): HttpClientRequest.HttpClientRequest => {
  const secretHeaders = new Set(headerNames.map((n) => n.toLowerCase()))
  let sanitized = request
  for (const name of Object.keys(request.headers)) {
    if (secretHeaders.has(name.toLowerCase())) sanitized = HttpClientRequest.setHeader(sanitized, name, REDACTED)
  }
  if (params.length > 0) {
    const secret = new Set(params)
    sanitized = HttpClientRequest.setUrlParams(
      sanitized,
      UrlParams.fromInput(request.urlParams.map(([key, value]) => [key, secret.has(key) ? REDACTED : value] as const))
    )
  }
  return sanitized
}

const nullBody = new Set([101, 103, 204, 205, 304])

/** The response around `rendered`, rendering without the credential; body accessors from `body` when given. */
const wrap = (
  response: HttpClientResponse.HttpClientResponse,
  rendered: HttpClientRequest.HttpClientRequest,
  body: Uint8Array | undefined
): HttpClientResponse.HttpClientResponse => {
  const properties: PropertyDescriptorMap = {
    request: { value: rendered, enumerable: true },
    // Built here: the platform renders through an inner original that holds the signed request, and its
    // rendering reads the body to show it.
    toJSON: {
      value: () => ({
        _id: "@effect/platform/HttpClientResponse",
        request: rendered.toJSON(),
        status: response.status,
        headers: Inspectable.redact(response.headers)
      })
    }
  }
  if (body !== undefined) {
    const text = Effect.sync(() => new TextDecoder().decode(body))
    const decode = (cause: unknown, description: string) =>
      new HttpClientError.ResponseError({ request: rendered, response, reason: "Decode", cause, description })
    Object.assign(properties, {
      text: { get: () => text },
      json: {
        get: () =>
          Effect.flatMap(
            text,
            (t) =>
              Effect.try({
                try: () => t === "" ? null : JSON.parse(t) as unknown,
                catch: (e) => decode(e, "invalid JSON")
              })
          )
      },
      urlParamsBody: {
        get: () =>
          Effect.flatMap(text, (t) =>
            Effect.try({
              try: () => UrlParams.fromInput(new URLSearchParams(t)),
              catch: (e) => decode(e, "invalid form body")
            }))
      },
      arrayBuffer: {
        get: () =>
          Effect.sync(() => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer)
      },
      stream: { get: () => Stream.succeed(body) }
    })
  }
  const wrapper: HttpClientResponse.HttpClientResponse = Object.create(response, properties)
  Object.defineProperties(wrapper, {
    [Inspectable.NodeInspectSymbol]: { value: () => wrapper.toJSON() },
    toString: { value: () => Inspectable.format(wrapper.toJSON()) }
  })
  return wrapper
}

/**
 * Reads `response`'s body within the exchange, at most `maxBytes` of it: a
 * declared length over the bound fails at once; a body of unknown length is
 * counted as it arrives and reading stops as soon as it passes the bound.
 * What comes back renders with `rendered` as its request, and its body can
 * be read again by the provider's classification and by the caller.
 */
export const buffer = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number,
  rendered: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientResponse.HttpClientResponse, BodyTooLarge | HttpClientError.ResponseError> =>
  Effect.suspend(() => {
    if (response.request.method === "HEAD" || nullBody.has(response.status)) {
      return Effect.succeed(wrap(response, rendered, undefined))
    }
    const declared = Number(response.headers["content-length"])
    if (response.headers["content-length"] !== undefined && Number.isFinite(declared)) {
      if (declared > maxBytes) {
        // Not read, but cancelled: a body left pending would keep its connection (and the server) busy.
        return response.stream.pipe(
          Stream.runHead,
          Effect.ignore,
          Effect.zipRight(Effect.fail(new BodyTooLarge(maxBytes, 0)))
        )
      }
      // Known and within the bound: one read of the bytes, which every accessor of the response then serves.
      return Effect.map(response.arrayBuffer, (bytes) => wrap(response, rendered, new Uint8Array(bytes)))
    }
    let read = 0
    const parts: Array<Uint8Array> = []
    return response.stream.pipe(
      Stream.catchAll((error) =>
        error.description === "can not create stream from empty body" ? Stream.empty : Stream.fail(error)
      ),
      Stream.runForEach((chunk) => {
        read += chunk.byteLength
        if (read > maxBytes) return Effect.fail(new BodyTooLarge(maxBytes, read))
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
        return wrap(response, rendered, body)
      })
    )
  })
