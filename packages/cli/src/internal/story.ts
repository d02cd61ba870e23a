import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthEvent from "@authfx/core/AuthEvent"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/** How a provider names what its engine's events mean: a "refresh" is not the same thing everywhere. */
export interface Words {
  /** A new session from the full credential (`Acquired`). */
  readonly acquired: string
  /** A new session from the previous one (`Refreshed`). */
  readonly refreshed: string
  /** The table's name for each, singular and plural: ["password login", "password logins"]. */
  readonly acquiredCount: readonly [string, string]
  readonly refreshedCount: readonly [string, string]
}

/** One line under a scenario: an engine event, or what the scenario observed. */
export interface Line {
  readonly kind: "event" | "result"
  readonly text: string
}

/** One thing the demo does to a provider, what happened, and whether that was what should happen. */
export interface Scenario {
  readonly title: string
  readonly ok: boolean
  readonly lines: ReadonlyArray<Line>
}

/** What a scenario observed: whether it is the expected outcome, and in a few words what it was. */
export interface Check {
  readonly ok: boolean
  readonly text: string
}

/** The counts of a provider's engine events, named by {@link Words}. */
export interface Counts {
  acquired: number
  refreshed: number
  rejected: number
  /** Rejections followed by a new session: the request that was refused is sent once more. */
  replays: number
}

/** A provider's whole demo: its scenarios in order, and counts for the table. */
export interface Chapter {
  readonly provider: string
  readonly summary: string
  readonly url: string
  readonly words: Words
  readonly scenarios: ReadonlyArray<Scenario>
  readonly counts: Counts
  /** How many requests (or frames) reached the fake, and what they were. */
  readonly requests: { readonly count: number; readonly unit: string }
  /** How many requests were sent a second time after a rejection; `undefined` where nothing is replayed. */
  readonly replays: number | undefined
  readonly ok: boolean
}

const seconds = (e: { readonly at: number; readonly expiresAt: number | undefined }) =>
  e.expiresAt === undefined ? "" : ` (valid ${((e.expiresAt - e.at) / 1000).toFixed(1)} s)`

/** The error's tag and reason from an event's `"Tag: provider … (Reason) …"` text: short, and never a secret. */
const shortError = (error: string): string => {
  const tag = /^[A-Za-z]+/.exec(error)?.[0] ?? "error"
  const reason = /\(([A-Z][A-Za-z]+)\)/.exec(error)?.[1]
  return reason === undefined ? tag : `${tag} (${reason})`
}

/**
 * Records a provider's demo: the engine's events land under the scenario that
 * is running, and each scenario ends with its check.
 */
export interface Story {
  readonly scenario: <E extends { readonly _tag: string; readonly message: string }>(
    title: string,
    body: Effect.Effect<Check, E>
  ) => Effect.Effect<boolean>
  readonly scenarios: ReadonlyArray<Scenario>
  readonly counts: Counts
}

