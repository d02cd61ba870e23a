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
 * Floors the engine started: periods during which no login starts because
 * fresh sessions keep being rejected, logins keep failing, or sessions keep
 * arriving unusable (see the `Floor` event for each reason). A counter that
 * grows by one per floor; while a server keeps refusing, at most about one a
 * minute once the floor has reached its one-minute cap.
 *
 * @since 0.1.0
 * @category metrics
 */
export const floors = Metric.counter("authfx_floors_total", {
  description: "Floors started: periods with no login after repeated rejections, failures or unusable sessions",
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
  readonly floors: Metric.Metric.Counter<number>
  readonly acquireLatency: Metric.Metric.Histogram<number>
  readonly secondsToExpiry: Metric.Metric.Gauge<number>
}

const byProvider = new Map<string, EngineMetrics>()

const build = (provider: string, account?: string): EngineMetrics => {
  const tag = <T extends Metric.Metric<any, any, any>>(metric: T): T => {
    const byProvider = Metric.tagged(metric, "provider", provider) as T
    return (account === undefined ? byProvider : Metric.tagged(byProvider, "account", account)) as T
  }
  return {
    acquisitions: tag(acquisitions),
    refreshes: tag(refreshes),
    rejections: tag(rejections),
    failures: tag(failures),
    floors: tag(floors),
    acquireLatency: tag(acquireLatency),
    secondsToExpiry: tag(secondsToExpiry)
  }
}

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

/**
 * The engine metrics tagged with a provider and an account. Made per engine:
 * an account tag multiplies the series by the number of accounts, so the
 * engine uses it only when asked (`SessionEngine.Options.accountMetrics`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const forAccount = (provider: string, account: string): EngineMetrics => build(provider, account)
