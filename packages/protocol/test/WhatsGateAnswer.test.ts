import { assert, describe, it } from "vitest"
import * as WhatsGateAnswer from "../src/WhatsGateAnswer.js"

describe("WhatsGateAnswer", () => {
  it("forbidden: the two documented 403 messages, exactly; anything else is undocumented", () => {
    assert.strictEqual(WhatsGateAnswer.forbidden("invalid Access-Token"), "InvalidToken")
    assert.strictEqual(WhatsGateAnswer.forbidden("an Access-Token is required"), "TokenRequired")
    for (const message of [undefined, "", "Invalid Access-Token", "invalid Access-Token ", "forbidden"]) {
      assert.strictEqual(WhatsGateAnswer.forbidden(message), "Undocumented", String(message))
    }
  })

  it("refusal: a 422 is Validation with the fields it names, whatever success says", () => {
    const errors = { phone: ["The phone must be 11 digits."] }
    assert.deepStrictEqual(WhatsGateAnswer.refusal(422, { message: "The given data was invalid.", errors }), {
      reason: "Validation",
      status: 422,
      description: "The given data was invalid.",
      fields: errors
    })
    assert.deepStrictEqual(WhatsGateAnswer.refusal(422, { success: true }), {
      reason: "Validation",
      status: 422,
      description: "The given data was invalid."
    })
  })

  it("refusal: success false is NotFound on a 404, Business otherwise, at any status", () => {
    assert.deepStrictEqual(WhatsGateAnswer.refusal(404, { success: false, message: "device not found" }), {
      reason: "NotFound",
      status: 404,
      description: "device not found"
    })
    for (const status of [200, 400, 500]) {
      assert.deepStrictEqual(WhatsGateAnswer.refusal(status, { success: false }), {
        reason: "Business",
        status,
        description: "request refused"
      })
    }
  })

  it("refusal: none stated without success false or a 422", () => {
    assert.isUndefined(WhatsGateAnswer.refusal(200, { success: true, message: "ok" }))
    assert.isUndefined(WhatsGateAnswer.refusal(404, {}))
    assert.isUndefined(WhatsGateAnswer.refusal(500, { message: "Server Error" }))
  })
})
