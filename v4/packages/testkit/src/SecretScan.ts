/**
 * Proves that secrets stay secret: a capturing logger (every level) and a
 * capturing tracer record everything a test produces, and `scan` reports any
 * sentinel secret found in that record or in any value given to it.
 *
 * The effect 4 line's port: the same API. effect 4 renders a value's
 * redactions (`Headers`' secret names) from the fiber it is rendered in, so
 * `assertClean` renders in the running fiber, as a logger would.
 *
 * @since 1.0.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"
import { inspect } from "node:util"

/**
 * @since 1.0.0
 * @category models
 */
export interface CapturedSpan {
  readonly name: string
  readonly attributes: Map<string, unknown>
  readonly events: Array<{ readonly name: string; readonly attributes: Record<string, unknown> | undefined }>
  exit: string | undefined
}

/**
 * @since 1.0.0
 * @category models
 */
export interface Capture {
  readonly logs: ReadonlyArray<string>
  readonly spans: ReadonlyArray<CapturedSpan>
  /**
   * Installs the capturing logger (at every level) and tracer, and turns on effect 4's recording of HTTP headers in
   * client spans (`HttpClient.TracerHeaderFilter`, off by default) so that a secret header would be seen.
   */
  readonly layer: Layer.Layer<never>
  /** Every log line and every span's name, attributes, events and exit, as text. */
  readonly text: () => string
}

/**
 * @since 1.0.0
 * @category constructors
 */
export const makeCapture = (): Capture => {
  const logs: Array<string> = []
  const spans: Array<CapturedSpan> = []
  let ids = 0
  const logger = Logger.make((options) => {
    // Both renderings: logfmt shows annotations as text, the structured form
    // shows the message and cause objects as a JSON logger would.
    logs.push(Logger.formatLogFmt.log(options))
    logs.push(inspect(Logger.formatStructured.log(options), { depth: 8 }))
  })
  const tracer = Tracer.make({
    span({ annotations, kind, links, name, parent, startTime }) {
      const attributes = new Map<string, unknown>()
      const captured: CapturedSpan = { name, attributes, events: [], exit: undefined }
      spans.push(captured)
      ids += 1
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${ids}`,
        traceId: "trace",
        parent,
        annotations,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end(endTime, exit) {
          ;(span as { status: Tracer.SpanStatus }).status = { _tag: "Ended", startTime, endTime, exit }
          // As an OpenTelemetry exporter does: the failure's rendering, not the value.
          captured.exit = exit._tag === "Success" ? "success" : Cause.pretty(exit.cause)
        },
        attribute(key, value) {
          attributes.set(key, value)
        },
        event(name, _startTime, attributes) {
          captured.events.push({ name, attributes })
        },
        addLinks() {}
      }
      return span
    }
  })
  const layer = Layer.mergeAll(
    Logger.layer([logger]),
    Layer.succeed(References.MinimumLogLevel, "All"),
    Layer.succeed(Tracer.Tracer, tracer),
    Layer.succeed(HttpClient.TracerHeaderFilter, () => true)
  )
  const text = () =>
    [
      ...logs,
      ...spans.map((s) =>
        inspect({ name: s.name, attributes: [...s.attributes], events: s.events, exit: s.exit }, { depth: 8 })
      )
    ].join("\n")
  return { logs, spans, layer, text }
}

/**
 * Every way a value can be turned into text by a user or a library:
 * `String`, `JSON.stringify`, `util.inspect` and, for errors, `message` and
 * `stack`.
 *
 * @since 1.0.0
 * @category scanning
 */
export const renderings = (value: unknown): ReadonlyArray<string> => {
  const out: Array<string> = []
  const attempt = (f: () => unknown) => {
    try {
      out.push(String(f()))
    } catch (e) {
      out.push(`<unrenderable: ${String(e)}>`)
    }
  }
  attempt(() => String(value))
  attempt(() => JSON.stringify(value))
  attempt(() => inspect(value, { depth: 10, showHidden: false }))
  if (value instanceof Error) {
    attempt(() => value.message)
    attempt(() => value.stack)
  }
  return out
}

/**
 * The sentinels found in the captured record and in the renderings of
 * `values`, with where each was found. Empty when nothing leaked.
 *
 * @since 1.0.0
 * @category scanning
 */
export const scan = (
  sentinels: ReadonlyArray<string>,
  sources: { readonly capture?: Capture | undefined; readonly values?: ReadonlyArray<unknown> | undefined }
): ReadonlyArray<string> => {
  const found: Array<string> = []
  const check = (where: string, text: string) => {
    for (const sentinel of sentinels) {
      if (sentinel.length > 0 && text.includes(sentinel)) {
        found.push(`${where} contains ${JSON.stringify(sentinel.slice(0, 6))}…`)
      }
    }
  }
  if (sources.capture !== undefined) {
    sources.capture.logs.forEach((line, i) => check(`log line ${i}`, line))
    sources.capture.spans.forEach((span) =>
      check(
        `span ${span.name}`,
        inspect([...span.attributes], { depth: 8 }) + (span.exit ?? "") + inspect(span.events, { depth: 8 })
      )
    )
  }
  sources.values?.forEach((value, i) => renderings(value).forEach((text) => check(`value ${i}`, text)))
  return found
}

/**
 * Fails (as a defect: a test failure) if any sentinel is found.
 *
 * @since 1.0.0
 * @category scanning
 */
export const assertClean = (
  sentinels: ReadonlyArray<string>,
  sources: { readonly capture?: Capture | undefined; readonly values?: ReadonlyArray<unknown> | undefined }
): Effect.Effect<void> =>
  Effect.suspend(() => {
    const found = scan(sentinels, sources)
    return found.length === 0 ? Effect.void : Effect.die(new Error(`secrets leaked:\n${found.join("\n")}`))
  })

/**
 * A recognisable secret that no real value contains, for a test to plant and
 * then look for.
 *
 * @since 1.0.0
 * @category constructors
 */
export const sentinel = (label: string): string => `SENTINEL-${label}-${Math.random().toString(36).slice(2, 10)}`
