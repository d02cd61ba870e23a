import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashSet from "effect/HashSet"
import * as Option from "effect/Option"

/** The fiber refs an engine kept last, and how many refs they hold: shared by the next engines that can. */
let last: { readonly refs: WeakRef<FiberRefs.FiberRefs>; readonly size: number } | undefined

/** Whether `keptRefs` compares through public API only (the fallback; set by the bench to measure it). */
let publicOnly = false

/**
 * Makes `keptRefs` use its public-API comparison only (`true`), or read
 * effect 3's representation when it can (`false`, the default). For the
 * benchmarks and tests that measure or check the fallback.
 *
 * @internal
 */
export const setPublicOnly = (value: boolean): void => {
  publicOnly = value
}

/**
 * The builder's fiber refs without its context (the engine keeps that apart,
 * and a fiber run from them gets the engine's). Engines built one after the
 * other by one fiber, or by fibers forked from one, differ only there: they
 * share one copy instead of keeping each its own, which holds the context and
 * scope of every caller up the stack (several hundred bytes per engine).
 *
 * @internal
 */
export const keptRefs = (refs: FiberRefs.FiberRefs): FiberRefs.FiberRefs => {
  const kept = last?.refs.deref()
  if (kept !== undefined && sameOutsideContext(kept, last!.size, refs)) return kept
  const fresh = FiberRefs.delete(refs, FiberRef.currentContext)
  last = { refs: new WeakRef(fresh), size: HashSet.size(FiberRefs.fiberRefs(fresh)) }
  return fresh
}

type Locals = ReadonlyMap<FiberRef.FiberRef<unknown>, ReadonlyArray<readonly [unknown, unknown]>>

/**
 * The one read of an undeclared internal in the engine: effect 3's `FiberRefs`
 * keeps each ref's stack of `[fiber id, value]` in a `Map` named `locals`.
 * `undefined` when it does not (another representation): the callers then use
 * the public API, which returns the same answer about 25 times slower
 * (`FiberRefs.fiberRefs` builds a `HashSet` per call). A test checks that this
 * read agrees with the public API, so that a change of representation fails
 * it rather than silently costing build time.
 *
 * @internal
 */
export const localsOf = (refs: FiberRefs.FiberRefs): Locals | undefined => {
  const locals = (refs as { readonly locals?: unknown }).locals
  return locals instanceof Map ? locals as Locals : undefined
}

/**
 * Whether every ref but the context holds the very same value in both (`kept`
 * holds `size` refs, none of them the context).
 *
 * @internal
 */
export const sameOutsideContext = (kept: FiberRefs.FiberRefs, size: number, refs: FiberRefs.FiberRefs): boolean => {
  const a = publicOnly ? undefined : localsOf(kept)
  const b = a === undefined ? undefined : localsOf(refs)
  return a !== undefined && b !== undefined ? sameLocals(a, b) : samePublic(kept, size, refs)
}

const sameLocals = (kept: Locals, refs: Locals): boolean => {
  let count = 0
  for (const [ref, stack] of refs) {
    if (ref === FiberRef.currentContext) continue
    count += 1
    const other = kept.get(ref)
    if (other === undefined || other.length === 0 || stack.length === 0 || other[0]![1] !== stack[0]![1]) return false
  }
  return count === kept.size
}

/** The public-API fallback: `FiberRefs.fiberRefs` and `FiberRefs.get`. */
const samePublic = (kept: FiberRefs.FiberRefs, size: number, refs: FiberRefs.FiberRefs): boolean => {
  let count = 0
  for (const ref of FiberRefs.fiberRefs(refs)) {
    if (ref === FiberRef.currentContext) continue
    count += 1
    const a = FiberRefs.get(kept, ref)
    if (Option.isNone(a)) return false
    const b = FiberRefs.get(refs, ref)
    if (Option.isNone(b) || a.value !== b.value) return false
  }
  return count === size
}
