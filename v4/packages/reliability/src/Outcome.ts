/**
 * A call's outcome as the report writes it: `success`, or its typed failure as
 * `Tag(reason)`. A defect or an untyped failure fails the test. (The v3 line's
 * packages/reliability/src/Outcome.ts, in effect 4's Cause API.)
 */
import { assert } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

/** `outcome` for one test file; every typed failure goes to `values`, for the secret scan. */
export const make = (values: Array<unknown>) => (effect: Effect.Effect<unknown, { readonly _tag: string }>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(effect)
    if (Exit.isSuccess(exit)) return "success"
    assert.isFalse(Cause.hasDies(exit.cause), `a defect: ${Cause.pretty(exit.cause)}`)
    const failure = Cause.findErrorOption(exit.cause)
    assert.isTrue(failure._tag === "Some", `a typed failure, not ${Cause.pretty(exit.cause)}`)
    values.push(failure._tag === "Some" ? failure.value : undefined)
    return failure._tag === "Some"
      ? failure.value._tag + ("reason" in failure.value ? `(${String(failure.value.reason)})` : "")
      : "?"
  })
