// A browser page using @authfx/nabi (a TON dApp) and @authfx/nandbox (a bot console), with the browser's
// own fetch (`FetchHttpClient`) and WebSocket (`Socket.layerWebSocketConstructorGlobal`). Bundled with
// esbuild and driven in headless Chromium by the consumer's browser test, against the testkit fakes.
import "./polyfill.js"
import { NabiAuth, NabiClient } from "@authfx/nabi"
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { connectAccount, layerWallet } from "./signer.js"
import * as Wallet from "./wallet.js"

/** What the page is given: the endpoints, the bot token typed into the console, the stand-in wallet's key store. */
interface PageConfig {
  readonly nabiUrl: string
  readonly nandboxUrl: string
  readonly nandboxToken: string
  readonly wallet: Wallet.Keystore
}

const Profiles = Schema.Struct({ myProfiles: Schema.Array(Schema.Struct({ id: Schema.String, name: Schema.String })) })
const Updated = Schema.Struct({ updateProfile: Schema.Struct({ id: Schema.String }) })

const show = (id: string, text: string) => {
  const element = document.getElementById(id)
  if (element !== null) element.textContent = text
}

const start = async (config: PageConfig) => {
  // The user connects a TON Connect wallet; the dApp's manifest is at its origin, whose host the proofs name.
  const wallet = await Wallet.open(config.wallet)
  const manifestUrl = `${location.origin}/tonconnect-manifest.json`
  const account = await connectAccount(wallet, manifestUrl)
  /** Nabi's client, signing in with the wallet's `ton_proof` for this page's host. */
  const nabiLayer = () =>
    NabiClient.layer({
      url: config.nabiUrl,
      retry: false,
      signatureMode: "ton_proof",
      proofDomain: location.hostname
    }).pipe(
      Layer.provide(layerWallet(wallet, manifestUrl, account)),
      Layer.provide(FetchHttpClient.layer)
    )
  const NabiLive = nabiLayer()
  const NandboxLive = NandboxConnection.layer({ url: config.nandboxUrl, token: Redacted.make(config.nandboxToken) })
    .pipe(Layer.provide(Socket.layerWebSocketConstructorGlobal))
  const runtime = ManagedRuntime.make(Layer.merge(NabiLive, NandboxLive))

  // What the session engine did, as the page shows it: no event carries a secret.
  runtime.runFork(
    Effect.flatMap(NabiAuth.NabiAuth, (auth) =>
      Stream.runForEach(auth.events, (event) =>
        Effect.sync(() => {
          const item = document.createElement("li")
          item.textContent = `${event._tag} (generation ${"generation" in event ? event.generation : "-"})`
          document.getElementById("events")?.append(item)
          if (event._tag === "Refreshed") {
            show("nabi-renewal", `renewed by refresh token (generation ${event.generation})`)
          }
        })))
  )

  /** Runs a button's action; the body says when it is done, for the test to wait on. */
  const action = <E>(
    name: string,
    effect: Effect.Effect<void, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>
  ) =>
    document.getElementById(name)?.addEventListener("click", () => {
      document.body.setAttribute(`data-${name}`, "running")
      runtime.runPromise(
        effect.pipe(
          Effect.tapError((error) => Effect.logError(`${name} failed`, error)),
          Effect.tapErrorCause((cause) => Effect.sync(() => show("error", `${name}: ${Cause.pretty(cause)}`)))
        )
      ).then(
        () => document.body.setAttribute(`data-${name}`, "done"),
        () => document.body.setAttribute(`data-${name}`, "failed")
      )
    })

  const loadProfiles = Effect.gen(function*() {
    const nabi = yield* NabiClient.NabiClient
    const { myProfiles } = yield* nabi.query("query { myProfiles { id name } }", undefined, Profiles)
    show("nabi-profiles", myProfiles.map((p) => `${p.id}: ${p.name}`).join(", "))
  })

  action(
    "connect",
    Effect.gen(function*() {
      const session = yield* Effect.flatMap(NabiAuth.NabiAuth, (auth) => auth.session)
      // Logged on purpose: the tokens are Redacted, so the console shows `<redacted>`.
      yield* Effect.log("nabi session", session)
      show("nabi-status", `authenticated: wallet ${session.address}`)
      yield* loadProfiles
      const bot = yield* Effect.flatMap(NandboxAuth.NandboxAuth, (auth) => auth.session)
      yield* Effect.log("nandbox session", bot)
      show("nandbox-status", `authenticated: bot ${bot.name}`)
      const nandbox = yield* NandboxConnection.NandboxConnection
      yield* nandbox.send({ method: "sendMessage", chat_id: "90091", text: "hello from a browser" })
      show("nandbox-sent", "sendMessage written on the authenticated socket")
    })
  )

  action("profiles", loadProfiles)

  action(
    "rename-other",
    Effect.gen(function*() {
      const nabi = yield* NabiClient.NabiClient
      const outcome = yield* nabi.query(
        "mutation Rename($id: ID!) { updateProfile(request: { id: $id, name: \"mine now\" }) { id } }",
        { id: "p-other" },
        Updated
      ).pipe(
        Effect.as("renamed: no error"),
        Effect.catchTag("ProfileMismatch", (error) =>
          Effect.as(
            Effect.logWarning("refused", error),
            `typed error: ProfileMismatch (${error.reason}): ${error.address} does not own ${error.profile}`
          ))
      )
      show("nabi-mismatch", outcome)
    })
  )

  // Another tab signs in while the user declines in the wallet: a typed refusal, and nothing sent to Nabi.
  action(
    "decline",
    Effect.gen(function*() {
      wallet.declineNext(true)
      const outcome = yield* Effect.flatMap(NabiAuth.NabiAuth, (auth) => auth.session).pipe(
        Effect.provide(nabiLayer()),
        Effect.as("signed in: no error"),
        Effect.catchTag(
          "CredentialsRejected",
          (error) => Effect.succeed(`typed error: CredentialsRejected (${error.reason}): ${error.description ?? ""}`)
        ),
        Effect.ensuring(Effect.sync(() => wallet.declineNext(false)))
      )
      show("nabi-declined", outcome)
    })
  )

  document.body.dataset["ready"] = "true"
}

const config = (globalThis as { readonly authfxPageConfig?: PageConfig }).authfxPageConfig
if (config === undefined) show("error", "no configuration")
else {
  start(config).catch((error: unknown) => {
    show("error", `start: ${String(error)}`)
    document.body.dataset["ready"] = "failed"
  })
}
