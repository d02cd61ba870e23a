/**
 * The v4 line's consumer harness, in plain Node (no Effect: it drives npm, pnpm
 * and tsc): builds and packs every publishable v4 package and
 * `@authfx/protocol`, installs the tarballs with npm and effect 4 into a fresh
 * app outside both workspaces, and runs commands there.
 *
 * A provider joins the test with its program file, `app/<provider>.ts` (see
 * `app/whatsgate.ts`), and its line in the test's `programs` list; the
 * packages themselves are found in `v4/packages/*\/package.json`.
 */
import { execFile, type ExecFileOptions } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository's root. */
export const root = resolve(fileURLToPath(new URL("../../../..", import.meta.url)))
/** The v4 workspace. */
export const v4 = join(root, "v4")

/** The versions the app installs beside the tarballs, named exactly (npm's `latest` moves). */
export const effect = "effect@4.1.5"
export const platformNode = "@effect/platform-node@4.1.5"
const tools = ["typescript@~5.9.3", "@types/node@^22.20.6"] as const
const pnpm = ["-y", "pnpm@10.34.9"] as const

export interface Package {
  /** The package's folder under `v4/packages` (`protocol`: `packages/protocol`, the code both lines share). */
  readonly dir: string
  readonly name: string
  readonly version: string
  /** Whether the package has README examples (`examples/*.ts`, embedded by `scripts/embed-examples.mjs`). */
  readonly examples: boolean
}

const read = (dir: string): Package | undefined => {
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    readonly name: string
    readonly version: string
    readonly private?: boolean
  }
  if (manifest.private === true) return undefined
  return { dir, name: manifest.name, version: manifest.version, examples: existsSync(join(dir, "examples")) }
}

/**
 * Every publishable package of the v4 line: each `v4/packages/*` that is not private, and the effect-free packages
 * it shares with the v3 line (`@authfx/protocol`, `@authfx/ton`, `@authfx/fakes`: those `v4/pnpm-workspace.yaml` links to
 * `packages/*`), which v4 packages depend on by `^0.1.0` and which are published from the v3 workspace.
 */
export const packages = (): ReadonlyArray<Package> => {
  const found = readdirSync(join(v4, "packages"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(v4, "packages", entry.name, "package.json")))
    .map((entry) => read(join(v4, "packages", entry.name)))
    .filter((pkg): pkg is Package => pkg !== undefined)
  const shared = [...readFileSync(join(v4, "pnpm-workspace.yaml"), "utf8").matchAll(/link:\.\.\/packages\/([\w-]+)/g)]
    .map((link) => read(join(root, "packages", link[1]!)))
    .filter((pkg): pkg is Package => pkg !== undefined)
  return [...shared, ...found]
}

