// `node out/fakes.js <provider>…`: the named providers' testkit fakes, under Node in a process of their own, for
// the programs that run under Bun and Deno. Prints one JSON line, every fake's variables merged, then serves until
// it is killed; each line `seen` on its standard input is answered with one line, `seen ` and the JSON of what the
// fakes have seen (each program's `seen`, by name).
import * as Effect from "effect/Effect"
import type { Program } from "./main.js"

const names = process.argv.slice(2).filter((name) => /^[a-z0-9-]+$/.test(name))

Effect.runFork(Effect.scoped(Effect.gen(function*() {
  const env: Record<string, string> = {}
  const programs: Array<[string, Program]> = []
  for (const name of names) {
    const program = (yield* Effect.promise(() => import(`./${name}.js`))) as Program
    Object.assign(env, yield* program.fake)
    programs.push([name, program])
  }
  let input = ""
  process.stdin.on("data", (chunk: Buffer) => {
    input += chunk.toString("utf8")
    for (let newline = input.indexOf("\n"); newline !== -1; newline = input.indexOf("\n")) {
      const asked = input.slice(0, newline).trim()
      input = input.slice(newline + 1)
      if (asked === "seen") {
        const seen = Object.fromEntries(programs.map(([name, program]) => [name, program.seen?.()]))
        console.log(`seen ${JSON.stringify(seen)}`)
      }
    }
  })
  console.log(JSON.stringify(env))
  return yield* Effect.never
})))
