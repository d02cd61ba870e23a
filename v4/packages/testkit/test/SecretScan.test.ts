import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Headers from "effect/http/Headers"
import * as Redacted from "effect/Redacted"
import * as SecretScan from "../src/SecretScan.js"

describe("SecretScan (v4)", () => {
  it.effect("finds a sentinel in a log line, a span attribute, a span's failure and a value; not a redacted one", () =>
    Effect.gen(function*() {
      const capture = SecretScan.makeCapture()
      const secret = SecretScan.sentinel("scan")
      yield* Effect.gen(function*() {
        yield* Effect.logDebug("hidden", Redacted.make(secret))
        yield* Effect.void.pipe(Effect.withSpan("quiet", { attributes: { ok: "nothing here" } }))
      }).pipe(Effect.provide(capture.layer))
      assert.isAbove(capture.logs.length, 0)
      assert.isTrue(capture.spans.some((span) => span.name === "quiet" && span.exit === "success"))
      assert.deepStrictEqual(SecretScan.scan([secret], { capture, values: [Redacted.make(secret)] }), [])
      yield* SecretScan.assertClean([secret], { capture })

      yield* Effect.logTrace("leak", secret).pipe(Effect.provide(capture.layer))
      yield* Effect.fail(new Error(secret)).pipe(Effect.withSpan("failing"), Effect.exit, Effect.provide(capture.layer))
      yield* Effect.void.pipe(Effect.withSpan("attr", { attributes: { token: secret } }), Effect.provide(capture.layer))
      const found = SecretScan.scan([secret], { capture, values: [{ nested: [secret] }] })
      assert.isTrue(found.some((where) => where.startsWith("log line")))
      assert.isTrue(found.some((where) => where === `span failing contains ${JSON.stringify(secret.slice(0, 6))}…`))
      assert.isTrue(found.some((where) => where.startsWith("span attr")))
      assert.isTrue(found.some((where) => where.startsWith("value 0")))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(SecretScan.assertClean([secret], { capture }))))
    }))

  it.effect("renders Headers with the redacted names of the fiber it runs in", () =>
    Effect.gen(function*() {
      const secret = SecretScan.sentinel("header")
      const headers = Headers.fromInput({ "access-token": secret })
      assert.isNotEmpty(SecretScan.scan([secret], { values: [headers] }))
      yield* SecretScan.assertClean([secret], { values: [headers] }).pipe(
        Effect.provideService(Headers.CurrentRedactedNames, ["access-token"])
      )
    }))
})
