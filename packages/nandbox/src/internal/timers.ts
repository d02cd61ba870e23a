/**
 * The socket's timers: on effect's live clock, the one platform timer `@authfx/protocol/Timers` keeps for both lines'
 * engines; on another clock (a `TestClock`, a user's own), fibers sleeping on that clock, so that time there moves
 * only with it.
 */
import * as Timers from "@authfx/protocol/Timers"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as FiberRefs from "effect/FiberRefs"
import * as Runtime from "effect/Runtime"

let live: Clock.Clock | undefined

/**
 * Whether `clock` is effect's live clock: the `Clock` of `DefaultServices.currentServices`' initial value, read
 * through public API only (the test core's engine makes; no read of the clock's undeclared `scheduler`).
 */
export const isLive = (clock: Clock.Clock): boolean =>
  clock ===
    (live ??= Context.get(FiberRefs.getOrDefault(FiberRefs.empty(), DefaultServices.currentServices), Clock.Clock))

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
 * Runs a task in `millis` on the live clock's shared timer, or in a fiber sleeping on the fiber's clock
 * (`TestClock`); returns its cancellation.
 */
export const after = <R>(clock: Clock.Clock, runtime: Runtime.Runtime<R>): After => {
  if (isLive(clock)) {
    return (millis, task) => {
      const item: Timers.Timed = {
        due: clock.unsafeCurrentTimeMillis() + Math.max(0, millis),
        timerIndex: -1,
        onDue: task
      }
      Timers.schedule(item)
      return () => Timers.cancel(item)
    }
  }
  return (millis, task) => {
    const fiber = Runtime.runFork(runtime)(
      Effect.zipRight(Effect.sleep(Duration.millis(Math.max(0, millis))), Effect.sync(task))
    )
    return () => fiber.unsafeInterruptAsFork(FiberId.none)
  }
}