/** A package both lines share (built in `packages/`, effect-free), not one of the v4 line's own. */
export const isShared = (pkg: Package): boolean => !resolve(pkg.dir).startsWith(resolve(v4) + "/")

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
        else {
          reject(
            new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${String(stdout)}\n${String(stderr)}`)
          )
        }
      }
    )
  })

/** `tsc` of the v4 workspace, run by this Node (>= 22.19: the one the v4 tests run under). */
const tsc = (args: ReadonlyArray<string>, cwd: string) =>
  run(process.execPath, [join(v4, "node_modules", "typescript", "bin", "tsc"), ...args], { cwd })

/** Installs `specs` with npm in `dir`, from npm's cache when it has them. */
export const npmInstall = (dir: string, specs: ReadonlyArray<string>) =>
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...specs], {
    cwd: dir,
    timeout: 300_000
  })

/** The versions of `name` that `npm ls` finds in `dir`'s tree, each once. */
export const installedVersions = async (dir: string, name: string): Promise<ReadonlyArray<string>> => {
  const tree = JSON.parse(await run("npm", ["ls", name, "--all", "--json"], { cwd: dir })) as unknown
  const versions = new Set<string>()
  const walk = (node: unknown): void => {
    if (typeof node !== "object" || node === null) return
    const deps = (node as { dependencies?: Record<string, { version?: string }> }).dependencies ?? {}
    for (const [dep, child] of Object.entries(deps)) {
      if (dep === name && child.version !== undefined) versions.add(child.version)
      walk(child)
    }
  }
  walk(tree)
  return [...versions]
}

export interface Packed {
  readonly base: string
  readonly packages: ReadonlyArray<Package>
  /** The tarball of each package, by name. */
  readonly tarballs: ReadonlyMap<string, string>
}

/**
 * Builds every package (`tsc -p tsconfig.build.json`, in parallel) and packs each with `pnpm pack`, which turns
 * `workspace:^` into the version and `publishConfig` into the published `exports` (what npm would install).
 */
export const pack = async (): Promise<Packed> => {
  const all = packages()
  await Promise.all(all.map((pkg) => tsc(["-p", "tsconfig.build.json"], pkg.dir)))
  const base = mkdtempSync(join(tmpdir(), "authfx-v4-consumer-"))
  const packs = join(base, "packs")
  mkdirSync(packs)
  const tarballs = new Map<string, string>()
  await Promise.all(all.map(async (pkg) => {
    const out = await run("npx", [...pnpm, "pack", "--json", "--pack-destination", packs], { cwd: pkg.dir })
    // pnpm prints the JSON after any lifecycle output: the last top-level object.
    const filename = (JSON.parse(out.slice(out.indexOf("{"))) as { readonly filename: string }).filename
    tarballs.set(pkg.name, resolve(packs, filename))
  }))
  return { base, packages: all, tarballs }
}

export interface App {
  readonly dir: string
  /** Runs a command in the app's folder and returns its standard output. */
  readonly exec: (command: string, args: ReadonlyArray<string>, env?: Record<string, string>) => Promise<string>
}

const makeApp = (dir: string): App => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer-app", private: true, type: "module" }))
  return {
    dir,
    exec: (command, args, env = {}) =>
      run(command, args, { cwd: dir, env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 120_000 })
  }
}

/**
 * A new app beside the tarballs, with every tarball, `effect@4.1.5`, `@effect/platform-node@4.1.5` (the Node
 * programs' HTTP client) and the compiler installed at once. Its programs (`app/`) and each package's README
 * examples (`app/readme/<package>/`) are copied in.
 */
export const install = async (packed: Packed): Promise<App> => {
  const app = makeApp(join(packed.base, "app"))
  cpSync(fileURLToPath(new URL("../app", import.meta.url)), join(app.dir, "app"), { recursive: true })
  for (const pkg of packed.packages.filter((p) => p.examples)) {
    cpSync(join(pkg.dir, "examples"), join(app.dir, "app", "readme", pkg.name.replace("@authfx/", "")), {
      recursive: true
    })
  }
  await npmInstall(app.dir, [...packed.tarballs.values(), effect, platformNode, ...tools])
  return app
}

/**
 * An empty app where a user types issue 29's line, `npm install @authfx/<pkg> effect@4`: the package's tarball
 * and those of the @authfx packages it depends on (not published yet), and `effect@4` as the spec, resolved by npm.
 */
export const installLatest = async (
  packed: Packed,
  pkg: string,
  extra: ReadonlyArray<string> = []
): Promise<App> => {
  const app = makeApp(join(packed.base, `latest-${pkg.replace("@authfx/", "")}`))
  const needed = new Set<string>()
  const add = (name: string) => {
    if (needed.has(name)) return
    needed.add(name)
    const found = packed.packages.find((p) => p.name === name)
    const manifest = JSON.parse(readFileSync(join(found!.dir, "package.json"), "utf8")) as {
      readonly dependencies?: Record<string, string>
    }
    Object.keys(manifest.dependencies ?? {}).filter((dep) => dep.startsWith("@authfx/")).forEach(add)
  }
  add(pkg)
  extra.forEach(add)
  await npmInstall(app.dir, [...[...needed].map((name) => packed.tarballs.get(name)!), "effect@4"])
  return app
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
