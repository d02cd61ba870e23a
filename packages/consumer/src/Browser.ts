/**
 * Browser bundles of the packed packages (esbuild, `platform: "browser"`):
 * the page of the browser test, and each package alone for its size. A bundle
 * records every Node builtin it meets — a `node:*` import, or a bare builtin
 * name (`fs`, `crypto`) that no browser implementation answers — so that the
 * test fails on one, naming who imported it.
 */
import * as esbuild from "esbuild"
import { writeFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { isAbsolute } from "node:path"
import { gzipSync } from "node:zlib"

const builtins = new Set(builtinModules.filter((name) => !name.startsWith("_")))

export interface Bundle {
  /** Minified bytes. */
  readonly bytes: number
  /** Minified, then gzip (zlib's default level). */
  readonly gzip: number
  /** `node:fs (imported by …)`: a Node builtin that would land in the browser bundle. Must be empty. */
  readonly nodeImports: ReadonlyArray<string>
  /** Builtins a package's own `browser` field maps to nothing (tweetnacl's `crypto`): they do not land. */
  readonly mappedAway: ReadonlyArray<string>
  /** Bytes of the output per npm package (or app file). */
  readonly byPackage: Readonly<Record<string, number>>
}

/** Records Node builtins instead of failing on the first, and lets everything else resolve as esbuild would. */
const guard = (nodeImports: Array<string>, mappedAway: Array<string>): esbuild.Plugin => ({
  name: "authfx-node-builtins",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === "authfx-guard") return undefined
      const bare = args.path.replace(/^node:/, "").split("/")[0]!
      if (!args.path.startsWith("node:") && !builtins.has(bare)) return undefined
      const who = `${args.path} (imported by ${args.importer || "the entry"})`
      if (args.path.startsWith("node:")) {
        nodeImports.push(who)
        return { path: args.path, external: true }
      }
      // A bare builtin name: a browser implementation from npm (`buffer`) or a package's own `browser` mapping
      // may answer it; if neither does, it is Node-only.
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: "authfx-guard"
      })
      if (resolved.errors.length > 0 || resolved.external) {
        nodeImports.push(who)
        return { path: args.path, external: true }
      }
      if (resolved.namespace === "file" && isAbsolute(resolved.path)) return resolved
      // Mapped to nothing by the importing package's `browser` field: esbuild's own resolution stubs it out.
      mappedAway.push(who)
      return undefined
    })
  }
})

const packageOf = (input: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input)
  return match?.[1] ?? input
}

/**
 * Bundles `entry` (a file, or `contents` as a module) from `cwd` for browsers, minified; writes `outfile` if
 * given.
 */
export const bundle = async (options: {
  readonly cwd: string
  readonly entry?: string | undefined
  readonly contents?: string | undefined
  readonly outfile?: string | undefined
  readonly external?: ReadonlyArray<string> | undefined
}): Promise<Bundle> => {
  const nodeImports: Array<string> = []
  const mappedAway: Array<string> = []
  const result = await esbuild.build({
    absWorkingDir: options.cwd,
    ...(options.entry !== undefined
      ? { entryPoints: [options.entry] }
      : { stdin: { contents: options.contents ?? "", resolveDir: options.cwd, loader: "ts" } }),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    metafile: true,
    write: false,
    logLevel: "silent",
    external: [...(options.external ?? [])],
    plugins: [guard(nodeImports, mappedAway)],
    ...(options.outfile !== undefined ? { outfile: options.outfile } : { outdir: "bundle" })
  })
  const output = result.outputFiles.find((file) => file.path.endsWith(".js"))!
  if (options.outfile !== undefined) writeFileSync(options.outfile, output.contents)
  const byPackage: Record<string, number> = {}
  for (const out of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      const name = packageOf(input)
      byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput
    }
  }
  return {
    bytes: output.contents.byteLength,
    gzip: gzipSync(output.contents).byteLength,
    nodeImports,
    mappedAway: [...new Set(mappedAway)],
    byPackage
  }
}

const peers = ["effect", "@effect/platform"]
const everything = (name: string) => `export * from ${JSON.stringify(name)}`

/**
 * What is sized: each package's whole public API (`export *`) and, for scale, `@effect/platform` whole (which
 * embeds the Scalar and Swagger UIs of `HttpApi`, about 5 MB) and the part of it an authfx app provides.
 * "alone" leaves out what the app has anyway: `effect`, and `@effect/platform` for authfx's packages.
 */
export const sized: ReadonlyArray<{
  readonly name: string
  readonly contents: string
  readonly external: ReadonlyArray<string>
}> = [
  { name: "@effect/platform (everything)", contents: everything("@effect/platform"), external: ["effect"] },
  {
    name: "@effect/platform (HttpClient, FetchHttpClient, Socket)",
    contents: ["HttpClient", "FetchHttpClient", "Socket"].map((m) => `export * as ${m} from "@effect/platform/${m}"`)
      .join("\n"),
    external: ["effect"]
  },
  ...["core", "nabi", "nandbox", "whatsgate", "gunbot", "terabox"].map((p) => ({
    name: `@authfx/${p}`,
    contents: everything(`@authfx/${p}`),
    external: peers
  }))
]

export interface Size {
  readonly name: string
  /** Without what the app has anyway (see `sized`). */
  readonly alone: Bundle
  /** With `effect` and `@effect/platform` bundled too. */
  readonly whole: Bundle
}

/** Each of `sized`, bundled for browsers from the app's `node_modules`. */
export const sizes = async (cwd: string): Promise<ReadonlyArray<Size>> => {
  const out: Array<Size> = []
  for (const { contents, external, name } of sized) {
    out.push({ name, alone: await bundle({ cwd, contents, external }), whole: await bundle({ cwd, contents }) })
  }
  return out
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`

/** A Markdown table of `sizes`, for BENCHMARKS.md and the test's output. */
export const sizesTable = (rows: ReadonlyArray<Size>): Array<string> => [
  "| package | minified | minified + gzip | with effect (and @effect/platform), minified + gzip |",
  "| --- | --- | --- | --- |",
  ...rows.map((row) => `| ${row.name} | ${kib(row.alone.bytes)} | ${kib(row.alone.gzip)} | ${kib(row.whole.gzip)} |`)
]

/** How much of a package's bundle (alone) is third-party code, as `281.0 KiB (91%)`. */
export const thirdParty = (rows: ReadonlyArray<Size>, name: string): string => {
  const row = rows.find((r) => r.name === name)
  if (row === undefined) return "n/a"
  const total = Object.values(row.alone.byPackage).reduce((a, b) => a + b, 0)
  const others = Object.entries(row.alone.byPackage)
    .filter(([pkg]) => !pkg.startsWith("@authfx/") && pkg !== "<stdin>")
    .reduce((sum, [, bytes]) => sum + bytes, 0)
  return `${kib(others)} (${Math.round((others / Math.max(total, 1)) * 100)}%)`
}
