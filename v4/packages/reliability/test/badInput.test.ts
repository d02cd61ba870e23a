import { GunbotClient } from "@authfx/gunbot"
import { NabiClient, TonSigner } from "@authfx/nabi"
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { TeraboxClient } from "@authfx/terabox"
import { FakeServer, NabiFake } from "@authfx/testkit"
import { WhatsGateClient } from "@authfx/whatsgate"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import { createServer } from "node:http"
import { WebSocket, WebSocketServer } from "ws"
import * as Report from "../src/Report.js"

const Http = FetchHttpClient.layer
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

// effect 4 has no `effect/FastCheck`: the same generators in `effect/Arbitrary` (Schema-derived values, `map`,
// `flatMap`, `all`, `array`, `sampleEffect` with a fixed seed). fast-check's few combinators used here are spelled
// out below with the same weights (`constantFrom` and `oneof` pick uniformly, a repeated entry counts twice).
const index = (n: number) => Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: n - 1 })))
const constantFrom = <const A extends ReadonlyArray<unknown>>(...values: A): Arbitrary.Arbitrary<A[number]> =>
  Arbitrary.map(index(values.length), (i) => values[i])
const oneof = <A>(...arbitraries: ReadonlyArray<Arbitrary.Arbitrary<A>>): Arbitrary.Arbitrary<A> =>
  Arbitrary.flatMap(index(arbitraries.length), (i) => arbitraries[i]!)
/** fast-check's `option`: `null` or a value. */
const option = <A>(arbitrary: Arbitrary.Arbitrary<A>): Arbitrary.Arbitrary<A | null> =>
  oneof<A | null>(Arbitrary.Constant(null), arbitrary)
const absent: unique symbol = Symbol("absent")
const maybe = (arbitrary: Arbitrary.Arbitrary<unknown>) => oneof<unknown>(Arbitrary.Constant(absent), arbitrary)
/** fast-check's `record` with `requiredKeys: []`: each key present (any value, `null` included) or absent. */
const partial = <A extends Record<string, unknown>>(
  fields: { readonly [K in keyof A]: Arbitrary.Arbitrary<A[K]> }
): Arbitrary.Arbitrary<Partial<A>> =>
  Arbitrary.map(
    Arbitrary.all(Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, maybe(value)]))),
    (record) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== absent)) as Partial<A>
  )
const jsonValue = Arbitrary.schema(Schema.Json)
const string = Arbitrary.schema(Schema.String)
const integer = Arbitrary.schema(Schema.Int)
const stringify = (v: unknown) => JSON.stringify(v)

const json = Arbitrary.map(jsonValue, stringify)
const answer: Arbitrary.Arbitrary<Answer> = Arbitrary.all({
  status: constantFrom(200, 200, 200, 201, 204, 301, 302, 400, 401, 403, 404, 422, 429, 500, 503),
  body: oneof(
    json,
    json,
    string,
    Arbitrary.Constant(""),
    Arbitrary.Constant("<!DOCTYPE html><html><body>maintenance</body></html>"),
    Arbitrary.map(
      Arbitrary.all({
        errno: Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: -50, maximum: 5_000_000 })))
      }),
      stringify
    ),
    Arbitrary.map(
      Arbitrary.all({ message: constantFrom("invalid Access-Token", "an Access-Token is required", "x") }),
      stringify
    ),
    Arbitrary.map(
      Arbitrary.all({ status: constantFrom("success", "error"), token: oneof<string | number>(string, integer) }),
      stringify
    ),
    Arbitrary.map(
      Arbitrary.all({
        data: jsonValue,
        errors: option(Arbitrary.array(Arbitrary.all({ message: string })))
      }),
      stringify
    )
  ),
  headers: Arbitrary.map(
    partial({
      "retry-after": constantFrom("0", "1", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"),
      "region-domain-prefix": constantFrom("", "dm", "www"),
      location: constantFrom("/login", "https://www.terabox.com/login?x=1", "/elsewhere")
    }),
    (h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== "")) as Record<string, string>
  )
})

