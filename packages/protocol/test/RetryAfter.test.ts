import { assert, describe, it } from "vitest"
import * as RetryAfter from "../src/RetryAfter.js"
import { fuzz } from "./utils/fuzz.js"

const jan2026 = Date.UTC(2026, 0, 1)

describe("RetryAfter.parse", () => {
  it("delay-seconds: whole and fractional, rounded up to the millisecond, surrounding spaces ignored", () => {
    assert.strictEqual(RetryAfter.parse("  7 ", jan2026), 7_000)
    assert.strictEqual(RetryAfter.parse("0.0001", jan2026), 1)
    assert.strictEqual(RetryAfter.parse("86400", jan2026), RetryAfter.maxMillis)
    assert.strictEqual(RetryAfter.parse("86401", jan2026), RetryAfter.maxMillis)
  })

  it("HTTP dates in the three forms, relative to now; the leap second 60 is accepted, hour 24 is not", () => {
    assert.strictEqual(RetryAfter.parse("Thu, 01 Jan 2026 00:01:00 GMT", jan2026), 60_000)
    assert.strictEqual(RetryAfter.parse("thu, 01 jan 2026 00:01:00 gmt", jan2026), 60_000)
    assert.strictEqual(RetryAfter.parse("Thu, 01 Jan 2026 00:00:60 GMT", jan2026), 60_000)
    assert.isUndefined(RetryAfter.parse("Thu, 01 Jan 2026 24:00:00 GMT", jan2026))
    assert.strictEqual(RetryAfter.parse("Thu Jan 1 00:00:02 2026", jan2026), 2_000)
  })

  it("an RFC 850 two-digit year more than 50 years ahead is in the past century", () => {
    // 2026 + 50 = 2076: "76" is 2076 (ahead, capped), "77" is 1977 (past, 0).
    assert.strictEqual(RetryAfter.parse("Sunday, 01-Jan-76 00:00:00 GMT", jan2026), RetryAfter.maxMillis)
    assert.strictEqual(RetryAfter.parse("Sunday, 01-Jan-77 00:00:00 GMT", jan2026), 0)
  })

  it("several values: the longest, dates and numbers mixed", () => {
    assert.strictEqual(
      RetryAfter.parse("Thu, 01 Jan 2026 00:00:03 GMT, Thu, 01 Jan 2026 00:00:09 GMT", jan2026),
      9_000
    )
    assert.strictEqual(RetryAfter.parse("12, Thu, 01 Jan 2026 00:00:03 GMT", jan2026), 12_000)
  })

  it("ignores what is not a Retry-After: too long, signed, hexadecimal, Infinity", () => {
    assert.isUndefined(RetryAfter.parse(" ".repeat(512) + "5", jan2026))
    assert.strictEqual(RetryAfter.parse(" ".repeat(511) + "5", jan2026), 5_000)
    for (const value of ["+5", "0x10", "Infinity", "NaN", "5s"]) {
      assert.isUndefined(RetryAfter.parse(value, jan2026), value)
    }
  })

  it("any string gives undefined or a whole number of milliseconds from 0 to maxMillis, never throws", () => {
    fuzz(2_000, (random) => {
      const value = random.string(40)
      const millis = RetryAfter.parse(value, jan2026)
      if (millis !== undefined) {
        assert.isTrue(Number.isInteger(millis) && millis >= 0 && millis <= RetryAfter.maxMillis, value)
      }
    })
  })
})

describe("RetryAfter.isTransientStatus", () => {
  it("408, 429 and 5xx; not other 4xx, 2xx or 3xx", () => {
    for (const status of [408, 429, 500, 502, 503, 504, 599]) assert.isTrue(RetryAfter.isTransientStatus(status))
    for (const status of [200, 204, 301, 400, 401, 403, 404, 409, 425]) {
      assert.isFalse(RetryAfter.isTransientStatus(status), String(status))
    }
  })
})
