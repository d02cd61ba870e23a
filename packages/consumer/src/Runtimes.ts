/**
 * The runtimes beside Node that the consumer test runs the packed packages
 * under: Bun and Deno (their binaries ship inside the npm packages `bun` and
 * `deno`, devDependencies of this package) and Debian's Chromium. A runtime
 * that cannot be found or does not start is a failure, unless
 * `AUTHFX_SKIP_RUNTIMES` names it (`bun,deno,chromium`): then its tests are
 * skipped, and the reason is printed.
 */
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { run } from "./Consumer.js"

export type Name = "bun" | "deno" | "chromium"

export type Runtime =
  | { readonly _tag: "Found"; readonly name: Name; readonly command: string; readonly version: string }
  | { readonly _tag: "Missing"; readonly name: Name; readonly why: string }

const require = createRequire(import.meta.url)

/** Resolves `pkg/relative` from inside the package `from` (pnpm keeps optional dependencies beside their parent). */
const resolveBeside = (from: string, candidates: ReadonlyArray<string>, relative: string): string | undefined => {
  const inside = createRequire(require.resolve(`${from}/package.json`))
  for (const candidate of candidates) {
    try {
      const file = join(dirname(inside.resolve(`${candidate}/package.json`)), relative)
      if (existsSync(file)) return file
    } catch {
      // not installed for this platform: try the next
    }
  }
  return undefined
}

/**
 * The binary itself, not the package's launcher: bun's launcher needs a
 * postinstall script that pnpm does not run, and deno's re-spawns through
 * Node on every call.
 */
const binary = (name: Name): string | undefined => {
  const arch = process.arch === "arm64" ? "aarch64" : process.arch
  switch (name) {
    case "bun":
      return resolveBeside("bun", [
        `@oven/bun-${process.platform}-${arch}`,
        `@oven/bun-${process.platform}-${arch}-baseline`,
        `@oven/bun-${process.platform}-${arch}-musl`
      ], "bin/bun")
    case "deno":
      return resolveBeside("deno", [`@deno/${process.platform}-${process.arch}-glibc`], "deno")
    case "chromium": {
      // AUTHFX_CHROMIUM, when set, is the only candidate: a wrong path is reported, not silently replaced.
      const chosen = process.env["AUTHFX_CHROMIUM"]
      return (chosen !== undefined && chosen !== "" ? [chosen] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"])
        .find((path) => existsSync(path))
    }
  }
}

const installHint: Record<Name, string> = {
  bun: "the npm package `bun` (a devDependency of @authfx/consumer) brings it: `pnpm install`",
  deno: "the npm package `deno` (a devDependency of @authfx/consumer) brings it: `pnpm install`",
  chromium: "`apt-get install -y --no-install-recommends chromium` (.ci/run does it), or set AUTHFX_CHROMIUM"
}

/** Finds `name` and checks that it starts (`--version`). */
export const find = async (name: Name): Promise<Runtime> => {
  const command = binary(name)
  if (command === undefined) return { _tag: "Missing", name, why: `${name} is not installed: ${installHint[name]}` }
  try {
    const version = (await run(command, ["--version"], {
      timeout: 30_000
    })).trim().split("\n")[0]!
    return { _tag: "Found", name, command, version }
  } catch (error) {
    return { _tag: "Missing", name, why: `${command} does not start: ${String(error).slice(0, 400)}` }
  }
}

/** Whether `AUTHFX_SKIP_RUNTIMES` names `name`. */
export const skipped = (name: Name): boolean =>
  (process.env["AUTHFX_SKIP_RUNTIMES"] ?? "").split(",").map((s) => s.trim()).includes(name)
