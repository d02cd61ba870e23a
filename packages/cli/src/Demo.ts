/**
 * `authfx demo`: every provider's real pipeline against its testkit fake, over
 * loopback, all at once; each provider's story printed whole as soon as it
 * (and the ones before it) ended, then a table and a verdict.
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Schedule from "effect/Schedule"
import * as DemoGunbot from "./internal/demoGunbot.js"
import * as DemoNabi from "./internal/demoNabi.js"
import * as DemoNandbox from "./internal/demoNandbox.js"
import * as DemoTerabox from "./internal/demoTerabox.js"
import * as DemoWhatsGate from "./internal/demoWhatsGate.js"
import * as Story from "./internal/story.js"
import * as Style from "./internal/style.js"

/**
 * One provider's demo: its scenarios, each with the engine's events and what
 * was observed, and whether every scenario ended as it should.
 *
 * @since 0.1.0
 * @category models
 */
export type Chapter = Story.Chapter

/**
 * @since 0.1.0
 * @category models
 */
export type ProviderName = "nandbox" | "nabi" | "whatsgate" | "gunbot" | "terabox"

/**
 * The demos, in the order they are printed.
 *
 * @since 0.1.0
 * @category demo
 */
export const providers: ReadonlyArray<ProviderName> = ["nandbox", "nabi", "whatsgate", "gunbot", "terabox"]

const demos: Record<ProviderName, Effect.Effect<Chapter>> = {
  nandbox: DemoNandbox.demo,
  nabi: DemoNabi.demo.pipe(Effect.provide(NodeHttpClient.layerUndici)),
  whatsgate: DemoWhatsGate.demo.pipe(Effect.provide(NodeHttpClient.layerUndici)),
  gunbot: DemoGunbot.demo.pipe(Effect.provide(NodeHttpClient.layerUndici)),
  terabox: DemoTerabox.demo.pipe(Effect.provide(NodeHttpClient.layerUndici))
}

/**
 * Runs the named demos (all when none is named) concurrently, and calls
 * `onChapter` with each chapter in the order of `providers`, as soon as it and
 * the ones before it are done. `onProgress` is told which are still running.
 *
 * @since 0.1.0
 * @category demo
 */
export const runAll = (
  named: ReadonlyArray<ProviderName>,
  options: {
    readonly onChapter?: (chapter: Chapter) => Effect.Effect<void>
    readonly onProgress?: (running: ReadonlyArray<ProviderName>) => Effect.Effect<void>
  } = {}
): Effect.Effect<ReadonlyArray<Chapter>> =>
  Effect.gen(function*() {
    const list = named.length === 0 ? providers : providers.filter((p) => named.includes(p))
    const running = new Set(list)
    const fibers = yield* Effect.forEach(list, (provider) =>
      // The story is told from the engine's events; its log lines (rejections, failures and floors at Info and
      // Warning, for operators) would interleave with it, so only errors get through.
      Effect.fork(
        Effect.ensuring(
          Logger.withMinimumLogLevel(demos[provider], LogLevel.Error),
          Effect.sync(() => running.delete(provider))
        )
      ))
    const progress = options.onProgress
    const ticker = progress === undefined
      ? undefined
      : yield* Effect.fork(
        Effect.suspend(() => progress([...running])).pipe(Effect.repeat(Schedule.spaced("80 millis")))
      )
    const chapters: Array<Chapter> = []
    for (const fiber of fibers) {
      const chapter = yield* Fiber.join(fiber)
      chapters.push(chapter)
      if (options.onChapter !== undefined) yield* options.onChapter(chapter)
    }
    if (ticker !== undefined) yield* Fiber.interrupt(ticker)
    return chapters
  })

/**
 * Whether every chapter ended as expected.
 *
 * @since 0.1.0
 * @category demo
 */
export const allOk = (chapters: ReadonlyArray<Chapter>): boolean =>
  chapters.length > 0 && chapters.every((chapter) => chapter.ok)

/**
 * The widest line the demo prints, in columns.
 *
 * @since 0.1.0
 * @category formatting
 */
export const maxWidth = 120

