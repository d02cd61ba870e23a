/**
 * What arrives on a socket: each frame bounded (`maxFrameSize`, before it is parsed), read with 64-bit ids kept
 * exact, routed on `method` (the `TOKEN_AUTH_OK` or `error` answer before authentication; `100099`, the first served
 * frame and `inbound` after it), and decoded with its schema only where a schema is needed.
 */
import * as AuthError from "@authfx/core/AuthError"
import * as NandboxFrames from "@authfx/protocol/NandboxFrames"
import type * as Clock from "effect/Clock"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { ErrorFrame, InboundFrame, type NandboxAuthError, type NandboxSession, TokenAuthOk } from "../Nandbox.js"
import { provider } from "./config.js"
import type * as Inbound from "./inbound.js"
import type { Attempt } from "./socket.js"

const decodeOk = Schema.decodeUnknownEither(TokenAuthOk)
const decodeError = Schema.decodeUnknownEither(ErrorFrame)
const decodeInbound = Schema.decodeUnknownEither(InboundFrame)

/** `TokenAuthOk`'s decoding without the Schema machinery, for the well-formed answer; `undefined` otherwise. */
const readTokenAuthOk: (frame: Record<string, unknown>) => typeof TokenAuthOk.Type | undefined =
  NandboxFrames.tokenAuthOk

/** What reading a socket's frames needs of the connection and of the socket's lifecycle. */
export interface Env {
  readonly clock: Clock.Clock
  /** How errors name the socket's request: `WS <url without secrets>`. */
  readonly request: string
  readonly maxFrameSize: number
  readonly inbound: Inbound.Inbound<InboundFrame>
  readonly log: (message: string) => void
  /** A frame other than an error arrived after `TOKEN_AUTH_OK` on `attempt` (its `served` is set). */
  readonly onServed: (attempt: Attempt) => void
  /** The socket of each session: the answer's session is recorded there. */
  readonly lives: WeakMap<NandboxSession, Attempt>
  /** Stops reading `attempt` and closes its socket; a pending answer fails with `error`. */
  readonly abandon: (attempt: Attempt, error: NandboxAuthError | undefined, code?: number, reason?: string) => void
  /** Completes the answer of `attempt`, once. */
  readonly answer: (attempt: Attempt, exit: Exit.Exit<NandboxSession, NandboxAuthError>) => void
  /** The connection's next session generation. */
  readonly nextGeneration: () => number
}

/** The `message` handler of a socket: `(attempt, data)`, synchronous, never throwing. */
export const reader = (env: Env): (attempt: Attempt, data: unknown) => void => {
  const { abandon, answer, clock, inbound, lives, log, maxFrameSize, onServed, request } = env

  const onFrame = (attempt: Attempt, data: unknown): void => {
    if (attempt.stopped) return
    attempt.lastInbound = clock.unsafeCurrentTimeMillis()
    if (
      typeof data !== "string"
        ? NandboxFrames.binarySize(data) > maxFrameSize
        : NandboxFrames.utf8Exceeds(data, maxFrameSize)
    ) {
      // Bounded memory: the frame is dropped, the socket closed (1009: message too big), nothing more read.
      const error = new AuthError.ProtocolError({
        provider,
        reason: "TooLarge",
        request,
        description: `a frame over the ${maxFrameSize}-byte maximum (maxFrameSize)`
      })
      log(`a frame over the ${maxFrameSize}-byte maximum; closing the socket`)
      return abandon(attempt, error, 1009, "frame too large")
    }
    if (typeof data !== "string") return log("a binary frame; ignored")
    // 64-bit identifiers (`ID`, user and chat ids) would be rounded by a plain JSON.parse.
    const read = NandboxFrames.classify(data)
    if (read._tag === "NotJson") return unexpected(attempt, "a frame that is not JSON")
    if (read._tag === "NotObject") return unexpected(attempt, "a frame that is not a JSON object")
    // Routed on `method` first: only the frame that matters is decoded with its schema.
    const { frame: json, method } = read
    if (attempt.session === undefined) {
      if (method === "TOKEN_AUTH_OK") {
        // The answer is checked field by field as `TokenAuthOk` describes it; only a frame that fails the check
        // runs the Schema decoder, for the typed error that says what is wrong.
        let ok = readTokenAuthOk(json)
        if (ok === undefined) {
          const decoded = decodeOk(json)
          if (Either.isLeft(decoded)) {
            return abandon(attempt, AuthError.fromParseError({ provider, error: decoded.left }))
          }
          ok = decoded.right
        }
        attempt.authenticatedAt = attempt.lastInbound
        const session: NandboxSession = {
          botId: String(ok.ID),
          name: ok.name,
          reference: ok.reference,
          date: ok.date,
          generation: env.nextGeneration()
        }
        attempt.session = session
        lives.set(session, attempt)
        answer(attempt, Exit.succeed(session))
        return
      }
      if (method === "error") {
        const error = decodeError(json)
        const code = Either.isRight(error) ? String(error.right.code) : undefined
        return abandon(
          attempt,
          Either.isRight(error) && NandboxFrames.isRevokedToken(error.right.code)
            ? new AuthError.CredentialsRejected({
              provider,
              reason: "InvalidToken",
              code: NandboxFrames.revokedTokenCode,
              description: "nandbox refused the token: it is wrong, revoked or regenerated"
            })
            : new AuthError.ProtocolError({
              provider,
              reason: "UnexpectedFrame",
              request,
              ...(code !== undefined ? { code } : {}),
              description: "an error instead of TOKEN_AUTH_OK"
            })
        )
      }
      // Anything else before TOKEN_AUTH_OK is not for this client yet.
      return
    }
    if (method === "error") {
      const error = decodeError(json)
      if (Either.isRight(error) && NandboxFrames.isRevokedToken(error.right.code)) {
        // The token was regenerated: this session is dead.
        attempt.revoked = true
        return abandon(attempt, undefined)
      }
    }
    if (method !== "error" && attempt.served !== true) {
      attempt.served = true
      onServed(attempt)
    }
    const frame = decodeInbound(json)
    if (Either.isLeft(frame)) return log("a frame that does not match InboundFrame (method is not a string); dropped")
    inbound.publish(frame.right, data.length)
  }

  const unexpected = (attempt: Attempt, what: string): void => {
    log(`sent ${what}; ignored`)
    if (attempt.session === undefined) {
      abandon(
        attempt,
        new AuthError.ProtocolError({ provider, reason: "UnexpectedFrame", request, description: what })
      )
    }
  }

  return onFrame
}
