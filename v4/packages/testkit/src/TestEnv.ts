/**
 * Helpers for tests that run real I/O: set environment variables for the life
 * of a scope, and wait for a condition that I/O will make true.
 *
 * @since 1.0.0
 */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/**
 * A `ConfigProvider` that reads `process.env` as it is at each load. effect
 * 4's default provider (`ConfigProvider.fromEnv()`) copies the environment at
 * its first load and keeps that copy for the life of the process, so a test
 * that changes a variable (a rotated secret) provides this one:
 * `Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)`.
 *
 * @since 1.0.0
 * @category environment
 */
export const configProvider: ConfigProvider.ConfigProvider = ConfigProvider.make((path) =>
  Effect.suspend(() => ConfigProvider.fromEnvRecord({ ...process.env }).load(path))
)

/**
 * Sets `env` in `process.env` for the life of the scope, as a shell would
 * before running a program (read at each load by {@link configProvider}; effect
 * 4's default provider reads it once).
 *
 * @since 1.0.0
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
 * @since 1.0.0
 * @category waiting
 */
export const until = (condition: () => boolean, what = "condition", timeoutMillis = 5_000): Effect.Effect<void> =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMillis
    while (!condition()) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`${what} not reached within ${timeoutMillis} ms`))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
  })
