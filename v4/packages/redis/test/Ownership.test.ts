/**
 * v3's nandbox fleet test, its point kept without nandbox (`Nandbox.test.ts`
 * has it with nandbox): `Coordination.ownership` on a real Redis gives a resource (nandbox's
 * one WebSocket) exactly one owner in the fleet at any time, and a standby
 * takes over within the lease when the owner dies without releasing.
 */
import * as Coordination from "@authfx/core/Coordination"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import { Redis } from "ioredis"
import * as RedisCoordination from "../src/RedisCoordination.js"
import { freshPrefix, redisUrl } from "./utils/fleet.js"

const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))
const LEASE = 600

describe.skipIf(redisUrl === undefined)("ownership: one owner for the fleet", () => {
  it.live("3 replicas: exactly one owner at any time; the owner dies, a standby takes over within the lease", () =>
    Effect.gen(function*() {
      const prefix = freshPrefix()
      // What the owners hold, as the fake's open connections were: never more than one at once.
      let open = 0
      let most = 0
      let opened = 0
      const connection = Effect.acquireUseRelease(
        Effect.sync(() => {
          open += 1
          opened += 1
          most = Math.max(most, open)
        }),
        () => Effect.never,
        () => Effect.sync(() => void (open -= 1))
      )
      const replica = () =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          let dead = false
          const backend = yield* RedisCoordination.makeBackend({ url: redisUrl!, prefix }).pipe(Scope.provide(scope))
          // A crash: from now on nothing this replica says reaches Redis, so its lease is left to lapse.
          const gone = Effect.fail(new Coordination.CoordinationError({ operation: "crashed", reason: "Unavailable" }))
          const crashable: Coordination.Backend = {
            ...backend,
            tryLease: (...a) => dead ? gone : backend.tryLease(...a),
            extend: (...a) => dead ? gone : backend.extend(...a),
            release: (...a) => dead ? gone : backend.release(...a)
          }
          const ownership = Coordination.make(crashable).ownership({ key: "nandbox/bot", lease: `${LEASE} millis` })
          const fiber = yield* Effect.forkIn(ownership.hold(connection), scope)
          return {
            ownership,
            fiber,
            crash: Effect.andThen(Effect.sync(() => void (dead = true)), Scope.close(scope, Exit.void))
          }
        })
      const replicas = yield* Effect.forEach([0, 1, 2], replica)
      const owners = () => Effect.forEach(replicas, (r) => r.ownership.isOwner)
      const deadline = Date.now() + 5_000
      while (!(yield* owners()).includes(true)) {
        assert.isBelow(Date.now(), deadline, "nobody took the lease")
        yield* sleep(5)
      }
      yield* sleep(3 * LEASE) // keep-alives renew the lease: still one owner, two standbys
      const held = yield* owners()
      assert.strictEqual(held.filter(Boolean).length, 1)
      assert.strictEqual(opened, 1)
      const ownerIndex = held.indexOf(true)

      const killedAt = Date.now()
      yield* replicas[ownerIndex]!.crash
      const survivors = replicas.filter((_, i) => i !== ownerIndex)
      while (true) {
        const states = yield* Effect.forEach(survivors, (r) => r.ownership.isOwner)
        if (states.includes(true)) break
        assert.isBelow(Date.now() - killedAt, LEASE + 1_000, "no standby took over")
        yield* sleep(5)
      }
      const tookOver = Date.now() - killedAt
      assert.isAtMost(tookOver, LEASE + 500, `took over after ${tookOver} ms`)
      yield* sleep(LEASE)
      const states = yield* Effect.forEach(survivors, (r) => r.ownership.isOwner)
      assert.deepStrictEqual(states.map(String).sort(), ["false", "true"])
      assert.strictEqual(most, 1)
      assert.strictEqual(opened, 2)
      yield* Effect.forEach(survivors, (r) => r.crash, { discard: true })
      for (const r of replicas) assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(r.fiber)))
    }))

  it.live("a lease lost under the owner (deleted in Redis, taken by another): use is interrupted, LeaseLost", () =>
    Effect.gen(function*() {
      const prefix = freshPrefix()
      const backend = yield* RedisCoordination.makeBackend({ url: redisUrl!, prefix })
      const ownership = Coordination.make(backend).ownership({ key: "nandbox/bot", lease: `${LEASE} millis` })
      let interrupted = false
      const fiber = yield* Effect.forkChild(
        ownership.hold(Effect.onInterrupt(Effect.never, () => Effect.sync(() => void (interrupted = true))))
      )
      while (!(yield* ownership.isOwner)) yield* sleep(5)
      // Somebody else's lease at the key: the holder's next keep-alive finds it is not the owner any more.
      const lock = `${prefix}:{nandbox/bot}:owner`
      yield* backend.release("nandbox/bot", "owner", "nobody")
      const other = yield* backend.tryLease("nandbox/bot", "owner", "other", 60_000)
      assert.isFalse(other.held, "the holder's lease is still there")
      yield* Effect.promise(async () => {
        const client = new Redis({ path: redisUrl!.slice("unix://".length) })
        await client.set(lock, "other", "PX", 60_000)
        client.disconnect()
      })
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
      assert.instanceOf(error?._tag === "Fail" ? error.error : undefined, Coordination.LeaseLost)
      assert.isTrue(interrupted)
      assert.isFalse(yield* ownership.isOwner)
    }))
})
