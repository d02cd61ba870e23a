/**
 * `Retry-After` (RFC 9110 §10.2.3) read as a bounded wait, and the statuses a
 * later attempt may not meet.
 *
 * @since 0.1.0
 */

/**
 * The longest wait a `Retry-After` is read as (a day): longer, or an
 * overflowing number, is still "not soon" for every caller (a retry stops,
 * a floor is capped) and stays a finite number in errors and their JSON.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxMillis = 86_400_000

const days = "(?:mon|tue|wed|thu|fri|sat|sun)"
const longDays = "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
const month = `(${months.join("|")})`
const time = "(\\d{2}):(\\d{2}):(\\d{2})"
/** RFC 9110 §5.6.7: IMF-fixdate, the obsolete RFC 850 form, and asctime. */
const imfFixdate = new RegExp(`${days}, (\\d{1,2}) ${month} (\\d{4}) ${time} gmt`, "gi")
const rfc850 = new RegExp(`${longDays}, (\\d{1,2})-${month}-(\\d{2}) ${time} gmt`, "gi")
const asctime = new RegExp(`${days} ${month} +(\\d{1,2}) ${time} (\\d{4})`, "gi")
const delaySeconds = /^\d+(?:\.\d+)?$/

const clamp = (millis: number): number => Number.isNaN(millis) ? 0 : Math.min(Math.max(0, Math.ceil(millis)), maxMillis)

const utc = (year: number, monthName: string, day: string, h: string, m: string, s: string): number | undefined => {
  const monthIndex = months.indexOf(monthName.toLowerCase())
  const [dd, hh, mm, ss] = [Number(day), Number(h), Number(m), Number(s)]
  if (monthIndex < 0 || dd < 1 || dd > 31 || hh > 23 || mm > 59 || ss > 60) return undefined
  return Date.UTC(year, monthIndex, dd, hh, mm, ss)
}

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date, as a wait
 * in milliseconds from `nowMillis`, always a finite number from 0 to
 * {@link maxMillis}:
 *
 * - delay-seconds, and the fractional seconds some servers send (`1.5`);
 *   huge or overflowing ones are capped;
 * - an HTTP date in any of the three forms; one in the past is 0, one far
 *   away is capped;
 * - several values (joined by a proxy: `5, 10`, two dates): the longest;
 * - anything else (negative, `1e400`, garbage, an empty or very long value) is
 *   ignored: `undefined`.
 *
 * Never throws.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined || value.length > 512) return undefined
  const trimmed = value.trim()
  if (delaySeconds.test(trimmed)) return clamp(Number(trimmed) * 1000)
  let longest: number | undefined
  const take = (at: number | undefined) => {
    if (at !== undefined && !Number.isNaN(at)) longest = Math.max(longest ?? 0, clamp(at - nowMillis))
  }
  // The dates first (an IMF-fixdate holds a comma), then the delay-seconds left between the commas.
  const rest = trimmed
    .replace(imfFixdate, (_, d, mon, y, h, m, s) => (take(utc(Number(y), mon, d, h, m, s)), ","))
    .replace(rfc850, (_, d, mon, y, h, m, s) => {
      // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
      const nowYear = new Date(nowMillis).getUTCFullYear()
      let year = Math.floor(nowYear / 100) * 100 + Number(y)
      if (year > nowYear + 50) year -= 100
      take(utc(year, mon, d, h, m, s))
      return ","
    })
    .replace(asctime, (_, mon, d, h, m, s, y) => (take(utc(Number(y), mon, d, h, m, s)), ","))
  for (const part of rest.split(",")) {
    const candidate = part.trim()
    if (delaySeconds.test(candidate)) longest = Math.max(longest ?? 0, clamp(Number(candidate) * 1000))
  }
  return longest
}

/**
 * Statuses a later attempt may not meet: 408 (the server gave up waiting),
 * 429 and every 5xx.
 *
 * @since 0.1.0
 * @category classifying
 */
export const isTransientStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500
