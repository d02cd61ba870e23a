import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import type * as Authenticated from "../../src/Authenticated.js"
import { CredentialsRejected, TransportError } from "../../src/AuthError.js"
import type * as Provider from "../../src/Provider.js"
import * as SessionEngine from "../../src/SessionEngine.js"

export const SENTINEL = "sentinel-secret-7f3a9c"

export interface TestSession {
  readonly id: number
  readonly token: Redacted.Redacted<string>
  /** Server clock. */
  readonly expiresAt: number | undefined
  readonly issuedAt: number
  readonly via: "acquire" | "refresh"
}

/** How a test session is stored. */
export const TestSessionSchema: Schema.Codec<TestSession, any> = Schema.Struct({
  id: Schema.Number,
  // effect 4: `RedactedFromValue` stores the value; `Schema.Redacted` would store "<redacted>".
  token: Schema.RedactedFromValue(Schema.String),
  expiresAt: Schema.UndefinedOr(Schema.Number),
  issuedAt: Schema.Number,
  via: Schema.Literals(["acquire", "refresh"])
})

export type TestError = CredentialsRejected | TransportError

export interface TestProvider extends Provider.Provider<"test", TestSession, TestError> {}

/**
 * A provider whose behaviour a test controls: how long sessions live, whether
 * the next logins fail, a gate that holds logins until it is opened, and the
 * server's clock offset. It counts what the engine asked of it.
 */
export interface Harness {
  readonly auth: Authenticated.Authenticated<TestProvider>
  readonly acquires: () => number
  readonly refreshes: () => number
  readonly maxInFlight: () => number
  /** The `rejected` flag the engine gave the last refresh. */
  readonly lastRefreshRejected: () => boolean | undefined
  readonly failNext: (n: number, error?: "transport" | "rejected") => void
  readonly hold: Effect.Effect<Deferred.Deferred<void>>
}

export interface HarnessOptions extends Partial<SessionEngine.Options<TestProvider>> {
  readonly lifetimeMillis?: number | undefined
  readonly serverOffsetMillis?: number | undefined
  readonly withRefresh?: boolean | undefined
  /** How long each login or refresh takes on the (test) clock. */
  readonly latencyMillis?: number | undefined
}

export const makeHarness = (options: HarnessOptions = {}): Effect.Effect<Harness, never, Scope.Scope> =>
  Effect.gen(function*() {
    let acquires = 0
    let refreshes = 0
    let inFlight = 0
    let maxInFlight = 0
    let failures = 0
    let failWith: "transport" | "rejected" = "transport"
    let gate: Deferred.Deferred<void> | undefined
    let ids = 0
    let lastRefreshRejected: boolean | undefined

    const issue = (via: "acquire" | "refresh") =>
      Effect.gen(function*() {
        inFlight += 1
        maxInFlight = Math.max(maxInFlight, inFlight)
        if (gate !== undefined) yield* Deferred.await(gate)
        if (options.latencyMillis !== undefined) yield* Effect.sleep(options.latencyMillis)
        if (failures > 0) {
          failures -= 1
          return yield* failWith === "transport"
            ? Effect.fail(new TransportError({ provider: "test", reason: "ServerError", status: 503 }))
            : Effect.fail(new CredentialsRejected({ provider: "test", reason: "InvalidToken" }))
        }
        const now = (yield* Clock.currentTimeMillis) + (options.serverOffsetMillis ?? 0)
        ids += 1
        const session: TestSession = {
          id: ids,
          token: Redacted.make(`${SENTINEL}-${ids}`),
          expiresAt: options.lifetimeMillis === undefined ? undefined : now + options.lifetimeMillis,
          issuedAt: now,
          via
        }
        return session
      }).pipe(Effect.ensuring(Effect.sync(() => void (inFlight -= 1))))

    const acquire = Effect.suspend(() => {
      acquires += 1
      return issue("acquire")
    })
    const refresh = (_previous: TestSession, context: SessionEngine.RefreshContext) =>
      Effect.suspend(() => {
        refreshes += 1
        lastRefreshRejected = context.rejected
        return issue("refresh")
      })

    const auth = yield* SessionEngine.make<TestProvider>({
      provider: "test",
      acquire,
      ...(options.withRefresh === false ? {} : { refresh }),
      expiresAt: (s) => s.expiresAt,
      issuedAt: (s) => s.issuedAt,
      refreshJitter: 0,
      ...options
    })

    return {
      auth,
      acquires: () => acquires,
      refreshes: () => refreshes,
      maxInFlight: () => maxInFlight,
      lastRefreshRejected: () => lastRefreshRejected,
      failNext: (n, error = "transport") => {
        failures = n
        failWith = error
      },
      hold: Effect.gen(function*() {
        const d = yield* Deferred.make<void>()
        gate = d
        return d
      })
    }
  })

export const release = (gate: Deferred.Deferred<void>) => Deferred.succeed(gate, void 0)

/**
 * Lets other fibers run until `condition` holds, a bounded number of times:
 * fibers progress by scheduler turns, not by time, so no clock moves.
 */
export const waitUntil = (condition: () => boolean, turns = 1_000): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (let i = 0; i < turns; i++) {
      if (condition()) return
      yield* Effect.yieldNow
    }
    return yield* Effect.die(new Error(`condition not reached after ${turns} scheduler turns`))
  })

/**
 * Counts the fibers started and not yet ended under it, through effect 4's
 * public runtime-metrics hook (`Metric.FiberRuntimeMetrics`, read by every
 * fiber at its start from its parent's context): what `Supervisor.track` did
 * for the v3 tests.
 */
export const fiberCounter = () => {
  let started = 0
  let ended = 0
  const service: Metric.FiberRuntimeMetricsService = {
    recordFiberStart: () => void (started += 1),
    recordFiberEnd: () => void (ended += 1)
  }
  return {
    /** Runs `self` with the counter: every fiber it forks, and theirs, is counted. */
    counted: <A, E, R>(self: Effect.Effect<A, E, R>) =>
      Effect.provideService(self, Metric.FiberRuntimeMetrics, service),
    started: () => started,
    running: () => started - ended
  }
}

/** A tracer that records each span's name and attributes. */
export const capturingTracer = () => {
  const spans: Array<{ readonly name: string; readonly attributes: Map<string, unknown> }> = []
  const tracer = Tracer.make({
    span: ({ annotations, kind, links, name, parent, startTime }) => {
      const attributes = new Map<string, unknown>()
      spans.push({ name, attributes })
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${spans.length}`,
        traceId: "trace",
        parent,
        annotations,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: () => undefined,
        attribute: (key, value) => void attributes.set(key, value),
        event: () => undefined,
        addLinks: () => undefined
      }
      return span
    }
  })
  return { spans, tracer }
}
