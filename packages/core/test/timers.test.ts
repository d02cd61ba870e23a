import * as Timers from "@authfx/protocol/Timers"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

describe("internal/timers (the live clock's shared renewal timer)", () => {
  it.live("calls back each item once its time has passed, earliest first, and never a cancelled one", () =>
    Effect.gen(function*() {
      const start = Date.now()
      const fired: Array<number> = []
      const firedAt: Array<number> = []
      // 200 items due 10 to 110 ms from now, scheduled in a shuffled order; every third cancelled.
      const items = Array.from({ length: 200 }, (_, i) => {
        const item: Timers.Timed = {
          due: start + 10 + ((i * 37) % 200) / 2,
          timerIndex: -1,
          onDue: () => {
            fired.push(i)
            firedAt.push(Date.now())
          }
        }
        return item
      })
      for (const item of items) Timers.schedule(item)
      items.forEach((item, i) => {
        if (i % 3 === 0) Timers.cancel(item)
      })
      // Rescheduling an item keeps one entry for it.
      Timers.schedule(items[1]!)
      yield* Effect.sleep("200 millis")
      const expected = items.map((_, i) => i).filter((i) => i % 3 !== 0)
      assert.deepStrictEqual([...fired].sort((a, b) => a - b), expected)
      const dues = fired.map((i) => items[i]!.due)
      assert.deepStrictEqual(dues, [...dues].sort((a, b) => a - b))
      fired.forEach((i, k) => assert.isAtLeast(firedAt[k]!, items[i]!.due))
      assert.isTrue(items.every((item) => item.timerIndex === -1))
    }))
})
