/**
 * The testkit fakes in a Node process of their own (the app's `fakes.ts`,
 * compiled), for programs that run under another runtime or in a browser.
 */
import { spawn } from "node:child_process"
import type { App } from "./Consumer.js"

export interface Running {
  /** Where the process serves the browser page (the static folder given), an origin the HTTP fakes allow (CORS). */
  readonly page: string
  readonly control: string
  /** Every fake's environment, merged: what a program reads its configuration from. */
  readonly env: Readonly<Record<string, string>>
  /** The stand-in wallet's key (the page's wallet keeps it), and the v4r2 address the Nabi fake registers it for. */
  readonly wallet: {
    readonly address: string
    readonly jwk: { readonly kty: "OKP"; readonly crv: "Ed25519"; readonly x: string; readonly d: string }
  }
  readonly expireNabiAccessTokens: () => Promise<void>
  readonly counters: () => Promise<{
    readonly nabi: Readonly<Record<string, number>>
    readonly nandbox: Readonly<Record<string, number>>
    readonly nandboxReceived: ReadonlyArray<Readonly<Record<string, unknown>>>
  }>
  readonly stop: () => void
}

/** Starts `out/fakes.js` and waits (at most 30 s) for the line that says where everything is. */
export const start = (app: App, staticDir: string): Promise<Running> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["out/fakes.js", staticDir], {
      cwd: app.dir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill()
      reject(new Error(`the fakes process ${why}\n${stdout}\n${stderr}`))
    }
    const timer = setTimeout(() => fail("did not start within 30 s"), 30_000)
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")))
    child.on("exit", (code) => fail(`exited (${code})`))
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      const newline = stdout.indexOf("\n")
      if (newline === -1) return
      clearTimeout(timer)
      child.removeAllListeners("exit")
      const info = JSON.parse(stdout.slice(0, newline)) as Pick<Running, "page" | "control" | "env" | "wallet">
      resolve({
        ...info,
        expireNabiAccessTokens: async () => {
          const response = await fetch(`${info.control}/nabi/expire-access-tokens`, { method: "POST" })
          if (response.status !== 204) throw new Error(`expire-access-tokens answered ${response.status}`)
        },
        counters: async () => (await fetch(`${info.control}/counters`)).json(),
        stop: () => void child.kill()
      })
    })
  })
