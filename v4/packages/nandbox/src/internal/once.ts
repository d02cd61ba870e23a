/**
 * A result set once and awaited by any number of fibers: what a `Deferred` does for a socket's answer and end, at
 * the cost of one small object (a `Deferred` copies its prototype's properties into each instance) and one
 * `Effect.callback` per wait.
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"

export interface Once<A, E = never> {
  exit: Exit.Exit<A, E> | undefined
  waiters: Set<(exit: Exit.Exit<A, E>) => void> | undefined
}

export const make = <A, E = never>(): Once<A, E> => ({ exit: undefined, waiters: undefined })

/** Completes `once` with `exit` and wakes its waiters; false if it was already complete. */
export const done = <A, E>(once: Once<A, E>, exit: Exit.Exit<A, E>): boolean => {
  if (once.exit !== undefined) return false
  once.exit = exit
  const waiters = once.waiters
  once.waiters = undefined
  if (waiters === undefined) return true
  for (const wake of waiters) wake(exit)
  return true
}

/** Waits for `once` (at once if it is complete); an interrupted wait leaves no waiter behind. */
export const wait = <A, E>(once: Once<A, E>): Effect.Effect<A, E> =>
  Effect.suspend(() =>
    once.exit ?? Effect.callback<A, E>((resume) => {
      const waiters = once.waiters ??= new Set()
      waiters.add(resume)
      return Effect.sync(() => {
        waiters.delete(resume)
      })
    })
  )
