/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date, in
 * milliseconds from `nowMillis`; anything else is ignored.
 *
 * @internal
 */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMillis)
}

/**
 * Statuses a later attempt may not meet: 408 (the server gave up waiting),
 * 429 and every 5xx.
 *
 * @internal
 */
export const isTransientStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500