/**
 * The `ws` package's client as effect 4's `WebSocketConstructor`: what v3 gets from `NodeSocket.layerWebSocketConstructor`
 * (this package does not depend on `@effect/platform-node`).
 */
const layerWs: Layer.Layer<Socket.WebSocketConstructor> = Layer.succeed(Socket.WebSocketConstructor)(
  (url) => new WebSocket(url) as unknown as Socket.WebSocketLike
)

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
    return yield* FakeServer.serve(
      yield* HttpRouter.toHttpEffect(HttpRouter.add("*", "*", handler).pipe(Layer.provideMerge(HttpRouter.layer)))
    )
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
  Exit.isSuccess(exit) ? "success" : Cause.findErrorOption(exit.cause).pipe((o) => {
    if (o._tag === "None") return "none"
    const e = o.value as { readonly _tag?: string; readonly reason?: unknown }
    return typeof e.reason === "string" ? `${e._tag}(${e.reason})` : String(e._tag)
  })

describe("bad input: random answers never cause a defect", () => {
  for (const [provider, call] of Object.entries(calls)) {
    it.live(`${provider}: ${RUNS} random servers`, () =>
      Effect.gen(function*() {
        const samples = yield* Arbitrary.sampleEffect(Arbitrary.array(answer, { minLength: 1, maxLength: 4 }), {
          count: RUNS,
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
            Exit.isFailure(exit) && Cause.hasDies(exit.cause),
            Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
          )
          const tag = Exit.isSuccess(exit)
            ? "success"
            : Cause.findErrorOption(exit.cause).pipe((o) =>
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
      const frame = oneof(
        json,
        string,
        Arbitrary.map(
          Arbitrary.all({
            method: constantFrom("TOKEN_AUTH_OK", "error", "message"),
            rest: partial({
              ID: oneof<string | number | null>(string, integer, Arbitrary.Constant(null)),
              name: oneof<string | number>(string, integer),
              code: oneof<string | number>(Arbitrary.Constant("100099"), integer, string)
            })
          }),
          ({ method, rest }) => JSON.stringify({ method, ...rest })
        )
      )
      const samples = yield* Arbitrary.sampleEffect(
        Arbitrary.all({ frames: Arbitrary.array(frame, { maxLength: 3 }), close: Arbitrary.schema(Schema.Boolean) }),
        { count: RUNS, seed: 7 }
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
            Effect.callback<number>((resume) =>
              void server.listen(0, "127.0.0.1", () =>
                resume(Effect.succeed((server.address() as { port: number }).port)))
            ),
            () =>
              Effect.callback<void>((resume) => {
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
              .pipe(Layer.provide(layerWs))
          )
          return yield* Context.get(ctx, NandboxAuth.NandboxAuth).session
        })).pipe(Effect.timeout("5 seconds"), Effect.exit)
        assert.isFalse(
          Exit.isFailure(exit) && Cause.hasDies(exit.cause),
          Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
        )
        const tag = Exit.isSuccess(exit)
          ? "success"
          : Cause.findErrorOption(exit.cause).pipe((o) =>
            o._tag === "Some" ? (o.value as { _tag: string })._tag : "none"
          )
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

// The title is the v3 file's (the report script pairs the sections by it and prints the v3 intro); the intro says
// where the generators come from on this line: `effect/Arbitrary` (effect 4 has no `effect/FastCheck`).
afterAll(() =>
  Report.flush(
    "Bad input",
    "Property tests (fast-check's generators through `effect/Arbitrary`, fixed seeds): each client against servers that answer with random statuses, headers and bodies (random JSON, text, HTML, near-valid shapes), over loopback. Every call must end within 5 s as a success or a typed error — never a defect, a hang or an untyped failure. The table counts the outcomes seen."
  )
)
