/**
 * The engine's metrics, each with the attribute `provider`: read them with
 * `Metric.value(AuthMetrics.acquisitions.pipe(Metric.withAttributes({ provider: "nabi" })))`
 * or export them with an OpenTelemetry exporter.
 *
 * @since 1.0.0
 */
import * as Metric from "effect/Metric"

/**
 * Sessions obtained by a full login.
 *
 * @since 1.0.0
 * @category metrics
 */
export const acquisitions: Metric.Counter<number> = Metric.counter("authfx_acquisitions_total", {
  description: "Sessions obtained by a full login",
  incremental: true
})
/**
 * Sessions renewed from the previous one.
 *
 * @since 1.0.0
 * @category metrics
 */
export const refreshes: Metric.Counter<number> = Metric.counter("authfx_refreshes_total", {
  description: "Sessions renewed from the previous one",
  incremental: true
})
/**
 * Sessions the provider rejected (`invalidate` calls).
 *
 * @since 1.0.0
 * @category metrics
 */
export const rejections: Metric.Counter<number> = Metric.counter("authfx_rejections_total", {
  description: "Sessions the provider rejected",
  incremental: true
})
/**
 * Acquisitions and refreshes that failed.
 *
 * @since 1.0.0
 * @category metrics
 */
export const failures: Metric.Counter<number> = Metric.counter("authfx_failures_total", {
  description: "Acquisitions and refreshes that failed",
  incremental: true
})
/**
 * Floors the engine started: periods during which no login starts because
 * fresh sessions keep being rejected, logins keep failing, or sessions keep
 * arriving unusable (see the `Floor` event for each reason).
 *
 * @since 1.0.0
 * @category metrics
 */
export const floors: Metric.Counter<number> = Metric.counter("authfx_floors_total", {
  description: "Floors started: periods with no login after repeated rejections, failures or unusable sessions",
  incremental: true
})
/**
 * How long a login or refresh took, in milliseconds.
 *
 * @since 1.0.0
 * @category metrics
 */
export const acquireLatency: Metric.Histogram<number> = Metric.histogram("authfx_acquire_duration_ms", {
  description: "Time a login or refresh took, in milliseconds",
  boundaries: Metric.exponentialBoundaries({ start: 1, factor: 2, count: 16 })
})
/**
 * Seconds the newest session had left when it was obtained.
 *
 * @since 1.0.0
 * @category metrics
 */
export const secondsToExpiry: Metric.Gauge<number> = Metric.gauge("authfx_session_seconds_to_expiry", {
  description: "Seconds the newest session had left when it was obtained"
})

/**
 * The engine's metrics, with the provider's attribute.
 *
 * @since 1.0.0
 * @category models
 */
export interface EngineMetrics {
  readonly acquisitions: Metric.Counter<number>
  readonly refreshes: Metric.Counter<number>
  readonly rejections: Metric.Counter<number>
  readonly failures: Metric.Counter<number>
  readonly floors: Metric.Counter<number>
  readonly acquireLatency: Metric.Histogram<number>
  readonly secondsToExpiry: Metric.Gauge<number>
}

const byProvider = new Map<string, EngineMetrics>()

const build = (attributes: Record<string, string>): EngineMetrics => ({
  acquisitions: Metric.withAttributes(acquisitions, attributes),
  refreshes: Metric.withAttributes(refreshes, attributes),
  rejections: Metric.withAttributes(rejections, attributes),
  failures: Metric.withAttributes(failures, attributes),
  floors: Metric.withAttributes(floors, attributes),
  acquireLatency: Metric.withAttributes(acquireLatency, attributes),
  secondsToExpiry: Metric.withAttributes(secondsToExpiry, attributes)
})

/**
 * The engine metrics with one provider's attribute, made once per provider
 * and shared by every engine of it.
 *
 * @since 1.0.0
 * @category metrics
 */
export const forProvider = (provider: string): EngineMetrics => {
  let metrics = byProvider.get(provider)
  if (metrics === undefined) {
    metrics = build({ provider })
    byProvider.set(provider, metrics)
  }
  return metrics
}

/**
 * The engine metrics with a provider's and an account's attributes. Made per
 * engine: an account attribute multiplies the series by the number of
 * accounts, so the engine uses it only when asked
 * (`SessionEngine.Options.accountMetrics`).
 *
 * @since 1.0.0
 * @category metrics
 */
export const forAccount = (provider: string, account: string): EngineMetrics => build({ provider, account })
