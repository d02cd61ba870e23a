import { assert, describe, it } from "vitest"
import * as TeraboxErrno from "../src/TeraboxErrno.js"

describe("TeraboxErrno.reasonOf", () => {
  it("names the errnos the maintained clients know, Unknown for the rest, and every reason is listed", () => {
    const known: ReadonlyArray<readonly [number, TeraboxErrno.Reason]> = [
      [2, "ParamsMissing"],
      [-7, "BadName"],
      [-8, "AlreadyExists"],
      [-9, "NotFound"],
      [-10, "NoSpace"],
      [-32, "NoSpace"],
      [12, "PartialFailure"],
      [9000, "RegionUnavailable"]
    ]
    for (const [errno, reason] of known) assert.strictEqual(TeraboxErrno.reasonOf(errno), reason, String(errno))
    for (const errno of [0, 1, -6, 31034, 4000023, 450016, Number.NaN, 1.5]) {
      assert.strictEqual(TeraboxErrno.reasonOf(errno), "Unknown", String(errno))
    }
    assert.sameMembers([...new Set([...known.map(([, r]) => r), "Unknown"])], [...TeraboxErrno.reasons])
  })
})
