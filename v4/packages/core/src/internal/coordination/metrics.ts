/** The metrics of fleet coordination (exported by `Coordination`). */
import * as Metric from "effect/Metric"

/**
 * Renewals run locally because the backend failed.
 *
 * @since 1.0.0
 * @category metrics
 */
export const fallbacks: Metric.Counter<number> = Metric.counter("authfx_coordination_fallbacks_total", {
  description: "Renewals run without fleet coordination because the coordination backend failed",
  incremental: true
})

/**
 * Sessions adopted from another replica.
 *
 * @since 1.0.0
 * @category metrics
 */
export const adoptions: Metric.Counter<number> = Metric.counter("authfx_coordination_adoptions_total", {
  description: "Sessions adopted from another replica instead of renewed",
  incremental: true
})

/**
 * Backend commands that failed, by reason (`Timeout`, `Unavailable`,
 * `Authentication`, …): a wrong password shows as what it is.
 *
 * @since 1.0.0
 * @category metrics
 */
export const errors: Metric.Counter<number> = Metric.counter("authfx_coordination_errors_total", {
  description: "Coordination backend commands that failed, by reason",
  incremental: true
})

/**
 * Shared records that could not be used (garbage, another shape, a generation
 * that is not a number, a key of another type, another account's record, a
 * seal that does not open), by reason; each is replaced by the next commit.
 *
 * @since 1.0.0
 * @category metrics
 */
export const unreadableRecords: Metric.Counter<number> = Metric.counter("authfx_coordination_unreadable_total", {
  description: "Shared session records that could not be used and are replaced, by reason",
  incremental: true
})

/**
 * Unreadable shared records replaced by a commit.
 *
 * @since 1.0.0
 * @category metrics
 */
export const repairs: Metric.Counter<number> = Metric.counter("authfx_coordination_repairs_total", {
  description: "Unreadable shared session records replaced by a renewal's commit",
  incremental: true
})
