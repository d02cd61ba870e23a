/**
 * The socket's timers: the platform timer of the live clock, or fibers sleeping on another clock (a `TestClock`).
 */
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"

/**
 * The platform timer behind `clock` when it is the live clock: the watchdog and keep-alive of a socket are then
 * plain timers rather than sleeping fibers. A `TestClock` or a user's own clock has none, and gets fibers that sleep
 * on that clock, so that time there moves only with it. Looked up once per clock.
 */
export const timersOf = (clock: Clock.Clock): Clock.ClockScheduler | undefined => {
  const known = liveTimers.get(clock)
  if (known !== undefined) return known === false ? undefined : known
  const candidate = (clock as { readonly scheduler?: unknown }).scheduler
  let found: Clock.ClockScheduler | undefined
  if (typeof candidate === "function" && !("adjust" in clock)) {
    const scheduler = Effect.runSync(candidate.call(clock) as Effect.Effect<unknown>)
    if (typeof scheduler === "object" && scheduler !== null && "unsafeSchedule" in scheduler) {
      found = scheduler as Clock.ClockScheduler
    }
  }
  liveTimers.set(clock, found ?? false)
  return found
}
const liveTimers = new WeakMap<Clock.Clock, Clock.ClockScheduler | false>()

/**
 * Lets a socket created just now start connecting before the rest of the connection is built. Node's `ws` (through
 * `net`) starts the TCP connect of an IP address in a `process.nextTick`, which runs only once the pending Effect
 * work is done; one turn of the same queue, taken after the socket's, puts the kernel's connect (its SYN on the wire)
 * before that work. (A host name is looked up on the thread pool at once, and browsers connect off the main thread:
 * there the turn changes nothing.) The upgrade request is still written from the next poll: waiting for one costs
 * two event-loop turns, more than it saved with the machine busy, so that is not done.
 */
const nextTick = (globalThis as {
  readonly process?: { readonly nextTick?: (task: () => void) => void } | undefined
}).process?.nextTick
export const afterConnectStarts: Effect.Effect<void> = typeof nextTick === "function"
  ? Effect.async<void>((resume) => {
    nextTick(() => resume(Effect.void))
  })
  : Effect.void

/** Schedules a task: `(millis, task)` runs `task` in `millis`, and returns its cancellation. */
export type After = (millis: number, task: () => void) => () => void

/**
 * Runs a task in `millis` on the live clock's timer, or in a fiber sleeping on the fiber's clock (`TestClock`);
 * returns its cancellation.
 */
export const after = <R>(clock: Clock.Clock, runtime: Runtime.Runtime<R>): After => {
  const timers = timersOf(clock)
  return (millis, task) => {
    if (timers !== undefined) {
      const cancel = timers.unsafeSchedule(task, Duration.millis(Math.max(0, millis)))
      return () => void cancel()
    }
    const fiber = Runtime.runFork(runtime)(Effect.zipRight(Effect.sleep(Duration.millis(millis)), Effect.sync(task)))
    return () => fiber.unsafeInterruptAsFork(FiberId.none)
  }
}
