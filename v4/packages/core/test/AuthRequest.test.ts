import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Result from "effect/Result"
import * as AuthRequest from "../src/AuthRequest.js"

const post = HttpClientRequest.post("https://api.example.test/v1/send?token=sentinel-query-secret")

describe("AuthRequest.bodyJson", () => {
  it.effect("sets a JSON body with its content type", () =>
    Effect.gen(function*() {
      const request = yield* AuthRequest.bodyJson(post, "example", { amount: 1, to: ["a", "b"] })
      const body = request.body
      assert.strictEqual(body._tag, "Uint8Array")
      if (body._tag !== "Uint8Array") return
      assert.strictEqual(body.contentType, "application/json")
      const text = new TextDecoder().decode(body.body)
      assert.deepStrictEqual(JSON.parse(text), { amount: 1, to: ["a", "b"] })
    }))

  it.effect("a bigint is a typed Unencodable error naming its path, never a throw or a defect", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        post.pipe(AuthRequest.bodyJson("ton", { data: { amount: 12n, memo: "sentinel-memo" } }))
      )
      assert.strictEqual(error._tag, "ProtocolError")
      assert.strictEqual(error.reason, "Unencodable")
      assert.include(error.message, "data.amount")
      assert.include(error.message, "cannot encode the request")
      // The request is described without its query (a secret may live there).
      assert.notInclude(error.message, "sentinel-query-secret")
      assert.notInclude(error.message, "sentinel-memo")
      assert.notInclude(error.message, "12")
    }))

  it.effect("a bigint inside an array and after siblings is found at its own path", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        AuthRequest.bodyJson(post, "ton", { a: { b: 1 }, list: [{ c: "x" }, { amounts: [1, 2n] }] })
      )
      assert.include(error.message, "list.1.amounts.1")
    }))

  it.effect("a cycle and a throwing toJSON are typed too", () =>
    Effect.gen(function*() {
      const cyclic: Record<string, unknown> = { name: "loop" }
      cyclic["self"] = { back: cyclic }
      const cycle = yield* Effect.flip(AuthRequest.bodyJson(post, "x", cyclic))
      assert.strictEqual(cycle.reason, "Unencodable")
      assert.include(cycle.message, "cyclic value at self.back")
      const throwing = yield* Effect.flip(
        AuthRequest.bodyJson(post, "x", {
          toJSON() {
            throw new Error("sentinel-in-throw")
          }
        })
      )
      assert.strictEqual(throwing.reason, "Unencodable")
      assert.notInclude(throwing.message, "sentinel-in-throw")
    }))

  it("encodeJson: a repeated (not cyclic) object is fine", () => {
    const shared = { v: 1 }
    const result = AuthRequest.encodeJson("x", { a: shared, b: shared, c: [shared, shared] })
    assert.isTrue(Result.isSuccess(result))
    assert.deepStrictEqual(JSON.parse(Result.getOrThrow(result)), { a: { v: 1 }, b: { v: 1 }, c: [{ v: 1 }, { v: 1 }] })
    assert.isTrue(Result.isFailure(AuthRequest.encodeJson("x", undefined)))
  })
})
