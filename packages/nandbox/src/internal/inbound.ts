/**
 * The inbound fan-out: each subscriber of `inbound` has a buffer of its own,
 * bounded in frames and in bytes. A frame that would overflow a subscriber's
 * buffer is dropped for that subscriber only, and counted.
 *
 * Dropping rather than backpressure: a `WebSocket` (the platform one, and the
 * browsers') cannot be paused, and a socket that is not read would also hold
 * back the `TOKEN_AUTH_OK`s, pings and errors the connection itself needs, and
 * every other subscriber.
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"

/** Default frames buffered per subscriber. */
export const defaultFrames = 1_000

/** Default bytes buffered per subscriber: 4 MiB. */
export const defaultBytes = 4 * 1_048_576

interface Buffered<A> {
  readonly frame: A
  readonly size: number
}

/** Put behind a subscriber's frames when the connection closes: its stream ends once it has read them. */
const End: unique symbol = Symbol("authfx/nandbox/inbound/End")

interface Subscriber<A> {
  readonly queue: Queue.Queue<Buffered<A> | typeof End>
  frames: number
  bytes: number
  /** Frames dropped for this subscriber since it last kept up. */
  dropping: number
}

export interface Hooks {
  /** A subscriber's buffer is full: frames are dropped for it from now on. */
  readonly onOverflow: () => void
  /** A frame was dropped for a subscriber. */
  readonly onDrop: () => void
  /** A subscriber that was dropping frames has room again, after `dropped` frames. */
  readonly onResume: (dropped: number) => void
}

export interface Inbound<A> {
  /** Hands `frame` (of `size` bytes) to every subscriber that has room for it. */
  readonly publish: (frame: A, size: number) => void
  /** A new subscription: its buffer exists while the stream runs. */
  readonly stream: Stream.Stream<A>
  /** Frames dropped so far, over every subscriber. */
  readonly dropped: () => number
  /** Frames buffered now, over every subscriber. */
  readonly buffered: () => { readonly frames: number; readonly bytes: number }
  /** Ends every subscription once its subscriber has read the frames already buffered for it. */
  readonly shutdown: Effect.Effect<void>
}

export const make = <A>(maxFrames: number, maxBytes: number, hooks: Hooks): Inbound<A> => {
  const subscribers = new Set<Subscriber<A>>()
  let dropped = 0
  let closed = false

  const publish = (frame: A, size: number): void => {
    for (const subscriber of subscribers) {
      if (subscriber.frames >= maxFrames || subscriber.bytes + size > maxBytes) {
        dropped++
        if (subscriber.dropping++ === 0) hooks.onOverflow()
        hooks.onDrop()
        continue
      }
      if (subscriber.dropping > 0) {
        hooks.onResume(subscriber.dropping)
        subscriber.dropping = 0
      }
      subscriber.frames++
      subscriber.bytes += size
      subscriber.queue.unsafeOffer({ frame, size })
    }
  }

  const stream: Stream.Stream<A> = Stream.unwrapScoped(
    Effect.gen(function*() {
      if (closed) return Stream.empty
      // Unbounded as a queue: the bound is the subscriber's counts, checked before each offer.
      const queue = yield* Queue.unbounded<Buffered<A> | typeof End>()
      const subscriber: Subscriber<A> = { queue, frames: 0, bytes: 0, dropping: 0 }
      subscribers.add(subscriber)
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => {
          subscribers.delete(subscriber)
          return Queue.shutdown(queue)
        })
      )
      // One frame at a time out of the buffer, so that what a slow reader holds beyond it is one frame.
      return Stream.fromQueue(queue, { maxChunkSize: 1 }).pipe(
        Stream.takeWhile((buffered): buffered is Buffered<A> => buffered !== End),
        Stream.map((buffered) => {
          subscriber.frames--
          subscriber.bytes -= buffered.size
          return buffered.frame
        })
      )
    })
  )

  return {
    publish,
    stream,
    dropped: () => dropped,
    buffered: () => {
      let frames = 0
      let bytes = 0
      for (const subscriber of subscribers) {
        frames += subscriber.frames
        bytes += subscriber.bytes
      }
      return { frames, bytes }
    },
    shutdown: Effect.suspend(() => {
      closed = true
      const all = [...subscribers]
      subscribers.clear()
      // The frames already buffered are handed over first (nothing received is lost); the subscription's own
      // finalizer shuts its queue down.
      return Effect.forEach(all, (subscriber) => Queue.offer(subscriber.queue, End), { discard: true })
    })
  }
}
