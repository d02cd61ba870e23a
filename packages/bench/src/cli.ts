/**
 * `authfx --version` from the packed CLI installed with npm into an app
 * outside the workspace (the consumer test's harness): what a user who runs
 * the command pays before it answers.
 */
import * as Browser from "@authfx/consumer/Browser"
import * as Consumer from "@authfx/consumer/Consumer"
import { execFileSync } from "node:child_process"
import { join } from "node:path"

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

let installed: Promise<Consumer.App> | undefined
/** The consumer app (build, pack, npm install), once per bench run. */
const consumerApp = () => installed ??= Consumer.install()

/** Browser bundle sizes of the packed packages, measured as the consumer test measures them. */
export const bundleSizes = async (): Promise<ReadonlyArray<Browser.Size>> => Browser.sizes((await consumerApp()).dir)

/** Milliseconds from spawning `authfx --version` to its exit, median of 10 after 2 warm-up runs. */
export const versionStartup = async (): Promise<{ readonly ms: number; readonly node: number }> => {
  const app = await consumerApp()
  const bin = join(app.dir, "node_modules", ".bin", "authfx")
  const time = (command: string, args: ReadonlyArray<string>) => {
    const start = performance.now()
    execFileSync(command, [...args], { cwd: app.dir, stdio: "ignore" })
    return performance.now() - start
  }
  const runs = (command: string, args: ReadonlyArray<string>) => {
    for (let i = 0; i < 2; i++) time(command, args)
    return median(Array.from({ length: 10 }, () => time(command, args)))
  }
  return { ms: runs(bin, ["--version"]), node: runs(process.execPath, ["-e", "0"]) }
}
