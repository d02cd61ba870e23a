/**
 * An authenticated `HttpClient`: every request is signed from the current
 * session, a response the provider rejects invalidates exactly the session that
 * signed it and is replayed once with a new one, transient failures are retried
 * with a jittered schedule that honours `Retry-After`, and platform errors
 * become the core error family.
 *
 * Built on `effect/http` (`@stability unstable` in effect 4.1), with public API
 * only: a response holds the body read within the exchange and renders the
 * request with its secrets replaced (one object of the core's own class
 * implementing the public `HttpClientResponse` interface, as in v3; a download
 * client's is rebuilt with `HttpClientResponse.fromWeb`). `upgrade` fails on
 * a buffered response, and `HttpClientResponse.toWeb` gives `None` for it.
 *
 * @since 1.0.0
 */
import * as Redaction from "@authfx/protocol/Redaction"
import * as RetryAfter from "@authfx/protocol/RetryAfter"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import type * as Schedule from "effect/Schedule"
import { type Authenticated, type Lease, SessionRejected } from "./Authenticated.js"
import {
  CredentialsRejected,
  describeRequest,
  fromResponseError,
  isTransient,
  ProtocolError,
  TransportError
} from "./AuthError.js"
import { transientAnswer } from "./AuthResponse.js"
import * as BoundedResponse from "./internal/boundedResponse.js"
import { SendGuard } from "./internal/sendGuard.js"
import { honourRetryAfter, transientSchedule } from "./Policy.js"
import type * as Provider from "./Provider.js"

/**
 * The secret headers authfx's providers use, beyond the platform's defaults
 * (`authorization`, `cookie`, `set-cookie`, `x-api-key`).
 *
 * @since 1.0.0
 * @category constants
 */
export const secretHeaders: ReadonlyArray<string> = ["access-token", "x-token", "cookie", "authorization"]

/**
 * Adds header names to `Headers.CurrentRedactedNames` for the program the
 * layer is provided to, so that logs, spans and `inspect` show them redacted.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerRedactedHeaders = (names: ReadonlyArray<string> = secretHeaders): Layer.Layer<never> =>
  Layer.effect(
    Headers.CurrentRedactedNames,
    Effect.withFiber((fiber) => Effect.succeed(appendNames(fiber.getRef(Headers.CurrentRedactedNames), names)))
  )

const appendNames = (current: ReadonlyArray<string | RegExp>, names: ReadonlyArray<string>) => {
  const missing = Redaction.missingNames(current, names)
  return missing.length === 0 ? current : [...current, ...missing]
}

/**
 * @since 1.0.0
 * @category models
 */
export interface Options<P extends Provider.Any, E = never> {
  readonly auth: Authenticated<P>
  /** Writes the session into the request: a header, a cookie, a query parameter. */
  readonly sign: (
    request: HttpClientRequest.HttpClientRequest,
    session: Provider.Session<P>
  ) => HttpClientRequest.HttpClientRequest
  /**
   * Reads a response: succeed to pass it on, fail with `SessionRejected` when
   * the provider refused the session (401, an errno), or with any other error
   * for an answer that is final. Called for every response that is not a
   * transient failure (408, 429, 5xx).
   */
  readonly classify?:
    | ((response: HttpClientResponse.HttpClientResponse) => Effect.Effect<void, SessionRejected | E>)
    | undefined
  /** The retry of transient failures; `false` for none. Defaults to `Policy.transientSchedule()`. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | false | undefined
  /**
   * Bound on each attempt, the whole exchange: connecting, the headers, and
   * reading the body (the response's `text`, `json`, `arrayBuffer` and
   * `stream` fail with a `TransportError(Timeout)` once it has passed). None
   * by default: a per-request timer costs throughput on a loopback call (see
   * BENCHMARKS.md); every provider package sets its documented bound.
   */
  readonly timeout?: Duration.Input | undefined
  /**
   * The largest body a response may have (default 8 MiB), counted as it is
   * read; over it, reading fails with `ProtocolError(TooLarge)` and the rest
   * is not read. `Infinity` for a download client, whose `stream` is then
   * read chunk by chunk as it arrives.
   */
  readonly maxResponseBytes?: number | undefined
  /** Header names to redact while requests run (default {@link secretHeaders}). */
  readonly redactedHeaders?: ReadonlyArray<string> | undefined
  /** Whether 408/429/5xx become a `TransportError` (default `true`). */
  readonly transientStatuses?: boolean | undefined
  /**
   * Query parameters that carry secrets (Terabox's `jsToken`). The platform's
   * client spans record the full URL, query included, so for such a client they
   * are replaced by one span per request whose URL has these parameters
   * redacted.
   */
  readonly secretUrlParams?: ReadonlyArray<string> | undefined
}

/**
 * @since 1.0.0
 * @category models
 */
