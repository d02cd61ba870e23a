/**
 * The socket's timers: on effect's live clock, the one platform timer `@authfx/protocol/Timers` keeps for both lines'
 * engines; on another clock (a `TestClock`, a user's own), fibers sleeping on that clock, so that time there moves
 * only with it.
 */
import * as Timers from "@authfx/protocol/Timers"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/**
 * Whether `clock` is effect's live clock: the `Clock` reference's default value, which `Context` caches on the
 * reference (the test v4 core's engine makes, through public API).
 */
export const isLive = (clock: Clock.Clock): boolean => clock === Context.get(Context.empty(), Clock.Clock)

/**
 * Lets a socket created just now start connecting before the rest of the connection is built. Node's WebSocket
 * starts the TCP connect of an IP address in a `process.nextTick`, which runs only once the pending Effect work is
 * done; one turn of the same queue, taken after the socket's, puts the kernel's connect before that work. (A host
 * name is looked up on the thread pool at once, and browsers connect off the main thread: there the turn changes
 * nothing.)
 */
const nextTick = (globalThis as {
  readonly process?: { readonly nextTick?: (task: () => void) => void } | undefined
}).process?.nextTick
export const afterConnectStarts: Effect.Effect<void> = typeof nextTick === "function"
  ? Effect.callback<void>((resume) => {
    nextTick(() => resume(Effect.void))
  })
  : Effect.void

/** Schedules a task: `(millis, task)` runs `task` in `millis`, and returns its cancellation. */
export type After = (millis: number, task: () => void) => () => void

/**
 * Runs a task in `millis` on the live clock's shared timer, or in a fiber sleeping on the fiber's clock
 * (`TestClock`); returns its cancellation.
 */
export const after = <R>(clock: Clock.Clock, context: Context.Context<R>): After => {
  if (isLive(clock)) {
    return (millis, task) => {
      const item: Timers.Timed = {
        due: clock.currentTimeMillisUnsafe() + Math.max(0, millis),
        timerIndex: -1,
        onDue: task
      }
      Timers.schedule(item)
      return () => Timers.cancel(item)
    }
  }
  const run = Effect.runForkWith(context)
  return (millis, task) => {
    const fiber = run(Effect.andThen(Effect.sleep(Duration.millis(Math.max(0, millis))), Effect.sync(task)))
    return () => void fiber.interruptUnsafe()
  }
}
