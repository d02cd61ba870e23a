/**
 * Helpers for tests that run real I/O: set environment variables for the life
 * of a scope, and wait for a condition that I/O will make true.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/**
 * Sets `env` in `process.env` for the life of the scope, as a shell would
 * before running a program (`ConfigProvider.fromEnv` reads it at each load).
 *
 * @since 0.1.0
 * @category environment
 */
export const set = (env: Readonly<Record<string, string>>): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const previous = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]))
      Object.assign(process.env, env)
      return previous
    }),
    (previous) =>
      Effect.sync(() => {
        for (const [key, value] of Object.entries(previous)) {
          if (value === undefined) delete process.env[key]
          else process.env[key] = value
        }
      })
  ).pipe(Effect.asVoid)

/**
 * Polls `condition` with short real waits (for sockets to deliver, never for a
 * timer: those move with `TestClock`), failing the test if it does not hold
 * within `timeoutMillis`.
 *
 * @since 0.1.0
 * @category waiting
 */
export const until = (condition: () => boolean, what = "condition", timeoutMillis = 5_000): Effect.Effect<void> =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMillis
    while (!condition()) {
      if (Date.now() > deadline) return yield* Effect.dieMessage(`${what} not reached within ${timeoutMillis} ms`)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
  })
