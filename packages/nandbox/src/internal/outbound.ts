/**
 * The outbound side: `send` queues a frame (bounded) and a writer delivers the queue in order, each frame once, on
 * the authenticated socket, waiting for the next authentication while disconnected.
 */
import * as NandboxFrames from "@authfx/protocol/NandboxFrames"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import {
  type NandboxAuthError,
  NandboxSendError,
  type NandboxSession,
  type OutboundFrame,
  type SendError
} from "../Nandbox.js"
import { provider } from "./config.js"
import type { State } from "./connection.js"
import * as Once from "./once.js"
import type * as NandboxSocket from "./socket.js"

interface Pending {
  readonly frame: OutboundFrame
  readonly text: string
  readonly done: Deferred.Deferred<void, SendError>
}

const methodOf: (frame: OutboundFrame) => string = NandboxFrames.methodOf

/** What the outbound side needs of its connection. */
export interface Env {
  /** Frames waiting for a connection, at most. */
  readonly capacity: number
  readonly state: SubscriptionRef.SubscriptionRef<State>
  readonly lives: WeakMap<NandboxSession, NandboxSocket.Attempt>
  readonly write: (attempt: NandboxSocket.Attempt, text: string) => boolean
  /** Forks the writer, tracked by the connection. */
  readonly fork: <A, E>(effect: Effect.Effect<A, E>) => Effect.Effect<unknown>
}

export interface Outbound {
  readonly send: (frame: OutboundFrame) => Effect.Effect<void, SendError>
  /** Fails the frames still queued (`Closed`) and ends the queue. */
  readonly close: Effect.Effect<void>
}

export const make = (env: Env): Outbound => {
  const { lives, state, write } = env
  // Created with the first frame sent, with the writer: a connection that only listens has neither.
  let queue: Queue.Queue<Pending> | undefined

  /** The live connection to write on next, or the permanent failure. */
  const nextConnection = Effect.suspend(() =>
    state.changes.pipe(
      Stream.filterMap((s): Option.Option<Either.Either<NandboxSocket.Attempt, NandboxAuthError>> => {
        if (s._tag === "Failed") return Option.some(Either.left(s.error))
        if (s._tag !== "Connected") return Option.none()
        const live = lives.get(s.session)
        return live === undefined || live.stopped ? Option.none() : Option.some(Either.right(live))
      }),
      Stream.runHead,
      Effect.flatMap((head) => Option.isSome(head) ? Effect.succeed(head.value) : Effect.never)
    )
  )

  /** Delivers queued frames in order, each once, waiting for re-authentication when disconnected. */
  const deliver = (queue: Queue.Queue<Pending>) =>
    Effect.gen(function*() {
      let head: Pending | undefined
      while (true) {
        const pending: Pending = head ?? (yield* Queue.take(queue))
        head = pending
        const target = yield* nextConnection
        if (Either.isLeft(target)) {
          const error: SendError = target.left
          yield* Deferred.fail(pending.done, error)
          for (const rest of yield* Queue.takeAll(queue)) yield* Deferred.fail(rest.done, error)
          head = undefined
          continue
        }
        if (write(target.right, pending.text)) {
          yield* Deferred.succeed(pending.done, void 0)
          head = undefined
        } else {
          // The socket went away: keep the frame, and wait for the next one.
          yield* Once.wait(target.right.closed)
        }
      }
    })

  const send = (frame: OutboundFrame): Effect.Effect<void, SendError> =>
    Effect.gen(function*() {
      const current = yield* SubscriptionRef.get(state)
      if (current._tag === "Failed") return yield* Effect.fail(current.error)
      if (current._tag === "Standby") {
        return yield* new NandboxSendError({ provider, reason: "NotOwner", method: methodOf(frame) })
      }
      let text: unknown
      try {
        text = JSON.stringify(frame)
      } catch {
        // A bigint or a cycle: JSON cannot encode it, and nothing was queued.
        return yield* new NandboxSendError({ provider, reason: "Unencodable", method: methodOf(frame) })
      }
      if (typeof text !== "string") {
        return yield* new NandboxSendError({ provider, reason: "Unencodable", method: methodOf(frame) })
      }
      if (queue === undefined) {
        const created = yield* Queue.dropping<Pending>(env.capacity)
        if (queue === undefined) {
          queue = created
          yield* env.fork(deliver(created))
        }
      }
      const done = yield* Deferred.make<void, SendError>()
      const queued = yield* Queue.offer(queue, { frame, text, done })
      if (!queued) return yield* new NandboxSendError({ provider, reason: "QueueFull", method: methodOf(frame) })
      return yield* Deferred.await(done)
    })

  const close = Effect.suspend(() => {
    if (queue === undefined) return Effect.void
    const closing = queue
    return Effect.gen(function*() {
      for (const rest of yield* Queue.takeAll(closing)) {
        yield* Deferred.fail(rest.done, new NandboxSendError({ provider, reason: "Closed", method: rest.frame.method }))
      }
      yield* Queue.shutdown(closing)
    })
  })

  return { send, close }
}
