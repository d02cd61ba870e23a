import * as Clock from "effect/Clock"
import * as Context from "effect/Context"

/**
 * Whether `clock` is Effect's live clock, whose sleeps are the platform's
 * timers: the `Clock` reference's default value (what a fiber reads when
 * nothing provided another clock; `Context.get` of a reference on an empty
 * context returns it, and effect caches it, so it is one object per process).
 * A `TestClock`, or a user's own clock, is another object: its engines sleep
 * on it, in a fiber.
 *
 * @internal
 */
export const isLive = (clock: Clock.Clock): boolean => clock === Context.get(Context.empty(), Clock.Clock)
