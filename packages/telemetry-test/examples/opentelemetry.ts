import { GunbotClient } from "@authfx/gunbot"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

// Spans and metrics over OTLP/HTTP to a collector (or Jaeger, Tempo, Honeycomb…); a collector listens on
// http://localhost:4318 by default. Closing the layer flushes what is left.
export const Telemetry = (endpoint: string) =>
  NodeSdk.layer(() => ({
    resource: { serviceName: "my-app" },
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` })),
    metricReader: new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
      exportIntervalMillis: 10_000
    })
  }))

export const GunbotLive = GunbotClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))

// The application's span is the parent of the request's, and of the login the request waited on.
export const program = Effect.gen(function*() {
  const gunbot = yield* GunbotClient.GunbotClient
  return yield* gunbot.status
}).pipe(Effect.withSpan("app.status"))

// Effect.runPromise(program.pipe(Effect.provide(GunbotLive), Effect.provide(Telemetry("http://localhost:4318"))))
