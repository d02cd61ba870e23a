import { assert, describe, it } from "vitest"
import * as NabiGraphQL from "../src/NabiGraphQL.js"

describe("NabiGraphQL", () => {
  it("validation errors: Apollo's codes and graphql-js's messages; a resolver's error is not one", () => {
    assert.isTrue(NabiGraphQL.isValidationError({ message: "x", extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }))
    assert.isTrue(NabiGraphQL.isValidationError({ message: "x", extensions: { code: "GRAPHQL_PARSE_FAILED" } }))
    assert.isTrue(NabiGraphQL.isValidationError({ message: "Cannot query field \"colour\" on type \"Profile\"." }))
    assert.isTrue(
      NabiGraphQL.isValidationError({ message: "Field \"address\" is not defined by type \"GetTokenInput\"." })
    )
    assert.isTrue(NabiGraphQL.isValidationError({ message: "Syntax Error: Expected Name, found <EOF>." }))
    assert.isFalse(NabiGraphQL.isValidationError({ message: "Invalid signature", extensions: { code: "X" } }))
    assert.strictEqual(NabiGraphQL.fieldOf("Cannot query field \"colour\" on type \"Profile\"."), "colour")
    assert.isUndefined(NabiGraphQL.fieldOf("no quoted name"))
  })

  it("refusesField names the field; refusesNonce and refusesSelection read codes and messages", () => {
    const address = [{ message: "Field \"address\" is not defined by type \"GetTokenInput\"." }]
    assert.isTrue(NabiGraphQL.refusesField(address, "address"))
    assert.isFalse(NabiGraphQL.refusesField(address, "id"))
    // A resolver's error naming the field is not a validation error.
    assert.isFalse(NabiGraphQL.refusesField([{ message: "bad \"address\"", extensions: { code: "X" } }], "address"))
    assert.isTrue(NabiGraphQL.refusesNonce([{ message: "x", extensions: { code: "INVALID_NONCE" } }]))
    assert.isTrue(NabiGraphQL.refusesNonce([{ message: "Nonce expired" }]))
    assert.isFalse(NabiGraphQL.refusesNonce([{ message: "Invalid signature" }]))
    assert.isTrue(NabiGraphQL.refusesSelection([{ message: "Cannot query field \"refreshToken\"" }]))
    assert.isFalse(NabiGraphQL.refusesSelection([{ message: "Refresh token is invalid" }]))
  })

  it("isNotOwner: a profileId, an ownership code or message, never a validation error", () => {
    assert.isTrue(NabiGraphQL.isNotOwner({ message: "x", extensions: { profileId: "p" } }))
    assert.isTrue(NabiGraphQL.isNotOwner({ message: "x", extensions: { code: "NOT_OWNER" } }))
    assert.isTrue(NabiGraphQL.isNotOwner({ message: "Profile is not owned by this address" }))
    assert.isFalse(NabiGraphQL.isNotOwner({ message: "not owned", extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }))
    assert.isFalse(NabiGraphQL.isNotOwner({ message: "Unauthorized" }))
  })

  it("profileOf finds the first profile id in depth and survives cycles; literal escapes", () => {
    assert.strictEqual(NabiGraphQL.profileOf({ request: { id: "p-1", name: "x" } }), "p-1")
    assert.strictEqual(NabiGraphQL.profileOf({ profileId: "p-2" }), "p-2")
    const cyclic: Record<string, unknown> = {}
    cyclic["self"] = cyclic
    assert.isUndefined(NabiGraphQL.profileOf(cyclic))
    assert.isUndefined(NabiGraphQL.profileOf(undefined))
    assert.strictEqual(NabiGraphQL.literal("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"")
  })
})
