import * as Coordination from "@authfx/core/Coordination"
import { TeraboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { TeraboxAuth } from "../src/TeraboxAuth.js"
import * as TeraboxClient from "../src/TeraboxClient.js"

/** A replica: its own client for the fake, on `options.coordination` (or the one in `context`). */
const replica = (
  fake: TeraboxFake.TeraboxFake,
  options: Partial<TeraboxClient.Options> = {},
  context: Layer.Layer<never> = Layer.empty
) =>
  Effect.map(
    Layer.build(
      TeraboxClient.layer({ url: fake.url, ndus: Redacted.make(fake.ndus()), retry: false, ...options }).pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(context)
      )
    ),
    (built) => Context.get(built, TeraboxAuth)
  )

const jsTokens = (sessions: ReadonlyArray<{ readonly jsToken: Redacted.Redacted<string> }>) =>
  new Set(sessions.map((s) => Redacted.value(s.jsToken))).size

describe("TeraboxClient: coordination", () => {
  it.live("3 replicas, one homepage read; a rejected jsToken re-read once for all", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make()
      const coordination = Coordination.make(Coordination.memoryBackend())
      const replicas = yield* Effect.forEach([0, 1, 2], () => replica(fake, { coordination }))
      const first = yield* Effect.forEach(replicas, (auth) => auth.session, { concurrency: "unbounded" })
      assert.strictEqual(jsTokens(first), 1)
      assert.strictEqual(fake.counters.pages, 1)
      fake.rotateJsToken()
      // Each replica meets the rejection with its own copy of the session: one re-read between them.
      for (const [i, auth] of replicas.entries()) yield* auth.invalidate(first[i]!)
      const renewed = yield* Effect.forEach(replicas, (auth) => auth.session, { concurrency: "unbounded" })
      assert.strictEqual(jsTokens(renewed), 1)
      assert.strictEqual(Redacted.value(renewed[0]!.jsToken), fake.jsToken())
      assert.strictEqual(fake.counters.pages, 2)
    }))

  it.live("the Coordination in the context is used by default; `false` works alone", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make()
      const inContext = Layer.succeedContext(yield* Layer.build(Coordination.layerMemory()))
      const a = yield* replica(fake, {}, inContext)
      const b = yield* replica(fake, {}, inContext)
      assert.strictEqual(jsTokens([yield* a.session, yield* b.session]), 1)
      assert.strictEqual(fake.counters.pages, 1)
      yield* (yield* replica(fake, { coordination: false }, inContext)).session
      assert.strictEqual(fake.counters.pages, 2)
    }))

  it.live("a record of another cookie is never adopted, even under the same `account`", () =>
    Effect.gen(function*() {
      const one = yield* TeraboxFake.make()
      const other = yield* TeraboxFake.make()
      const coordination = Coordination.make(Coordination.memoryBackend())
      const a = yield* replica(one, { coordination, account: "shared" })
      yield* a.session
      const b = yield* replica(other, { coordination, account: "shared" })
      const session = yield* b.session
      assert.strictEqual(Redacted.value(session.jsToken), other.jsToken())
      assert.strictEqual(other.counters.pages, 1)
      // A replica with the same cookie adopts the record: it is now that cookie's.
      const c = yield* replica(other, { coordination, account: "shared" })
      assert.strictEqual(Redacted.value((yield* c.session).jsToken), other.jsToken())
      assert.strictEqual(other.counters.pages, 1)
    }))
})
