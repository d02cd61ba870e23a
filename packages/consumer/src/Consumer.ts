/**
 * The consumer harness: builds and packs every publishable package, installs
 * the tarballs with npm into a fresh app outside the workspace, and runs
 * commands there. Used by the consumer test and by `pnpm bench`.
 */
import { execFile, type ExecFileOptions } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The publishable packages, in dependency order. */
export const packages = [
  "protocol",
  "ton",
  "fakes",
  "core",
  "whatsgate",
  "gunbot",
  "nabi",
  "nandbox",
  "terabox",
  "redis",
  "testkit",
  "cli"
] as const

/**
 * The packages whose README examples (`examples/*.ts`, embedded by `scripts/embed-examples.mjs`) the app
 * type-checks and runs. testkit's example is a vitest file and @authfx/core's OpenTelemetry wiring
 * (packages/telemetry-test) needs the OpenTelemetry SDK: each runs in its own package's tests instead.
 */
export const readmeExamples = ["core", "gunbot", "nabi", "nandbox", "terabox", "whatsgate"] as const

/** The peers a user installs beside a provider package; the same ranges as the READMEs' install lines. */
export const peers = ["effect@^3.22", "@effect/platform@^0.97", "@effect/platform-node@^0.108"] as const

/**
 * What the browser page adds, as a TON dApp does: `Buffer` for @ton/core (see `app/browser/polyfill.ts`); and
 * what its stand-in wallet derives its v4r2 contract with (`app/browser/wallet.ts`), the ranges @authfx/nabi
 * depends on, so that npm installs one copy.
 */
export const pageDependencies = ["buffer@6.0.3", "@ton/core@^0.63.1", "@ton/ton@^16.3.0"] as const

export const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)))
const pnpm = ["-y", "pnpm@10.34.9"]

/**
 * Runs a command and resolves with its standard output; rejects with its output when it fails. Asynchronous, so
 * that the test worker's event loop stays free while npm and tsc run.
 */
export const run = (command: string, args: ReadonlyArray<string>, options: ExecFileOptions = {}): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options },
      (error, stdout, stderr) => {
        if (error === null) resolve(String(stdout))
        else {reject(
            new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${String(stdout)}\n${String(stderr)}`)
          )}
      }
    )
  })

export interface App {
  readonly dir: string
  readonly tarballs: ReadonlyArray<string>
  /** Runs a command in the app's folder and returns its standard output. */
  readonly exec: (command: string, args: ReadonlyArray<string>, env?: Record<string, string>) => Promise<string>
}

/**
 * Builds every package, packs each, and installs the tarballs into a new app in the system's temp folder.
 * The app's programs (`app/`): one per provider under Node (`app/*.ts`), one per provider for any runtime
 * (`app/portable/*.ts`: fetch and the global WebSocket), the browser page (`app/browser/`) and the fakes
 * process the last two run against (`app/fakes.ts`).
 */
export const install = async (): Promise<App> => {
  await run("npx", [...pnpm, "-r", "--filter", "./packages/*", "build"], { cwd: root })
  const base = mkdtempSync(join(tmpdir(), "authfx-consumer-"))
  const packs = join(base, "packs")
  mkdirSync(packs)
  for (const name of packages) {
    await run("npx", [...pnpm, "pack", "--pack-destination", packs], { cwd: join(root, "packages", name) })
  }
  const tarballs = readdirSync(packs).filter((f) => f.endsWith(".tgz")).map((f) => join(packs, f))
  const dir = join(base, "app")
  mkdirSync(dir)
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer-app", private: true, type: "module" }))
  cpSync(fileURLToPath(new URL("../app", import.meta.url)), join(dir, "app"), { recursive: true })
  // The README examples, type-checked with the app's programs and run by app/readme.ts.
  for (const name of readmeExamples) {
    cpSync(join(root, "packages", name, "examples"), join(dir, "app", "readme", name), { recursive: true })
  }
  await run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    "--loglevel=error",
    ...tarballs,
    ...peers,
    ...pageDependencies,
    "typescript@~5.9.3",
    "@types/node@^20.19.0"
  ], { cwd: dir })
  return {
    dir,
    tarballs,
    exec: (command, args, env = {}) =>
      run(command, args, { cwd: dir, env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 120_000 })
  }
}

/** A strict tsconfig for the app: `NodeNext` emits to `out/`, `Bundler` only checks. */
export const tsconfig = (resolution: "NodeNext" | "Bundler") => ({
  compilerOptions: {
    strict: true,
    skipLibCheck: false,
    exactOptionalPropertyTypes: true,
    target: "ES2022",
    lib: ["ES2022", "DOM", "DOM.Iterable"],
    types: ["node"],
    module: resolution === "NodeNext" ? "NodeNext" : "ESNext",
    moduleResolution: resolution,
    rootDir: "app",
    outDir: "out",
    noEmit: resolution === "Bundler"
  },
  include: ["app"]
})
