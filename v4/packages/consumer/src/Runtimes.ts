/**
 * The runtimes beside Node that the v4 consumer test runs the packed packages
 * under: Bun and Deno, whose binaries ship inside the npm packages `bun` and
 * `deno` (devDependencies of this package, the v3 consumer's versions). A
 * runtime that cannot be found or does not start is a failure, unless
 * `AUTHFX_SKIP_RUNTIMES` names it (`bun,deno`): then its tests are skipped and
 * the reason is printed.
 */
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { run } from "./Consumer.js"

export type Name = "bun" | "deno"

export type Runtime =
  | { readonly _tag: "Found"; readonly name: Name; readonly command: string; readonly version: string }
  | { readonly _tag: "Missing"; readonly name: Name; readonly why: string }

const require = createRequire(import.meta.url)

/** `relative` inside the first of `candidates` installed beside the package `from` (pnpm keeps them there). */
const beside = (from: string, candidates: ReadonlyArray<string>, relative: string): string | undefined => {
  const inside = createRequire(require.resolve(`${from}/package.json`))
  for (const candidate of candidates) {
    try {
      const file = join(dirname(inside.resolve(`${candidate}/package.json`)), relative)
      if (existsSync(file)) return file
    } catch {
      // not installed for this platform: the next one
    }
  }
  return undefined
}

/**
 * The binary itself, not the package's launcher: bun's launcher needs a postinstall script that pnpm does not run
 * (the v4 workspace allows none), and deno's re-spawns through Node on every call.
 */
const binary = (name: Name): string | undefined => {
  const arch = process.arch === "arm64" ? "aarch64" : process.arch
  return name === "bun"
    ? beside("bun", [
      `@oven/bun-${process.platform}-${arch}`,
      `@oven/bun-${process.platform}-${arch}-baseline`,
      `@oven/bun-${process.platform}-${arch}-musl`
    ], "bin/bun")
    : beside("deno", [`@deno/${process.platform}-${process.arch}-glibc`], "deno")
}

/** Finds `name` and checks that it starts (`--version`). */
export const find = async (name: Name): Promise<Runtime> => {
  const command = binary(name)
  if (command === undefined) {
    return {
      _tag: "Missing",
      name,
      why: `${name} is not installed: the npm package \`${name}\` (a devDependency of the v4 @authfx/consumer) ` +
        "brings it: `node scripts/v4.mjs install`"
    }
  }
  try {
    const version = (await run(command, ["--version"], { timeout: 30_000 })).trim().split("\n")[0]!
    return { _tag: "Found", name, command, version }
  } catch (error) {
    return { _tag: "Missing", name, why: `${command} does not start: ${String(error).slice(0, 400)}` }
  }
}

/** Whether `AUTHFX_SKIP_RUNTIMES` names `name`. */
export const skipped = (name: Name): boolean =>
  (process.env["AUTHFX_SKIP_RUNTIMES"] ?? "").split(",").map((s) => s.trim()).includes(name)
