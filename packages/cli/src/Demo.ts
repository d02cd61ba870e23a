/**
 * `authfx demo`: every provider's real pipeline against its testkit fake, over
 * loopback, narrated, with a final table.
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as DemoGunbot from "./internal/demoGunbot.js"
import * as DemoNabi from "./internal/demoNabi.js"
import * as DemoNandbox from "./internal/demoNandbox.js"
import * as DemoTerabox from "./internal/demoTerabox.js"
import * as DemoWhatsGate from "./internal/demoWhatsGate.js"

/**
 * One line of the final table.
 *
 * @since 0.1.0
 * @category models
 */
export interface DemoRow {
  readonly provider: string
  readonly logins: number
  readonly refreshes: number
  readonly replays: number
  readonly requests: number
  readonly outcome: string
}

/**
 * Runs every provider's demo in turn and returns the table's rows. A provider
 * whose demo fails gets a row saying so; the others still run.
 *
 * @since 0.1.0
 * @category demo
 */
export const run: Effect.Effect<ReadonlyArray<DemoRow>> = Effect.gen(function*() {
  const rows: Array<DemoRow> = []
  for (const demo of [DemoNandbox.demo, DemoNabi.demo, DemoWhatsGate.demo, DemoGunbot.demo, DemoTerabox.demo]) {
    rows.push(yield* demo)
    yield* Console.log("")
  }
  return rows
}).pipe(Effect.provide(NodeHttpClient.layerUndici))

/**
 * Whether every row ended as expected.
 *
 * @since 0.1.0
 * @category demo
 */
export const allOk = (rows: ReadonlyArray<DemoRow>): boolean => rows.every((row) => row.outcome.startsWith("ok"))

/**
 * The final table, as text.
 *
 * @since 0.1.0
 * @category demo
 */
export const table = (rows: ReadonlyArray<DemoRow>): string => {
  const header = ["provider", "logins", "refreshes", "replays", "requests", "outcome"]
  const cells = rows.map((r) => [
    r.provider,
    String(r.logins),
    String(r.refreshes),
    String(r.replays),
    String(r.requests),
    r.outcome
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: ReadonlyArray<string>) => c.map((x, i) => x.padEnd(widths[i]!)).join("  ")
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n")
}
