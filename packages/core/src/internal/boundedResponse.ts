/**
 * What an authenticated client hands back: the platform's response read in
 * full within the exchange — bounded in size and by the exchange's deadline —
 * and rebuilt around a `request` that renders without the credential that
 * signed it.
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
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

/**
 * Reads `response`'s body, at most `maxBytes` of it (failing with
 * `BodyTooLarge` as soon as more arrives), and rebuilds the response from the
 * bytes with `rendered` as its request. Its `text`, `json` and the rest can
 * then be read any number of times, by the provider's classification and by
 * the caller.
 */
export const buffer = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number,
  rendered: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientResponse.HttpClientResponse, BodyTooLarge | unknown> =>
  Effect.suspend(() => {
    const declared = Number(response.headers["content-length"])
    if (Number.isFinite(declared) && declared > maxBytes) return Effect.fail(new BodyTooLarge(maxBytes, 0))
    let read = 0
    const parts: Array<Uint8Array> = []
    return response.stream.pipe(
      Stream.runForEach((chunk) => {
        read += chunk.byteLength
        if (read > maxBytes) return Effect.fail(new BodyTooLarge(maxBytes, read))
        parts.push(chunk)
        return Effect.void
      }),
      Effect.map(() => {
        const headers = new globalThis.Headers()
        for (const [name, value] of Object.entries(response.headers as Record<string, string | Array<string>>)) {
          if (Array.isArray(value)) { for (const v of value) headers.append(name, v) }
          else headers.set(name, value)
        }
        // `fetch` has already decompressed the body: the rebuilt response must not claim an encoding or a length.
        headers.delete("content-encoding")
        headers.delete("content-length")
        const body = new Uint8Array(read)
        let offset = 0
        for (const part of parts) {
          body.set(part, offset)
          offset += part.byteLength
        }
        const status = response.status
        if (status < 200 || status > 599) return response
        return HttpClientResponse.fromWeb(
          rendered,
          new Response(nullBody.has(status) ? null : body, { status, headers })
        )
      })
    )
  })