export type AuthHttpClientError<P extends Provider.Any, E = never> =
  | Provider.Error<P>
  | E
  | TransportError
  | ProtocolError
  | CredentialsRejected

/**
 * Parses `Retry-After` (delay-seconds or an HTTP date) into milliseconds.
 *
 * @since 1.0.0
 * @category parsing
 */
export const parseRetryAfter: (value: string | undefined, nowMillis: number) => number | undefined = RetryAfter.parse

/**
 * A URL with the values of `secret` query parameters replaced by `<redacted>`.
 *
 * @since 1.0.0
 * @category tracing
 */
export const redactUrlParams: (
  url: string,
  params: ReadonlyArray<readonly [string, string]>,
  secret: ReadonlyArray<string>
) => string = Redaction.urlParams

/**
 * Options of {@link bounded}.
 *
 * @since 1.0.0
 * @category models
 */
export interface BoundedOptions {
  /**
   * The largest body read, in bytes, counted after decompression (default
   * 8 MiB); a larger one fails with an `HttpClientError` (a `DecodeError`
   * reason) that `AuthError.fromResponseError` maps to
   * `ProtocolError(TooLarge)`, and the rest is not read.
   */
  readonly maxResponseBytes?: number | undefined
}

/**
 * The client for the unauthenticated exchanges of a provider (logins, token
 * renewals, page scrapes): every body is read within the exchange — so a
 * timeout around it covers the body too — and bounded in size, and redirects
 * are never followed by the platform.
 *
 * @since 1.0.0
 * @category constructors
 */
export const bounded = (client: HttpClient.HttpClient, options?: BoundedOptions): HttpClient.HttpClient => {
  const maxBytes = options?.maxResponseBytes ?? 8 * 1024 * 1024
  const guard = new SendGuard([])
  return HttpClient.transformResponse(
    client,
    (execute) =>
      Effect.flatMap(
        guard.run(Headers.empty, execute),
        (response) =>
          Effect.catchIf(
            BoundedResponse.buffer(response, maxBytes),
            (e): e is BoundedResponse.BodyTooLarge => e instanceof BoundedResponse.BodyTooLarge,
            (e) =>
              Effect.fail(
                new HttpClientError.HttpClientError({
                  reason: new HttpClientError.DecodeError({
                    request: response.request,
                    response,
                    cause: e,
                    description: `the body is larger than ${e.limit} bytes`
                  })
                })
              )
          )
      )
  )
}

