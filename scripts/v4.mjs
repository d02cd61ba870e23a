// The Effect v4 line (the `v4/` workspace, see docs/LINES.md), run from the repository's root under a Node that
// effect 4 supports (scripts/node22.mjs fetches one from the npm registry when this machine's is older):
//
//   node scripts/v4.mjs [install|check|test|all] [vitest arguments…]     (default: all = install, check, test)
//   node scripts/v4.mjs changeset [version|status|…]          (the v4 line's changesets, v4/.changeset)
//   node scripts/v4.mjs release                                (install, build, `changeset publish`: v4/.changeset/README.md)
//   node scripts/v4.mjs bench [all|engine-build|keyed-hit]     (the v4 line's figures as one line of JSON on stdout;
//                                                              the v3 line's `pnpm bench` runs it, see packages/bench)
//
// `test` writes vitest's JSON report to $AUTHFX_V4_REPORT when it is set (.ci/run adds its counts to the v3 line's).
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { delimiter, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { node22 } from "./node22.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const v4 = join(root, "v4")
const [step = "all", ...rest] = process.argv.slice(2)

const node = node22()
const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}` }

const run = (command, args, cwd = v4) => {
  process.stderr.write(`v4> ${[command === node ? "node" : command, ...args].join(" ")}\n`)
  // stdout stays this process's only for the bench's JSON line: the other steps' output goes to stderr then.
  const stdio = step === "bench" && cwd === v4 ? ["inherit", 2, "inherit"] : "inherit"
  const result = spawnSync(command, args, { cwd, env, stdio })
  if (result.error !== undefined) throw result.error
  if (result.status !== 0) process.exit(result.status ?? 1)
}

// pnpm itself, run by the same Node: the one running this script when pnpm started it, else the pinned one.
const execpath = process.env.npm_execpath
const pnpm = (args) =>
  execpath !== undefined && /pnpm/.test(execpath) && /\.c?js$/.test(execpath)
    ? run(node, [execpath, ...args])
    : run("npx", ["-y", "pnpm@10.34.9", ...args])

const steps = {
  install: () => pnpm(["install", "--frozen-lockfile", "--reporter=append-only"]),
  check: () => run(node, ["node_modules/typescript/bin/tsc", "-b", "tsconfig.json"]),
  // The packages compiled (`dist/`, as npm users run them; the effect-free @authfx/protocol too, from the v3
  // workspace's sources), then the bench under Node 22 with `--expose-gc`.
  bench: () => {
    steps.install()
    run(node, ["node_modules/typescript/bin/tsc", "-p", "../packages/protocol/tsconfig.build.json"])
    const filters = ["@authfx/bench..."]
    if (existsSync(join(v4, "packages", "nandbox", "package.json"))) filters.push("@authfx/nandbox...")
    pnpm([...filters.flatMap((f) => ["--filter", f]), "run", "build"])
    run(node, ["--expose-gc", "--import", "./compiled.mjs", "dist/main.js", ...rest], join(v4, "packages", "bench"))
  },
  changeset: () => pnpm(["exec", "changeset", ...rest]),
  release: () => {
    steps.install()
    pnpm(["run", "release"])
  },
  test: () => {
    const report = process.env.AUTHFX_V4_REPORT
    run(node, [
      "node_modules/vitest/vitest.mjs",
      "run",
      "--maxWorkers=2",
      ...(report !== undefined && report !== ""
        ? ["--reporter=default", "--reporter=json", `--outputFile.json=${report}`]
        : []),
      ...rest
    ])
  }
}

if (step === "all") {
  steps.install()
  steps.check()
  steps.test()
} else if (step in steps) {
  steps[step]()
} else {
  process.stderr.write(`unknown step ${step}: install, check, test, all, changeset, release or bench\n`)
  process.exit(2)
}