export const make = (
  auth: Authenticated.Authenticated<any>,
  words: Words
): Effect.Effect<Story, never, Scope.Scope> =>
  Effect.gen(function*() {
    const counts: Counts = { acquired: 0, refreshed: 0, rejected: 0, replays: 0 }
    let awaitingReplay = false
    const scenarios: Array<Scenario> = []
    let current: Array<Line> = []
    const describe = AuthEvent.match({
      Acquired: (e) => `session #${e.generation}: ${words.acquired}${seconds(e)}`,
      Refreshed: (e) => `session #${e.generation}: ${words.refreshed}${seconds(e)}`,
      Rejected: (e) => `session #${e.generation} rejected by ${e.provider}`,
      Invalidated: (e) => `session #${e.generation} dropped`,
      Failed: (e) =>
        `${e.operation === "acquire" ? words.acquired : words.refreshed}: attempt ${e.attempt} ${
          e.error.startsWith("Credentials") ? "refused" : "failed"
        }, ${shortError(e.error)}`,
      Floor: (e) => `no login for ${Math.round((e.until - e.at) / 1000)} s (${e.reason})`
    })
    yield* auth.events.pipe(
      Stream.runForEach((event) =>
        Effect.sync(() => {
          if (event._tag === "Acquired") counts.acquired += 1
          if (event._tag === "Refreshed") counts.refreshed += 1
          if (event._tag === "Rejected") {
            counts.rejected += 1
            awaitingReplay = true
          }
          if ((event._tag === "Acquired" || event._tag === "Refreshed") && awaitingReplay) {
            awaitingReplay = false
            counts.replays += 1
          }
          current.push({ kind: "event", text: describe(event) })
        })
      ),
      Effect.forkScoped
    )
    // Let the subscriber attach before anything happens.
    yield* Effect.yieldNow()
    const scenario = <E extends { readonly _tag: string; readonly message: string }>(
      title: string,
      body: Effect.Effect<Check, E>
    ) =>
      Effect.gen(function*() {
        current = []
        const check = yield* body.pipe(
          Effect.timeoutFail({
            duration: "8 seconds",
            onTimeout: () => ({ _tag: "Timeout", message: "no outcome within 8 s" })
          }),
          Effect.catchAll((error) =>
            Effect.succeed<Check>({ ok: false, text: `unexpected ${error._tag}: ${error.message}` })
          )
        )
        // The engine publishes its events asynchronously: let the last ones arrive under this scenario.
        yield* Effect.sleep("20 millis")
        scenarios.push({ title, ok: check.ok, lines: [...current, { kind: "result", text: check.text }] })
        return check.ok
      })
    return { scenario, scenarios, counts }
  })

/** A chapter for a provider whose demo could not even start. */
export const broken = (
  provider: string,
  summary: string,
  words: Words,
  error: { readonly _tag: string; readonly message: string }
): Chapter => ({
  provider,
  summary,
  url: "",
  words,
  scenarios: [{
    title: "start the fake and the pipeline",
    ok: false,
    lines: [{ kind: "result", text: `unexpected ${error._tag}: ${error.message}` }]
  }],
  counts: { acquired: 0, refreshed: 0, rejected: 0, replays: 0 },
  requests: { count: 0, unit: "requests" },
  replays: undefined,
  ok: false
})

/**
 * A provider's demo, scoped (its fake and layers closed at the end); a failure
 * before the scenarios could run becomes a chapter that says so.
 */
export const told = <R>(
  about: { readonly provider: string; readonly summary: string; readonly words: Words },
  demo: Effect.Effect<Chapter, { readonly _tag: string; readonly message: string }, R>
): Effect.Effect<Chapter, never, Exclude<R, Scope.Scope>> =>
  Effect.scoped(
    Effect.catchAll(demo, (error) => Effect.succeed(broken(about.provider, about.summary, about.words, error)))
  )

/** The chapter once every scenario ran. */
export const chapter = (
  story: Story,
  fields: Omit<Chapter, "scenarios" | "counts" | "ok" | "replays"> & { readonly replays: boolean }
): Chapter => ({
  ...fields,
  replays: fields.replays ? story.counts.replays : undefined,
  scenarios: story.scenarios,
  counts: story.counts,
  ok: story.scenarios.length > 0 && story.scenarios.every((s) => s.ok)
})

/** An error as `Tag (Reason)`: what a scenario expecting it shows. */
export const typed = (error: { readonly _tag: string; readonly reason?: unknown }): string =>
  typeof error.reason === "string" ? `${error._tag} (${error.reason})` : error._tag

/** The configuration a fake's `env()` describes, as if those variables were set. */
export const configFrom = (env: Readonly<Record<string, string>>): ConfigProvider.ConfigProvider =>
  ConfigProvider.fromMap(new Map(Object.entries(env)))

/** `n` and the noun that agrees with it. */
export const count = (n: number, [one, many]: readonly [string, string]): string => `${n} ${n === 1 ? one : many}`
