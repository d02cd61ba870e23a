// The testkit fakes for the other runtimes, under Node in a process of their own. Prints one JSON line
// (the page origin, the control origin, the fakes' environment, the stand-in wallet's key store), then
// serves until killed:
//   GET  /                                  the browser page (static files of the folder given as argv[2])
//   POST /control/nabi/expire-access-tokens every Nabi access token issued so far expires now
//   GET  /control/counters                  the Nabi and nandbox fakes' counters and the frames nandbox received
// The HTTP fakes answer CORS for the page's origin only (FakeServer.Cors).
import { TonSigner } from "@authfx/nabi"
import { FakeServer, GunbotFake, NabiFake, NandboxFake, TeraboxFake, WhatsGateFake } from "@authfx/testkit"
import * as Effect from "effect/Effect"
import { generateKeyPairSync } from "node:crypto"
import { readFile } from "node:fs/promises"
import { createServer, type ServerResponse } from "node:http"
import { extname, join, normalize } from "node:path"

const root = process.argv[2] ?? process.cwd()
const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".map": "application/json" }

// The stand-in wallet's key pair: a TON wallet's key is Ed25519; the page imports this JWK into WebCrypto
// as a wallet would keep it in its key store. The fake registers the key for its v4r2 wallet address, which
// the page's wallet derives on its own (@ton/ton) and this process with @authfx/nabi: they must agree.
const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" })
const publicKey = new Uint8Array(Buffer.from(jwk.x!, "base64url"))
const wallet = {
  address: TonSigner.walletAddress(publicKey, "v4r2").address,
  publicKey,
  jwk: { kty: "OKP", crv: "Ed25519", x: jwk.x!, d: jwk.d! }
}

const send = (response: ServerResponse, status: number, body: string | Uint8Array, type = "application/json") =>
  void response.writeHead(status, { "content-type": type, "cache-control": "no-store" }).end(body)

const program = Effect.gen(function*() {
  // Filled once the fakes are up (they need the page's origin, known once this server listens).
  const controls: { current?: { readonly nabi: NabiFake.NabiFake; readonly nandbox: NandboxFake.NandboxFake } } = {}
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://page")
    if (url.pathname === "/control/nabi/expire-access-tokens" && request.method === "POST") {
      controls.current?.nabi.expireAccessTokens()
      return send(response, 204, "")
    }
    if (url.pathname === "/control/counters") {
      return send(
        response,
        200,
        JSON.stringify({
          nabi: controls.current?.nabi.counters,
          nandbox: controls.current?.nandbox.counters,
          nandboxReceived: controls.current?.nandbox.received()
        })
      )
    }
    const file = normalize(join(root, url.pathname === "/" ? "index.html" : url.pathname))
    if (!file.startsWith(normalize(root))) return send(response, 403, "")
    readFile(file).then(
      (bytes) => send(response, 200, bytes, types[extname(file)] ?? "application/octet-stream"),
      () => send(response, 404, "")
    )
  })
  const port = yield* Effect.acquireRelease(
    Effect.async<number>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
      })
    }),
    () => Effect.sync(() => server.close())
  )
  const page = `http://127.0.0.1:${port}`
  const fakes = yield* Effect.gen(function*() {
    // A browser wallet signs in with a TON Connect `ton_proof` naming the dApp's host, the page's here. The
    // portable programs (Bun, Deno) read NABI_SIGNATURE_MODE from `env()` and give one from their mnemonic,
    // for the endpoint's host name: the same 127.0.0.1.
    const nabi = yield* NabiFake.make({
      signatureMode: "ton_proof",
      proofDomains: [new URL(page).hostname],
      accounts: [
        { address: NabiFake.demoAccount.address, publicKey: Buffer.from(NabiFake.demoAccount.publicKeyHex, "hex") },
        { address: wallet.address, publicKey: wallet.publicKey }
      ],
      profiles: {
        "p-demo": NabiFake.demoAccount.address,
        "p-wallet": wallet.address,
        "p-other": `0:${"00".repeat(32)}`
      }
    })
    const nandbox = yield* NandboxFake.make({ botName: "authfx fake bot" })
    const whatsgate = yield* WhatsGateFake.make()
    const gunbot = yield* GunbotFake.make()
    const terabox = yield* TeraboxFake.make({ uname: "authfx_fake_user" })
    return { nabi, nandbox, whatsgate, gunbot, terabox }
  }).pipe(Effect.provideService(FakeServer.Cors, [page]))
  controls.current = fakes
  console.log(JSON.stringify({
    page,
    control: `${page}/control`,
    env: {
      ...fakes.nabi.env(),
      ...fakes.nandbox.env(),
      ...fakes.whatsgate.env(),
      ...fakes.gunbot.env(),
      ...fakes.terabox.env()
    },
    wallet: { address: wallet.address, jwk: wallet.jwk }
  }))
  return yield* Effect.never
})

Effect.runFork(Effect.scoped(program))
