// Publishes the packages of one workspace whose version npm does not have yet, each under its own dist-tag:
//
//   node scripts/publish.mjs <workspace> [--dry-run]      (`.` for the effect 3 line, `v4` for the effect 4 line)
//
// Both lines publish the same names (0.x: effect 3, 1.x: effect 4). npm's `latest` belongs to the effect 4 line; a
// package of the effect 3 line that has a v4 namesake says `"publishConfig": { "tag": "effect3" }`, and this script
// passes that tag to `pnpm publish`. (`changeset publish` passes `--tag latest` to every package, which would move
// `latest` back to 0.x at each v3 release: the lines' `release` scripts call this instead; `changeset version` still
// writes the versions and changelogs.) The packages built beforehand (`dist/`); a git tag `<name>@<version>` is added
// for each package published, as changesets does.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"

const args = process.argv.slice(2)
const dryRun = args.includes("--dry-run")
const workspace = resolve(args.find((a) => !a.startsWith("--")) ?? ".")
const root = join(workspace, "packages")

const manifests = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, "package.json")))
  .map((entry) => ({ dir: join(root, entry.name), ...JSON.parse(readFileSync(join(root, entry.name, "package.json"), "utf8")) }))
  .filter((manifest) => manifest.private !== true)

/** Whether npm has this version: a 404 is "no"; any other failure stops the release. */
const published = (name, version) => {
  const result = spawnSync("npm", ["view", `${name}@${version}`, "version", "--json"], { encoding: "utf8" })
  if (result.status === 0) return result.stdout.trim() !== ""
  if (/E404|404 Not Found/.test(result.stderr)) return false
  throw new Error(`npm view ${name}@${version} failed: ${result.stderr.trim().split("\n")[0]}`)
}

// pnpm itself: the one running this script when pnpm started it, else the pinned one through npx.
const execpath = process.env.npm_execpath
const pnpm = execpath !== undefined && /pnpm/.test(execpath) && /\.c?js$/.test(execpath)
  ? [process.execPath, [execpath]]
  : ["npx", ["-y", "pnpm@10.34.9"]]

let failed = 0
for (const manifest of manifests) {
  const tag = manifest.publishConfig?.tag ?? "latest"
  if (published(manifest.name, manifest.version)) {
    console.log(`${manifest.name}@${manifest.version} is on npm already`)
    continue
  }
  console.log(`${dryRun ? "would publish" : "publishing"} ${manifest.name}@${manifest.version} under "${tag}"`)
  const [command, prefix] = pnpm
  const result = spawnSync(
    command,
    [...prefix, "publish", "--tag", tag, "--access", "public", "--no-git-checks", ...(dryRun ? ["--dry-run"] : [])],
    { cwd: manifest.dir, stdio: "inherit" }
  )
  if (result.status !== 0) {
    failed += 1
    continue
  }
  if (!dryRun) execFileSync("git", ["tag", `${manifest.name}@${manifest.version}`], { cwd: workspace, stdio: "inherit" })
}
process.exit(failed === 0 ? 0 : 1)