/** `text` cut to `width` columns with an ellipsis. */
const fit = (text: string, width = maxWidth): string => {
  const chars = [...text]
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join("")}…`
}

/**
 * One chapter as text: the provider's heading, each scenario with its verdict
 * mark, the engine's events and the observed result indented under it, and
 * the chapter's verdict.
 *
 * @since 0.1.0
 * @category formatting
 */
export const render = (chapter: Chapter, style: Style.Style = Style.make(false)): string => {
  const lines: Array<string> = []
  const heading = fit(`${chapter.provider} · ${chapter.summary}`)
  lines.push(style.bold(heading.slice(0, chapter.provider.length)) + heading.slice(chapter.provider.length))
  if (chapter.url !== "") lines.push(style.dim(fit(`  fake at ${chapter.url}`)))
  for (const scenario of chapter.scenarios) {
    const mark = scenario.ok ? style.green("✓") : style.red("✗")
    lines.push(`  ${mark} ${fit(scenario.title, maxWidth - 4)}`)
    for (const line of scenario.lines) {
      lines.push(
        line.kind === "event"
          ? style.dim(fit(`      · ${line.text}`))
          : fit(`      → ${line.text}`)
      )
    }
  }
  const passed = chapter.scenarios.filter((s) => s.ok).length
  const verdict = `${chapter.provider}: ${passed} of ${chapter.scenarios.length} scenarios as expected`
  lines.push(chapter.ok ? style.green(`  ✓ ${verdict}`) : style.red(`  ✗ ${verdict}`))
  return lines.join("\n")
}

/**
 * The final table. Columns say what happened: the sessions the engine set up
 * and how (a password login, a page re-read, a re-authentication on a new
 * socket), the sessions the provider rejected, the requests sent once more
 * after a rejection ("–" where nothing is ever replayed), and what reached the
 * fake.
 *
 * @since 0.1.0
 * @category formatting
 */
export const table = (chapters: ReadonlyArray<Chapter>, style: Style.Style = Style.make(false)): string => {
  const header = ["provider", "sessions", "set up by", "rejected", "replayed", "sent", "verdict"]
  const cells = chapters.map((c) => {
    const how = [
      c.counts.acquired > 0 ? Story.count(c.counts.acquired, c.words.acquiredCount) : "",
      c.counts.refreshed > 0 ? Story.count(c.counts.refreshed, c.words.refreshedCount) : ""
    ].filter((s) => s !== "").join(" + ")
    const passed = c.scenarios.filter((s) => s.ok).length
    return [
      c.provider,
      String(c.counts.acquired + c.counts.refreshed),
      how === "" ? "none" : how,
      String(c.counts.rejected),
      c.replays === undefined ? "–" : String(c.replays),
      `${c.requests.count} ${c.requests.unit}`,
      `${c.ok ? "✓" : "✗"} ${passed}/${c.scenarios.length} scenarios`
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => [...c[i]!].length)))
  const line = (c: ReadonlyArray<string>) =>
    c.map((x, i) => x + " ".repeat(widths[i]! - [...x].length)).join("  ").trimEnd()
  const colour = (row: string, ok: boolean) => {
    const at = row.lastIndexOf(ok ? "✓" : "✗")
    return row.slice(0, at) + (ok ? style.green(row.slice(at)) : style.red(row.slice(at)))
  }
  return [
    style.bold(line(header)),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.map((c, i) => colour(line(c), chapters[i]!.ok))
  ].join("\n")
}

const spinnerFrames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/**
 * `authfx demo [provider…]`: runs the demos concurrently, prints each chapter
 * whole (never interleaved), with a progress line on a terminal, then the table
 * and the verdict. Colour only on a terminal without `NO_COLOR`.
 *
 * @since 0.1.0
 * @category demo
 */
export const run = (
  named: ReadonlyArray<ProviderName> = []
): Effect.Effect<{ readonly ok: boolean; readonly chapters: ReadonlyArray<Chapter> }> =>
  Effect.gen(function*() {
    const style = Style.stdout()
    const live = Style.isTerminal()
    const started = yield* Clock.currentTimeMillis
    const write = (text: string) => Effect.sync(() => void process.stdout.write(text))
    const clear = live ? write("\r\u001b[2K") : Effect.void
    let frame = 0
    const count = named.length === 0 ? providers.length : new Set(named).size
    yield* write(
      `${style.bold("authfx demo")} — ${count === 1 ? "a provider's" : `${count} providers'`} real pipelines ` +
        `against loopback fakes, ${count === 1 ? "" : "all at once, "}each story printed whole\n\n`
    )
    const chapters = yield* runAll(named, {
      onChapter: (chapter) => Effect.zipRight(clear, write(`${render(chapter, style)}\n\n`)),
      ...(live ?
        {
          onProgress: (running: ReadonlyArray<ProviderName>) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              running.length === 0 ? clear : Effect.zipRight(
                clear,
                write(
                  `${style.cyan(spinnerFrames[frame++ % spinnerFrames.length]!)} running ${running.join(", ")} ${
                    style.dim(`${((now - started) / 1000).toFixed(1)} s`)
                  }`
                )
              ))
        } :
        {})
    })
    yield* clear
    const elapsed = ((yield* Clock.currentTimeMillis) - started) / 1000
    const ok = allOk(chapters)
    const failed = chapters.filter((c) => !c.ok).length
    yield* write(`${table(chapters, style)}\n\n`)
    yield* write(
      ok
        ? style.green(`✓ every provider behaved as expected (${chapters.length} in ${elapsed.toFixed(1)} s)\n`)
        : style.red(
          `✗ ${failed} of ${chapters.length} providers did not behave as expected (${elapsed.toFixed(1)} s)\n`
        )
    )
    return { ok, chapters }
  })
