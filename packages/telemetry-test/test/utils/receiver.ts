/**
 * A loopback OTLP/HTTP receiver: what an OpenTelemetry collector does on
 * `:4318`, reduced to decoding the JSON export requests that arrive at
 * `/v1/traces` and `/v1/metrics` and keeping them, raw and flattened.
 */
import * as Effect from "effect/Effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

/** An OTLP `AnyValue`, as the JSON encoding writes it. */
export interface AnyValue {
  readonly stringValue?: string
  readonly boolValue?: boolean
  readonly intValue?: string | number
  readonly doubleValue?: number
  readonly arrayValue?: { readonly values?: ReadonlyArray<AnyValue> }
  readonly kvlistValue?: { readonly values?: ReadonlyArray<KeyValue> }
}

export interface KeyValue {
  readonly key: string
  readonly value: AnyValue
}

export interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly attributes: Record<string, unknown>
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: Record<string, unknown> }>
  readonly links: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
  readonly status: { readonly code?: number; readonly message?: string }
  readonly resource: Record<string, unknown>
}

export interface DataPoint {
  readonly attributes: Record<string, unknown>
  readonly value: number | undefined
  readonly count: number | undefined
}

export interface Metric {
  readonly name: string
  readonly description: string
  readonly unit: string
  readonly kind: "sum" | "gauge" | "histogram" | "exponentialHistogram" | "summary"
  readonly monotonic: boolean | undefined
  readonly points: ReadonlyArray<DataPoint>
  readonly resource: Record<string, unknown>
}

export interface Receiver {
  readonly url: string
  /** Every request body as it arrived, by path: what the secret scan reads. */
  readonly bodies: Array<{ readonly path: string; readonly contentType: string; readonly body: string }>
  readonly spans: () => ReadonlyArray<Span>
  readonly metrics: () => ReadonlyArray<Metric>
}

const valueOf = (value: AnyValue | undefined): unknown => {
  if (value === undefined) return undefined
  if (value.stringValue !== undefined) return value.stringValue
  if (value.boolValue !== undefined) return value.boolValue
  if (value.intValue !== undefined) return Number(value.intValue)
  if (value.doubleValue !== undefined) return value.doubleValue
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(valueOf)
  if (value.kvlistValue !== undefined) return attributesOf(value.kvlistValue.values)
  return undefined
}

export const attributesOf = (list: ReadonlyArray<KeyValue> | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]))

const kinds = ["sum", "gauge", "histogram", "exponentialHistogram", "summary"] as const

/** Starts the receiver on 127.0.0.1 for the life of the scope. */
export const make = Effect.acquireRelease(
  Effect.async<{ readonly receiver: Receiver; readonly close: () => Promise<void> }>((resume) => {
    const bodies: Receiver["bodies"] = []
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const contentType = request.headers["content-type"] ?? ""
        const path = request.url ?? ""
        bodies.push({ path, contentType, body: Buffer.concat(chunks).toString("utf8") })
        // An empty ExportTraceServiceResponse / ExportMetricsServiceResponse: everything accepted.
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      const json = (path: string) =>
        bodies.filter((b) => b.path === path).map((b) => JSON.parse(b.body) as Record<string, any>)
      const receiver: Receiver = {
        url: `http://127.0.0.1:${port}`,
        bodies,
        spans: () =>
          json("/v1/traces").flatMap((request) =>
            (request.resourceSpans ?? []).flatMap((rs: any) =>
              (rs.scopeSpans ?? []).flatMap((ss: any) =>
                (ss.spans ?? []).map((span: any): Span => ({
                  traceId: span.traceId,
                  spanId: span.spanId,
                  ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
                  name: span.name,
                  kind: span.kind,
                  attributes: attributesOf(span.attributes),
                  events: (span.events ?? []).map((e: any) => ({
                    name: e.name,
                    attributes: attributesOf(e.attributes)
                  })),
                  links: (span.links ?? []).map((l: any) => ({ traceId: l.traceId, spanId: l.spanId })),
                  status: span.status ?? {},
                  resource: attributesOf(rs.resource?.attributes)
                }))
              )
            )
          ),
        metrics: () =>
          json("/v1/metrics").flatMap((request) =>
            (request.resourceMetrics ?? []).flatMap((rm: any) =>
              (rm.scopeMetrics ?? []).flatMap((sm: any) =>
                (sm.metrics ?? []).map((metric: any): Metric => {
                  const kind = kinds.find((k) => metric[k] !== undefined) ?? "gauge"
                  return {
                    name: metric.name,
                    description: metric.description ?? "",
                    unit: metric.unit ?? "",
                    kind,
                    monotonic: metric[kind]?.isMonotonic,
                    points: (metric[kind]?.dataPoints ?? []).map((p: any): DataPoint => ({
                      attributes: attributesOf(p.attributes),
                      value: p.asDouble ?? (p.asInt !== undefined ? Number(p.asInt) : p.sum),
                      count: p.count !== undefined ? Number(p.count) : undefined
                    })),
                    resource: attributesOf(rm.resource?.attributes)
                  }
                })
              )
            )
          )
      }
      resume(Effect.succeed({
        receiver,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      }))
    })
  }),
  ({ close }) => Effect.promise(close)
).pipe(Effect.map(({ receiver }) => receiver))
