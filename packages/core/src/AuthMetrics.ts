/**
 * The engine's metrics, each tagged with `provider`: read them with
 * `Metric.value(AuthMetrics.acquisitions.pipe(Metric.tagged("provider", "nabi")))`
 * or export them with `@effect/opentelemetry`.
 *
 * @since 0.1.0
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

/**
 * Sessions obtained by a full login.
 *
 * @since 0.1.0
 * @category metrics
 */
export const acquisitions = Metric.counter("authfx_acquisitions_total", {
  description: "Sessions obtained by a full login",
  incremental: true
})
/**
 * Sessions renewed from the previous one.
 *
 * @since 0.1.0
 * @category metrics
 */
export const refreshes = Metric.counter("authfx_refreshes_total", {
  description: "Sessions renewed from the previous one",
  incremental: true
})
/**
 * Sessions the provider rejected (`invalidate` calls).
 *
 * @since 0.1.0
 * @category metrics
 */
export const rejections = Metric.counter("authfx_rejections_total", {
  description: "Sessions the provider rejected",
  incremental: true
})
/**
 * Acquisitions and refreshes that failed.
 *
 * @since 0.1.0
 * @category metrics
 */
export const failures = Metric.counter("authfx_failures_total", {
  description: "Acquisitions and refreshes that failed",
  incremental: true
})
/**
 * How long a login or refresh took, in milliseconds.
 *
 * @since 0.1.0
 * @category metrics
 */
export const acquireLatency = Metric.histogram(
  "authfx_acquire_duration_ms",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 16 }),
  "Time a login or refresh took, in milliseconds"
)
/**
 * Seconds the newest session had left when it was obtained.
 *
 * @since 0.1.0
 * @category metrics
 */
export const secondsToExpiry = Metric.gauge("authfx_session_seconds_to_expiry", {
  description: "Seconds the newest session had left when it was obtained"
})

/**
 * The engine's metrics, tagged once with the provider.
 *
 * @since 0.1.0
 * @category models
 */
export interface EngineMetrics {
  readonly acquisitions: Metric.Metric.Counter<number>
  readonly refreshes: Metric.Metric.Counter<number>
  readonly rejections: Metric.Metric.Counter<number>
  readonly failures: Metric.Metric.Counter<number>
  readonly acquireLatency: Metric.Metric.Histogram<number>
  readonly secondsToExpiry: Metric.Metric.Gauge<number>
}

const byProvider = new Map<string, EngineMetrics>()

const build = (provider: string): EngineMetrics => ({
  acquisitions: Metric.tagged(acquisitions, "provider", provider),
  refreshes: Metric.tagged(refreshes, "provider", provider),
  rejections: Metric.tagged(rejections, "provider", provider),
  failures: Metric.tagged(failures, "provider", provider),
  acquireLatency: Metric.tagged(acquireLatency, "provider", provider),
  secondsToExpiry: Metric.tagged(secondsToExpiry, "provider", provider)
})

/**
 * The engine metrics tagged with one provider, made once per provider and
 * shared by every engine of it.
 *
 * @since 0.1.0
 * @category metrics
 */
export const forProvider = (provider: string): EngineMetrics => {
  let metrics = byProvider.get(provider)
  if (metrics === undefined) {
    metrics = build(provider)
    byProvider.set(provider, metrics)
  }
  return metrics
}
