/** The in-memory backend: the protocol's table of records and leases, on `Clock`, with waiters for publications. */
import * as CoordinationRecord from "@authfx/protocol/CoordinationRecord"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type * as Coordination from "../../Coordination.js"

export const memoryBackend = (): Coordination.Backend => {
  const waiters = new Map<string, Set<Deferred.Deferred<void>>>()
  const table = new CoordinationRecord.MemoryTable((key) => {
    const set = waiters.get(key)
    if (set === undefined) return
    waiters.delete(key)
    for (const deferred of set) Deferred.unsafeDone(deferred, Exit.void)
  })
  return {
    name: "memory",
    tryLease: (key, lock, owner, leaseMillis, known) =>
      Clock.clockWith((clock) =>
        Effect.sync(() => table.tryLease(clock.unsafeCurrentTimeMillis(), key, lock, owner, leaseMillis, known))
      ),
    extend: (key, lock, owner, leaseMillis) =>
      Clock.clockWith((clock) =>
        Effect.sync(() => table.extend(clock.unsafeCurrentTimeMillis(), key, lock, owner, leaseMillis))
      ),
    release: (key, lock, owner) => Effect.sync(() => table.release(key, lock, owner)),
    commit: (key, lock, owner, expected, payload, atLeast) =>
      Effect.sync(() => table.commit(key, lock, owner, expected, payload, atLeast)),
    awaitPublish: (key, after, millis) =>
      Effect.suspend(() => {
        if ((table.record(key)?.generation ?? 0) > after) return Effect.void
        const deferred = Deferred.unsafeMake<void>(FiberId.none)
        let set = waiters.get(key)
        if (set === undefined) waiters.set(key, set = new Set())
        set.add(deferred)
        return Deferred.await(deferred).pipe(
          Effect.timeout(Duration.millis(millis)),
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => waiters.get(key)?.delete(deferred)))
        )
      })
  }
}
