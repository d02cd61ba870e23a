import { GunbotClient } from "@authfx/gunbot"
import { NabiClient, TonSigner } from "@authfx/nabi"
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { TeraboxClient } from "@authfx/terabox"
import { FakeServer, NabiFake } from "@authfx/testkit"
import { WhatsGateClient } from "@authfx/whatsgate"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { createServer } from "node:http"
import { WebSocketServer } from "ws"
import * as Report from "../src/Report.js"

const Http = NodeHttpClient.layerUndici
const RUNS = 40

/** The error tags a call may fail with: the error family and the providers' own. */
const typed = new Set([
  "CredentialsRejected",
  "CredentialsMissing",
  "ConfigurationError",
  "SessionExpired",
  "ProfileMismatch",
  "TransportError",
  "ProtocolError",
  "WhatsGateApiError",
  "GunbotApiError",
  "NabiGraphQLError",
  "TeraboxApiError"
])

interface Answer {
  readonly status: number
  readonly body: string
  readonly headers: Record<string, string>
}

const json = FastCheck.jsonValue().map((v) => JSON.stringify(v))
const answer: FastCheck.Arbitrary<Answer> = FastCheck.record({
  status: FastCheck.constantFrom(200, 200, 200, 201, 204, 301, 302, 400, 401, 403, 404, 422, 429, 500, 503),
  body: FastCheck.oneof(
    json,
    json,
    FastCheck.string(),
    FastCheck.constant(""),
    FastCheck.constant("<!DOCTYPE html><html><body>maintenance</body></html>"),
    FastCheck.record({ errno: FastCheck.integer({ min: -50, max: 5_000_000 }) }).map((v) => JSON.stringify(v)),
    FastCheck.record({ message: FastCheck.constantFrom("invalid Access-Token", "an Access-Token is required", "x") })
      .map((v) => JSON.stringify(v)),
    FastCheck.record({
      status: FastCheck.constantFrom("success", "error"),
      token: FastCheck.oneof(FastCheck.string(), FastCheck.integer())
    }).map((v) => JSON.stringify(v)),
    FastCheck.record({
      data: FastCheck.jsonValue(),
      errors: FastCheck.option(FastCheck.array(FastCheck.record({ message: FastCheck.string() })))
    }).map((v) => JSON.stringify(v))
  ),
  headers: FastCheck.record({
    "retry-after": FastCheck.constantFrom("0", "1", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"),
    "region-domain-prefix": FastCheck.constantFrom("", "dm", "www"),
    location: FastCheck.constantFrom("/login", "https://www.terabox.com/login?x=1", "/elsewhere")
  }, { requiredKeys: [] }).map((h) =>
    Object.fromEntries(Object.entries(h).filter(([, v]) => v !== "")) as Record<string, string>
  )
})

/** A server that answers every request with the next of `answers` (the last one repeats). */
const chaos = (answers: ReadonlyArray<Answer>) =>
  Effect.gen(function*() {
    let index = 0
    const handler = Effect.sync(() => {
      const a = answers[Math.min(index++, answers.length - 1)]!
      return a.status === 204
        ? HttpServerResponse.empty({ status: 204, headers: a.headers })
        : HttpServerResponse.text(a.body, { status: a.status, headers: a.headers, contentType: "application/json" })
    })
    return yield* FakeServer.serve(HttpRouter.empty.pipe(HttpRouter.all("*", handler)))
  })

/** Each provider's client, built against `url`, and one of its calls. */
const calls: Record<string, (url: string) => Effect.Effect<unknown, unknown, Scope.Scope | HttpClient.HttpClient>> = {
  whatsgate: (url) =>
    Effect.flatMap(
      Layer.build(WhatsGateClient.layer({ url: `${url}/api`, device: "1", token: Redacted.make("t"), retry: false })),
      (ctx) => Context.get(ctx, WhatsGateClient.WhatsGateClient).status()
    ),
  gunbot: (url) =>
    Effect.flatMap(
      Layer.build(GunbotClient.layer({ url, password: Redacted.make("ENC:x"), retry: false })),
      (ctx) => Context.get(ctx, GunbotClient.GunbotClient).status
    ),
  nabi: (url) =>
    Effect.flatMap(
      Layer.build(
        NabiClient.layer({ url: `${url}/graphql`, retry: false }).pipe(
          Layer.provide(
            TonSigner.layerFromMnemonic({
              mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic),
              address: NabiFake.demoAccount.address
            })
          )
        )
      ),
      (ctx) => Context.get(ctx, NabiClient.NabiClient).query("query { myProfiles { id } }", undefined, Schema.Unknown)
    ),
  terabox: (url) =>
    Effect.flatMap(
      Layer.build(TeraboxClient.layer({ url, ndus: Redacted.make("ndus-value"), retry: false })),
      (ctx) => Context.get(ctx, TeraboxClient.TeraboxClient).userInfo
    )
}

/** `success`, or the typed failure as `Tag(reason)`: the variety the random servers must reach. */
const reasonOf = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isSuccess(exit) ? "success" : Cause.failureOption(exit.cause).pipe((o) => {
    if (o._tag === "None") return "none"
    const e = o.value as { readonly _tag?: string; readonly reason?: unknown }
    return typeof e.reason === "string" ? `${e._tag}(${e.reason})` : String(e._tag)
  })