/**
 * Builds the authenticated client.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = <P extends Provider.Any, E = never>(
  client: HttpClient.HttpClient,
  options: Options<P, E>
): HttpClient.HttpClient.With<AuthHttpClientError<P, E>> => {
  const { auth, sign } = options
  const provider = auth.provider as string
  // A schedule given by the user honours Retry-After as the default one does.
  const schedule = options.retry === undefined
    ? transientSchedule()
    : options.retry === false
    ? false
    : honourRetryAfter(options.retry)
  const timeout = options.timeout === undefined ? undefined : Duration.fromInputUnsafe(options.timeout)
  const redacted = options.redactedHeaders ?? secretHeaders
  const transientStatuses = options.transientStatuses ?? true
  const secretParams = options.secretUrlParams ?? []
  const maxBytes = options.maxResponseBytes ?? 8 * 1024 * 1024
  const buffered = Number.isFinite(maxBytes)
  // The platform's client span records the full URL: a client with secret query parameters turns it off (its own
  // span below records the URL redacted).
  const execute = secretParams.length === 0
    ? client.execute
    : (request: HttpClientRequest.HttpClientRequest) =>
      Effect.provideService(client.execute(request), HttpClient.TracerDisabledWhen, () => true)
  const classify = options.classify
  const secrets = new BoundedResponse.Secrets(redacted, secretParams)
  const guard = new SendGuard(redacted)

  const tooLarge = (error: BoundedResponse.BodyTooLarge, request: HttpClientRequest.HttpClientRequest) =>
    new ProtocolError({
      provider,
      reason: "TooLarge",
      status: error.status,
      request: describeRequest(request),
      description: `the body is larger than ${error.limit} bytes; the rest was not read`
    })

  /** Platform errors become the core family; the provider's own errors and ours pass as they are. */
  const mapFailure = (error: unknown): Effect.Effect<never, unknown> => {
    return Effect.fail(HttpClientError.isHttpClientError(error) ? fromResponseError(provider, error) : error)
  }

  const onTimeout = timeout === undefined ? undefined : () =>
    new TransportError({
      provider,
      reason: "Timeout",
      description: `no answer within ${Duration.format(timeout)}`
    })

  const rejectedAfterReauth = (rejected: SessionRejected) =>
    new CredentialsRejected({
      provider,
      reason: "RejectedAfterReauth",
      ...(rejected.status !== undefined ? { status: rejected.status } : {}),
      ...(rejected.code !== undefined ? { code: rejected.code } : {}),
      description: rejected.description ?? "a new session was rejected as well"
    })

  const accepted = auth.accepted

  /** The exchange of one request: signed with the current session, retried, replayed once after a rejection. */
  const exchange = (request: HttpClientRequest.HttpClientRequest) => {
    // The session (and its generation) that signed the current attempt, for a rejection or an acceptance to name:
    // the attempts of one request run one after the other, and each request has its own.
    let signedWith: Lease<Provider.Session<P>> | undefined
    // Whether the current attempt got a session: a failure before that is the login's own, which has already
    // spent its retry budget (the provider's login policy, the engine's floors), so the request does not retry it.
    let leased = false
    const sent = Effect.flatMap(
      Effect.suspend(() => {
        leased = false
        return auth.lease
      }),
      (lease) => {
        signedWith = lease
        leased = true
        const session = lease.session
        const signed = sign(request, session)
        const response = guard.run(signed.headers, execute(signed))
        // The body is read within the exchange (so the timeout covers it, and a stalled body cannot hang the
        // caller), counted against the bound; the response renders its request without the credential.
        return buffered
          ? Effect.flatMap(response, (r) => BoundedResponse.buffer(r, maxBytes, secrets))
          : Effect.map(response, (r) => BoundedResponse.unbuffered(r, secrets))
      }
    )
    const bounded = onTimeout === undefined
      ? sent
      : Effect.timeoutOrElse(sent, { duration: timeout!, orElse: () => Effect.fail(onTimeout()) })
    const attempt: Effect.Effect<HttpClientResponse.HttpClientResponse, unknown> = Effect.matchEffect(bounded, {
      onFailure: (error) =>
        error instanceof BoundedResponse.BodyTooLarge
          ? Effect.fail(tooLarge(error, request))
          : mapFailure(error),
      onSuccess: (response): Effect.Effect<HttpClientResponse.HttpClientResponse, unknown> => {
        if (transientStatuses && RetryAfter.isTransientStatus(response.status)) {
          return transientAnswer(provider, response)
        }
        // `accepted` is `Effect.void` unless a rejection is pending (a field check): the common path adds nothing.
        const ack = accepted(signedWith!)
        if (classify === undefined) return ack === Effect.void ? Effect.succeed(response) : Effect.as(ack, response)
        return ack === Effect.void
          ? Effect.as(classify(response), response)
          : Effect.andThen(classify(response), Effect.as(ack, response))
      }
    })
    // A transient failure is retried while the failed attempt had a session: a failure before that is the login's,
    // which has spent its own retry budget. The schedule's machinery is only set up once an attempt has failed (the
    // retry starts by replaying that failure to it): the common path, a first attempt that succeeds, pays nothing
    // for it.
    const retrying = (first: unknown): Effect.Effect<HttpClientResponse.HttpClientResponse, unknown> => {
      if (schedule === false || !leased) return Effect.fail(first)
      let replay = true
      return Effect.retry(
        Effect.suspend(() => {
          if (!replay) return attempt
          replay = false
          return Effect.fail(first)
        }),
        { schedule, while: (error) => leased && isTransient(error) }
      )
    }
    const retried = schedule === false ? attempt : Effect.catchIf(attempt, isTransient, retrying)
    // A rejection invalidates exactly the session (by generation) that signed the rejected attempt; the first is
    // replayed once with a new session, the second invalidates that one too and is final.
    const invalidate = () =>
      signedWith === undefined
        ? Effect.void
        : auth.invalidate(signedWith.session, { generation: signedWith.generation })
    const exchanged = Effect.catch(retried, (error) =>
      error instanceof SessionRejected
        ? invalidate().pipe(
          Effect.andThen(Effect.catch(
            retried,
            (again) =>
              again instanceof SessionRejected
                ? Effect.andThen(invalidate(), Effect.fail(rejectedAfterReauth(again)))
                : Effect.fail(again)
          )),
          Effect.withSpan(`${provider}.replay`, { attributes: { "authfx.provider": provider } })
        )
        : Effect.fail(error))
    return (secretParams.length === 0 ? exchanged : exchanged.pipe(
      Effect.tap((response) =>
        Effect.annotateCurrentSpan({
          "http.request.method": response.request.method,
          "url.full": redactUrlParams(
            response.request.url,
            BoundedResponse.plainParams(response.request.urlParams),
            secretParams
          ),
          "http.response.status_code": response.status
        })
      ),
      Effect.withSpan(`${provider}.request`, { kind: "client", attributes: { "authfx.provider": provider } })
    )) as Effect.Effect<HttpClientResponse.HttpClientResponse, AuthHttpClientError<P, E>>
  }

  return HttpClient.makeWith(
    (request: Effect.Effect<HttpClientRequest.HttpClientRequest>) => Effect.flatMap(request, exchange),
    Effect.succeed
  ) as HttpClient.HttpClient.With<AuthHttpClientError<P, E>>
}
