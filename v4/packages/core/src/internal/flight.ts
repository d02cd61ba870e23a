import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

/**
 * The result of one login or renewal, awaited by every caller that joined it:
 * what a `Deferred` does for the engine, with one set of resume callbacks and
 * no fiber of its own.
 *
 * @internal
 */
export class Flight<A, E> {
  private exit: Exit.Exit<A, E> | undefined = undefined
  private waiters: Set<(exit: Exit.Exit<A, E>) => void> | undefined = undefined

  /** Completes the flight and resumes its waiters; false if it was already complete. */
  done(exit: Exit.Exit<A, E>): boolean {
    if (this.exit !== undefined) return false
    this.exit = exit
    const waiters = this.waiters
    this.waiters = undefined
    if (waiters !== undefined) { for (const resume of waiters) resume(exit) }
    return true
  }

  /** Waits for the result; an interrupted waiter leaves the others and the flight alone. */
  get await(): Effect.Effect<A, E> {
    return Effect.suspend(() => {
      if (this.exit !== undefined) return this.exit
      return Effect.callback<A, E>((resume) => {
        const waiters = this.waiters ??= new Set()
        waiters.add(resume)
        return Effect.sync(() => {
          waiters.delete(resume)
        })
      })
    })
  }

  /** Completes the flight as interrupted by the current fiber. */
  get interrupt(): Effect.Effect<void> {
    return Effect.flatMap(Effect.fiberId, (id) => Effect.sync(() => void this.done(Exit.interrupt(id))))
  }
}