describe("bad input: random answers never cause a defect", () => {
  for (const [provider, call] of Object.entries(calls)) {
    it.live(`${provider}: ${RUNS} random servers`, () =>
      Effect.gen(function*() {
        const samples = FastCheck.sample(FastCheck.array(answer, { minLength: 1, maxLength: 4 }), {
          numRuns: RUNS,
          seed: 42
        })
        const seen = new Map<string, number>()
        const reasons = new Set<string>()
        for (const answers of samples) {
          const exit = yield* Effect.scoped(Effect.flatMap(chaos(answers), (server) => call(server.url))).pipe(
            Effect.timeout("5 seconds"),
            Effect.exit
          )
          assert.isFalse(
            Exit.isFailure(exit) && Cause.isDie(exit.cause),
            Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
          )
          const tag = Exit.isSuccess(exit)
            ? "success"
            : Cause.failureOption(exit.cause).pipe((o) =>
              o._tag === "Some" ? (o.value as { _tag: string })._tag : "none"
            )
          assert.isTrue(tag === "success" || typed.has(tag), `${tag} is typed (not a timeout or an unknown error)`)
          seen.set(tag, (seen.get(tag) ?? 0) + 1)
          reasons.add(reasonOf(exit))
        }
        assert.isAbove(reasons.size, 2, `a variety of outcomes: ${JSON.stringify([...reasons])}`)
        Report.record({
          section: "Bad input (random answers)",
          provider,
          case: `${RUNS} servers answering 1–4 random status/header/body combinations`,
          outcome: [...seen].map(([tag, n]) => `${tag} ×${n}`).join(", "),
          sends: undefined
        })
      }).pipe(Effect.provide(Http)), 120_000)
  }

  it.live(`nandbox: ${RUNS} servers answering TOKEN_AUTH with random frames`, () =>
    Effect.gen(function*() {
      const frame = FastCheck.oneof(
        FastCheck.jsonValue().map((v) => JSON.stringify(v)),
        FastCheck.string(),
        FastCheck.record({
          method: FastCheck.constantFrom("TOKEN_AUTH_OK", "error", "message"),
          ID: FastCheck.oneof(FastCheck.string(), FastCheck.integer(), FastCheck.constant(null)),
          name: FastCheck.oneof(FastCheck.string(), FastCheck.integer()),
          code: FastCheck.oneof(FastCheck.constant("100099"), FastCheck.integer(), FastCheck.string())
        }, { requiredKeys: ["method"] }).map((v) => JSON.stringify(v))
      )
      const samples = FastCheck.sample(
        FastCheck.record({ frames: FastCheck.array(frame, { maxLength: 3 }), close: FastCheck.boolean() }),
        { numRuns: RUNS, seed: 7 }
      )
      const seen = new Map<string, number>()
      for (const sample of samples) {
        const exit = yield* Effect.scoped(Effect.gen(function*() {
          const server = createServer()
          const wss = new WebSocketServer({ server })
          wss.on("connection", (socket) => {
            socket.on("message", () => {
              for (const f of sample.frames) socket.send(f)
              if (sample.close) socket.close(1000)
            })
          })
          const port = yield* Effect.acquireRelease(
            Effect.async<number>((resume) =>
              void server.listen(0, "127.0.0.1", () =>
                resume(Effect.succeed((server.address() as { port: number }).port)))
            ),
            () =>
              Effect.async<void>((resume) => {
                for (const c of wss.clients) {
                  c.terminate()
                }
                wss.close()
                server.close(() =>
                  resume(Effect.void)
                )
              })
          )
          const ctx = yield* Layer.build(
            NandboxConnection.layer({
              url: `ws://127.0.0.1:${port}/nandbox/api/`,
              token: Redacted.make("1:0:secret"),
              authTimeout: "200 millis"
            })
              .pipe(Layer.provide(NodeSocket.layerWebSocketConstructor))
          )
          return yield* Context.get(ctx, NandboxAuth.NandboxAuth).session
        })).pipe(Effect.timeout("5 seconds"), Effect.exit)
        assert.isFalse(
          Exit.isFailure(exit) && Cause.isDie(exit.cause),
          Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
        )
        const tag = Exit.isSuccess(exit)
          ? "success"
          : Cause.failureOption(exit.cause).pipe((o) => o._tag === "Some" ? (o.value as { _tag: string })._tag : "none")
        assert.isTrue(tag === "success" || typed.has(tag), `${tag} is typed`)
        seen.set(tag, (seen.get(tag) ?? 0) + 1)
      }
      Report.record({
        section: "Bad input (random answers)",
        provider: "nandbox",
        case: `${RUNS} servers answering TOKEN_AUTH with 0–3 random frames, then closing or not`,
        outcome: [...seen].map(([tag, n]) => `${tag} ×${n}`).join(", "),
        sends: undefined
      })
    }), 120_000)
})

afterAll(() =>
  Report.flush(
    "Bad input",
    "Property tests (fast-check through `effect/FastCheck`, fixed seeds): each client against servers that answer with random statuses, headers and bodies (random JSON, text, HTML, near-valid shapes), over loopback. Every call must end within 5 s as a success or a typed error — never a defect, a hang or an untyped failure. The table counts the outcomes seen."
  )
)
