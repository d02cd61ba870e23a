/**
 * Error policies as values, to combine with `pipe`: retry transient failures,
 * bound a call in time, replay once after a rejected session.
 *
 * @since 1.0.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { withSession } from "./Authenticated.js"
import { isTransient, TransportError } from "./AuthError.js"

/**
 * @since 1.0.0
 * @category models
 */
export interface TransientOptions {
  /** First delay (default 200 ms); doubled at each attempt, jittered. */
  readonly base?: Duration.Input | undefined
  /** Longest delay between two attempts (default 10 s). */
  readonly maxDelay?: Duration.Input | undefined
  /** Retries after the first attempt (default 3). */
  readonly times?: number | undefined
  /** A `Retry-After` longer than this ends the retries instead (default 60 s). */
  readonly maxRetryAfter?: Duration.Input | undefined
}

const retryAfterOf = (error: unknown): number =>
  isTransient(error) && error.retryAfterMillis !== undefined ? error.retryAfterMillis : 0

/**
 * The schedule for transient failures: exponential and jittered, never shorter
 * than the server's `Retry-After`, stopping when the server asks for a wait
 * longer than `maxRetryAfter`.
 *
 * @since 1.0.0
 * @category policies
 */
export const transientSchedule = (options?: TransientOptions): Schedule.Schedule<unknown, unknown> => {
  const maxDelay = Duration.fromInputUnsafe(options?.maxDelay ?? Duration.seconds(10))
  const backoff = Schedule.exponential(options?.base ?? Duration.millis(200), 2).pipe(
    Schedule.jittered,
    Schedule.modifyDelay((metadata) => Effect.succeed(Duration.min(metadata.duration, maxDelay)))
  )
  return honourRetryAfter(Schedule.max([backoff, Schedule.recurs(options?.times ?? 3)]), options)
}

/**
 * Makes any retry schedule honour the server's `Retry-After`: never retry
 * sooner than it asks, and stop when it asks for longer than `maxRetryAfter`
 * (default 60 s). `AuthHttpClient` applies it to the schedule it is given.
 *
 * @since 1.0.0
 * @category policies
 */
export const honourRetryAfter = (
  schedule: Schedule.Schedule<unknown, any, never>,
  options?: { readonly maxRetryAfter?: Duration.Input | undefined }
): Schedule.Schedule<unknown, unknown> => {
  if (honouring.has(schedule)) return schedule as Schedule.Schedule<unknown, unknown>
  const maxRetryAfter = Duration.toMillis(Duration.fromInputUnsafe(options?.maxRetryAfter ?? Duration.seconds(60)))
  // effect 4 has no `whileInput`: the step of `schedule` is wrapped, ending (`Cause.done`) on a longer wait.
  const honoured = Schedule.fromStep(Effect.map(Schedule.toStep(schedule), (step) => (now: number, input: unknown) => {
    const wait = retryAfterOf(input)
    if (wait > maxRetryAfter) return Cause.done<unknown>(undefined)
    return Effect.map(
      step(now, input),
      ([output, delay]): [unknown, Duration.Duration] => [output, Duration.max(delay, Duration.millis(wait))]
    )
  }))
  honouring.add(honoured)
  return honoured
}

/** Schedules that already honour `Retry-After`, so that wrapping one again keeps its own `maxRetryAfter`. */
const honouring = new WeakSet<Schedule.Schedule<any, any, any>>()

/**
 * Retries `TransportError`s (network, timeout, 408, 429, 5xx) with
 * {@link transientSchedule} or the given schedule, which is made to honour
 * `Retry-After` ({@link honourRetryAfter}) as the default one does; every
 * other error passes through at once.
 *
 * This is the whole retry budget of a login: the session engine does not
 * retry a failed login again for the caller, and `AuthHttpClient` does not
 * retry a request whose login failed (see the core README, "Retry budget").
 *
 * @since 1.0.0
 * @category policies
 */
export const retryTransient = (schedule?: Schedule.Schedule<unknown, unknown>) => {
  const honoured = schedule === undefined ? transientSchedule() : honourRetryAfter(schedule)
  return <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.retry(self, { schedule: honoured, while: isTransient })
}

/**
 * Fails with a `TransportError` (reason `Timeout`) when `self` takes longer
 * than `duration`.
 *
 * @since 1.0.0
 * @category policies
 */
export const timeout =
  (provider: string, duration: Duration.Input) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | TransportError, R> =>
    Effect.timeoutOrElse(self, {
      duration,
      orElse: () =>
        Effect.fail(
          new TransportError({
            provider,
            reason: "Timeout",
            description: `no answer within ${Duration.format(Duration.fromInputUnsafe(duration))}`
          })
        )
    })

/**
 * Runs a call with the current session and replays it once with a new session
 * if the provider rejects it. Alias of `Authenticated.withSession`.
 *
 * @since 1.0.0
 * @category policies
 */
export const reauthOnce = withSession
