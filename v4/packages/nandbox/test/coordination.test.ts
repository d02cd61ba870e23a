import * as Coordination from "@authfx/core/Coordination"
import { NandboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as NandboxConnection from "../src/NandboxConnection.js"
import { layerWs } from "./utils/ws.js"

const LEASE = 300
const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

/** Waits (real time, for I/O) until `condition` holds, at most `millis`. */
const until = (condition: Effect.Effect<boolean>, what: string, millis = 5_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + millis
    while (!(yield* condition)) {
      assert.isBelow(Date.now(), deadline, what)
      yield* sleep(5)
    }
  })

/**
 * A replica on `backend`, with its own scope; `crash` cuts it from the backend (its lease is left to lapse, as a
 * dead process's would) and closes its scope.
 */
const replica = (fake: NandboxFake.NandboxFake, backend: Coordination.Backend, options: {
  readonly account?: string
} = {}) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    let dead = false
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
        ownerLease: `${LEASE} millis`,
        ...options
      }).pipe(Layer.provide(layerWs)),
      scope
    ).pipe(Effect.orDie)
    const connection = Context.get(context, NandboxConnection.NandboxConnection)
    return {
      connection,
      tag: Effect.map(SubscriptionRef.get(connection.state), (s) => s._tag),
      crash: Effect.andThen(Effect.sync(() => void (dead = true)), Scope.close(scope, Exit.void)),
      stop: Scope.close(scope, Exit.void)
    }
  })

describe("NandboxConnection: coordination (one connection for the fleet)", () => {
  it.live("one owner connects, the others stand by and refuse sends with NotOwner; a standby takes over", () =>
    Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      const backend = Coordination.memoryBackend()
      const replicas = yield* Effect.forEach([0, 1, 2], () => replica(fake, backend))
      const tags = Effect.forEach(replicas, (r) => r.tag)
      yield* until(Effect.map(tags, (t) => t.includes("Connected")), "nobody connected")
      yield* sleep(2 * LEASE) // the owner's keep-alive extends the lease: still one owner
      const now = yield* tags
      assert.strictEqual(now.filter((t) => t === "Connected").length, 1)
      assert.strictEqual(now.filter((t) => t === "Standby").length, 2)
      assert.strictEqual(fake.counters.authentications, 1)
      assert.strictEqual(fake.connections.filter((c) => !c.closed).length, 1)

      const owner = now.indexOf("Connected")
      const standby = replicas[(owner + 1) % 3]!
      const refused = yield* Effect.flip(standby.connection.send({ method: "sendMessage", chat_id: "1", text: "hi" }))
      assert.strictEqual(refused._tag, "NandboxSendError")
      assert.strictEqual((refused as { reason?: string }).reason, "NotOwner")

      const killedAt = Date.now()
      yield* replicas[owner]!.crash
      const survivors = replicas.filter((_, i) => i !== owner)
      yield* until(
        Effect.map(Effect.forEach(survivors, (r) => r.tag), (t) => t.includes("Connected")),
        "no standby took over",
        LEASE + 2_000
      )
      assert.isAtMost(Date.now() - killedAt, LEASE + 1_000)
      assert.deepStrictEqual((yield* Effect.forEach(survivors, (r) => r.tag)).sort(), ["Connected", "Standby"])
      assert.strictEqual(fake.counters.authentications, 2)
      assert.strictEqual(fake.connections.filter((c) => !c.closed).length, 1)
      yield* Effect.forEach(survivors, (r) => r.stop, { discard: true })
    }))

  it.live("an owner that stops releases the lease: a standby connects without waiting for it to lapse", () =>
    Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      const backend = Coordination.memoryBackend()
      const a = yield* replica(fake, backend)
      yield* until(Effect.map(a.tag, (t) => t === "Connected"), "a connected")
      const b = yield* replica(fake, backend)
      yield* until(Effect.map(b.tag, (t) => t === "Standby"), "b stands by")
      yield* a.stop
      yield* until(Effect.map(b.tag, (t) => t === "Connected"), "b took over", 2_000)
      assert.strictEqual(fake.counters.authentications, 2)
      yield* b.stop
    }))

  it.live("accounts of a keyed service own their connections apart; `false` always connects", () =>
    Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      const backend = Coordination.memoryBackend()
      const a = yield* replica(fake, backend, { account: "a" })
      const b = yield* replica(fake, backend, { account: "b" })
      yield* until(
        Effect.map(Effect.all([a.tag, b.tag]), (t) => t.every((x) => x === "Connected")),
        "both accounts connected"
      )
      const scope = yield* Scope.make()
      const alone = yield* Layer.buildWithScope(
        NandboxConnection.layer({ url: fake.url, token: Redacted.make(fake.token()), coordination: false }).pipe(
          Layer.provide(layerWs)
        ),
        scope
      ).pipe(Effect.orDie)
      const state = Context.get(alone, NandboxConnection.NandboxConnection).state
      yield* until(Effect.map(SubscriptionRef.get(state), (s) => s._tag === "Connected"), "alone connected")
      assert.strictEqual(fake.counters.authentications, 3)
      yield* Effect.all([a.stop, b.stop, Scope.close(scope, Exit.void)], { discard: true })
    }))
})
