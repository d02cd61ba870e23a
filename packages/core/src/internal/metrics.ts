import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

const acquisitions = Metric.counter("authfx_acquisitions_total", {
  description: "Sessions obtained by a full login",
  incremental: true
})
const refreshes = Metric.counter("authfx_refreshes_total", {
  description: "Sessions renewed from the previous one",
  incremental: true
})
const rejections = Metric.counter("authfx_rejections_total", {
  description: "Sessions the provider rejected",
  incremental: true
})
const failures = Metric.counter("authfx_failures_total", {
  description: "Acquisitions and refreshes that failed",
  incremental: true
})
const acquireLatency = Metric.histogram(
  "authfx_acquire_duration_ms",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 16 }),
  "Time a login or refresh took, in milliseconds"
)
const secondsToExpiry = Metric.gauge("authfx_session_seconds_to_expiry", {
  description: "Seconds the newest session had left when it was obtained"
})

/** The engine's metrics, tagged once with the provider. */
export interface EngineMetrics {
  readonly acquisitions: Metric.Metric.Counter<number>
  readonly refreshes: Metric.Metric.Counter<number>
  readonly rejections: Metric.Metric.Counter<number>
  readonly failures: Metric.Metric.Counter<number>
  readonly acquireLatency: Metric.Metric.Histogram<number>
  readonly secondsToExpiry: Metric.Metric.Gauge<number>
}

export const forProvider = (provider: string): EngineMetrics => ({
  acquisitions: Metric.tagged(acquisitions, "provider", provider),
  refreshes: Metric.tagged(refreshes, "provider", provider),
  rejections: Metric.tagged(rejections, "provider", provider),
  failures: Metric.tagged(failures, "provider", provider),
  acquireLatency: Metric.tagged(acquireLatency, "provider", provider),
  secondsToExpiry: Metric.tagged(secondsToExpiry, "provider", provider)
})
