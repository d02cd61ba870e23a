/**
 * v3's nandbox fleet test: replicas of one bot, each with its own Redis connections, keep exactly one nandbox
 * connection open between them; when the owner dies without releasing, a standby connects within the lease.
 */
import * as Coordination from "@authfx/core/Coordination"
import * as NandboxConnection from "@authfx/nandbox/NandboxConnection"
import { NandboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as RedisCoordination from "../src/RedisCoordination.js"
import { freshPrefix, redisUrl } from "./utils/fleet.js"

const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))
const LEASE = 600

describe.skipIf(redisUrl === undefined)("nandbox: one connection for the fleet", () => {
  it.live("3 replicas: exactly one connection at any time; the owner dies, a standby connects within the lease", () =>
    Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      const prefix = freshPrefix()
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
          const context = yield* Layer.buildWithScope(
            NandboxConnection.layer({
              url: fake.url,
              token: Redacted.make(fake.token()),
              coordination: Coordination.make(crashable),
              ownerLease: `${LEASE} millis`
            }).pipe(Layer.provide(Socket.layerWebSocketConstructorGlobal)),
            scope
          ).pipe(Effect.orDie)
          const connection = Context.get(context, NandboxConnection.NandboxConnection)
          return {
            connection,
            state: () => SubscriptionRef.get(connection.state),
            crash: Effect.andThen(Effect.sync(() => void (dead = true)), Scope.close(scope, Exit.void))
          }
        })
      const replicas = yield* Effect.forEach([0, 1, 2], replica)
      // Watch the fake the whole time: never two connections open at once.
      let most = 0
      const open = () => fake.connections.filter((c) => !c.closed).length
      yield* Effect.forkScoped(
        Effect.forever(Effect.andThen(Effect.sync(() => void (most = Math.max(most, open()))), sleep(1)))
      )

      const connected = () =>
        Effect.map(Effect.forEach(replicas, (r) => r.state()), (states) => states.map((s) => s._tag))
      let tags: Array<string> = []
      const deadline = Date.now() + 5_000
      while (!(tags = yield* connected()).includes("Connected")) {
        assert.isBelow(Date.now(), deadline, "nobody connected")
        yield* sleep(5)
      }
      yield* sleep(3 * LEASE) // keep-alives renew the lease: still one owner, two standbys
      tags = yield* connected()
      assert.deepStrictEqual(tags.filter((t) => t === "Connected").length, 1)
      assert.deepStrictEqual(tags.filter((t) => t === "Standby").length, 2)
      assert.strictEqual(fake.counters.authentications, 1)
      const ownerIndex = tags.indexOf("Connected")
      const standby = replicas[(ownerIndex + 1) % 3]!

      // A standby's send fails at once, typed.
      const refused = yield* Effect.flip(standby.connection.send({ method: "sendMessage", chat_id: "1", text: "hi" }))
      assert.strictEqual(refused._tag, "NandboxSendError")
      assert.strictEqual((refused as { reason?: string }).reason, "NotOwner")

      const killedAt = Date.now()
      yield* replicas[ownerIndex]!.crash
      const survivors = replicas.filter((_, i) => i !== ownerIndex)
      while (true) {
        const states = yield* Effect.forEach(survivors, (r) => r.state())
        if (states.some((s) => s._tag === "Connected")) break
        assert.isBelow(Date.now() - killedAt, LEASE + 1_000, "no standby took over")
        yield* sleep(5)
      }
      const tookOver = Date.now() - killedAt
      assert.isAtMost(tookOver, LEASE + 500, `took over after ${tookOver} ms`)
      yield* sleep(LEASE)
      const states = yield* Effect.forEach(survivors, (r) => r.state())
      assert.deepStrictEqual(states.map((s) => s._tag).sort(), ["Connected", "Standby"])
      assert.strictEqual(most, 1)
      assert.strictEqual(fake.counters.authentications, 2)
      yield* Effect.forEach(survivors, (r) => r.crash, { discard: true })
    }))
})
