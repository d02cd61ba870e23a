import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as FiberRefs from "effect/FiberRefs"

let live: Clock.Clock | undefined

/**
 * Effect's live clock, whose sleeps are the platform's timers: the `Clock` of
 * `DefaultServices.currentServices`' initial value (what a fiber reads when
 * nothing provided another clock), read through public API only
 * (`FiberRefs.getOrDefault` of an empty `FiberRefs` is a ref's initial value).
 * The ref is a global value, so this is one object per process even when two
 * copies of effect 3 are loaded.
 *
 * @internal
 */
export const liveClock = (): Clock.Clock =>
  live ??= Context.get(FiberRefs.getOrDefault(FiberRefs.empty(), DefaultServices.currentServices), Clock.Clock)

/**
 * Whether `clock` is Effect's live clock. A `TestClock`, or a user's own
 * clock, is another object: its engines sleep on it, in a fiber.
 *
 * @internal
 */
export const isLive = (clock: Clock.Clock): boolean => clock === liveClock()
