import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Demo from "../src/Demo.js"
import * as Style from "../src/internal/style.js"
import { ansi, authfx } from "./run.js"

/** The table row of `provider`, split on runs of two or more spaces. */
const row = (stdout: string, provider: string): ReadonlyArray<string> =>
  stdout.split("\n").find((line) => line.startsWith(`${provider} `) && !line.includes(" · "))?.split(/ {2,}/) ?? []

describe("authfx demo", () => {
  it.live(
    "every provider, concurrently: stories grouped per provider, truthful counts, a verdict, ≤ 10 s",
    () =>
      Effect.gen(function*() {
        const result = yield* authfx(["demo"])
        const out = result.stdout
        assert.strictEqual(result.code, 0, out + result.stderr)
        assert.notMatch(out, ansi, "colour in a pipe")
        const lines = out.split("\n")
        for (const line of lines) assert.isAtMost([...line].length, Demo.maxWidth, line)
        // Each provider's story is one block: its heading, its scenarios, its verdict; in the fixed order.
        const headings = lines.map((l, i) => [l, i] as const).filter(([l]) => / · /.test(l) && !l.startsWith(" "))
        assert.deepStrictEqual(headings.map(([l]) => l.split(" ")[0]), [...Demo.providers])
        for (const [heading, start] of headings) {
          const provider = heading.split(" ")[0]!
          const end = lines.findIndex((l, i) => i > start && l.startsWith(`  ✓ ${provider}: `))
          assert.isAbove(end, start, `${provider} has no verdict`)
          for (const line of lines.slice(start + 1, end)) {
            assert.match(line, /^ {2}/, `${provider}'s block is interrupted by: ${line}`)
          }
          assert.match(lines[end]!, /: (\d+) of \1 scenarios as expected$/)
        }
        // Expected failures read as the expected outcome, never as alarms.
        assert.notMatch(out, /refresh failed|unexpected/i)
        assert.notInclude(out, "FAILED")
        assert.notInclude(out, "✗")
        // Counts named after what happened.
        assert.deepStrictEqual(row(out, "nandbox").slice(1, 5), [
          "3",
          "1 connect + 2 re-auths on a new socket",
          "2",
          "–"
        ])
        assert.deepStrictEqual(row(out, "whatsgate").slice(1, 5), ["2", "1 token read + 1 token re-read", "2", "1"])
        // A first login, one before `exp`, one after the revocation (another proactive one if the machine is slow).
        const gunbot = row(out, "gunbot")
        assert.match(gunbot[2]!, /^[34] password logins$/)
        assert.deepStrictEqual(gunbot.slice(3, 5), ["2", "1"])
        assert.deepStrictEqual(row(out, "terabox").slice(1, 5), ["3", "1 page read + 2 page re-reads", "2", "2"])
        const nabi = row(out, "nabi")
        assert.match(nabi[2]!, /^1 signed login \+ [2-9] refresh-token renewals$/)
        assert.strictEqual(nabi[4], "1")
        assert.notInclude(out, "refreshes")
        // The demo's own measure, from its first line to its verdict (process start-up excluded).
        const verdict = /✓ every provider behaved as expected \(5 in ([\d.]+) s\)\n$/.exec(out)
        assert.isNotNull(verdict, out)
        assert.isAtMost(Number(verdict![1]), 10)
      }),
    90_000
  )

  it.live("the Terabox jsToken rotation says what was recovered, counted by the fake", () =>
    Effect.gen(function*() {
      const result = yield* authfx(["demo", "terabox"])
      assert.strictEqual(result.code, 0, result.stdout + result.stderr)
      assert.match(
        result.stdout,
        /→ recovered: a new jsToken \(1 refusal, 1 homepage re-read\), the quota call replayed: \d+ bytes used\n/
      )
    }), 60_000)

  it.live("authfx demo gunbot runs that provider alone", () =>
    Effect.gen(function*() {
      const result = yield* authfx(["demo", "gunbot"])
      assert.strictEqual(result.code, 0, result.stdout + result.stderr)
      assert.include(result.stdout, "gunbot · ")
      for (const other of ["nandbox", "nabi", "whatsgate", "terabox"]) assert.notInclude(result.stdout, other)
      assert.include(result.stdout, "✓ every provider behaved as expected (1 in ")
    }), 60_000)

  it("a failed scenario is marked ✗ in red, long lines are cut at 120 columns", () => {
    const chapter: Demo.Chapter = {
      provider: "gunbot",
      summary: "x".repeat(200),
      url: "http://127.0.0.1:1",
      words: {
        acquired: "password login",
        refreshed: "renewed",
        acquiredCount: ["password login", "password logins"],
        refreshedCount: ["renewal", "renewals"]
      },
      scenarios: [
        { title: "works", ok: true, lines: [{ kind: "event", text: "y".repeat(300) }] },
        { title: "breaks", ok: false, lines: [{ kind: "result", text: "unexpected TransportError" }] }
      ],
      counts: { acquired: 1, refreshed: 0, rejected: 0, replays: 0 },
      requests: { count: 2, unit: "HTTP" },
      replays: 0,
      ok: false
    }
    const plain = Demo.render(chapter)
    for (const line of plain.split("\n")) assert.isAtMost([...line].length, 120)
    assert.include(plain, "  ✗ breaks")
    assert.include(plain, "  ✗ gunbot: 1 of 2 scenarios as expected")
    const coloured = Demo.render(chapter, Style.make(true))
    assert.include(coloured, "\u001b[31m✗\u001b[39m breaks")
    assert.include(coloured, "\u001b[32m✓\u001b[39m works")
    assert.strictEqual(Style.strip(coloured), plain)
    assert.match(Demo.table([chapter]), /\ngunbot +1 +1 password login +0 +0 +2 HTTP +✗ 1\/2 scenarios$/)
    assert.isFalse(Demo.allOk([chapter]))
  })
})
