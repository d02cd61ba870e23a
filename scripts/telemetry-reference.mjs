// Writes TELEMETRY.md, the reference of every metric, span, AuthEvent and log line the library packages emit,
// from their sources: nothing in the page is typed by hand except the prose of `when` below, so a metric, span,
// event or log line added to the code appears in the page at the next run. `--check` writes nothing and exits 1
// when the page differs from what the code says (`pnpm test` runs it, and so does packages/telemetry-test).
//
// What is read, per library package (not private, not the CLI, not the testkit):
// - metrics: `export const x = Metric.counter|gauge|histogram|frequency|summary("name", …)`, their JSDoc and
//   description, and the tags the same module gives them (`Metric.tagged(…, "tag", …)`);
// - spans: `Effect.withSpan(name, { attributes, kind })`, `Effect.fn(name)`, `Stream.withSpan(name)`, with the
//   attribute keys of the literal or of the object the name refers to in that module, and those the module adds by
//   `annotateCurrentSpan` just before it;
// - AuthEvent: the cases of core's `Data.TaggedEnum`, their comments and fields;
// - logs: `Effect.log`, `logDebug`, `logInfo`, `logWarning`, `logError`, `logFatal`, `logTrace`, with the message
//   (template holes shown as `<name>`) and the keys of the `annotateLogs` that follows.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..")
const target = join(root, "TELEMETRY.md")

// The prose for "when": keyed by the span name as the page shows it. A span without an entry still appears,
// with the nearest comment of its source.
const when = {
  "<spanPrefix>.acquire": "A full login by the session engine (the provider's `acquire`); the parent of the provider's own spans. Started by the first caller that needs a session; every other caller waits on it.",
  "<spanPrefix>.refresh": "A renewal from the previous session (refresh token, re-read, re-scrape): before expiry, or after a rejection when the provider can renew.",
  "<provider>.request": "One call through `AuthHttpClient` whose URL carries a secret parameter (Terabox's `jsToken`), in place of `@effect/platform`'s `http.client` span, whose URL would show it: signing, the exchange, retries, the replay after a rejection.",
  "<provider>.replay": "The provider rejected the session a request was signed with: the session is invalidated, a new one obtained, and the request sent once more.",
  "<provider>.coordinate": "A renewal through a fleet `Coordination` (e.g. `@authfx/redis`): taking the lease, adopting another replica's session or renewing and committing it.",
  "NabiAuth.login": "Nabi's signed-nonce login: the nonce, the signature, the token exchange.",
  "NabiAuth.refreshToken": "Nabi's renewal with the refresh token (no signature).",
  "NabiClient.query": "One GraphQL operation.",
  "TeraboxAuth.scrape": "Terabox's homepage read for `jsToken` and `bdstoken`.",
  "TeraboxAuth.checkLogin": "Terabox's login check of the `ndus` cookie."
}

const whenOf = (name) => {
  if (when[name] !== undefined) return when[name]
  const call = /^(\w+Client)\.(\w+)$/.exec(name)
  return call === null ? "" : `Each \`${call[2]}\` call of \`${call[1]}\`; its HTTP exchanges are \`<provider>.request\` children.`
}

const libraryPackages = () =>
  readdirSync(join(root, "packages")).filter((dir) => {
    const manifest = join(root, "packages", dir, "package.json")
    if (!existsSync(manifest) || !existsSync(join(root, "packages", dir, "src"))) return false
    const pkg = JSON.parse(readFileSync(manifest, "utf8"))
    return pkg.private !== true && dir !== "cli" && dir !== "testkit"
  }).sort()

const sourcesOf = (dir) => {
  const out = []
  const walk = (path) => {
    for (const entry of readdirSync(path).sort()) {
      const full = join(path, entry)
      if (statSync(full).isDirectory()) walk(full)
      else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) out.push(full)
    }
  }
  walk(dir)
  return out
}

/** The index just past the parenthesis that closes the one at `open`, skipping strings, templates and comments. */
const closing = (text, open) => {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    const c = text[i]
    if (c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i)
      if (i < 0) return text.length
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i) + 1
    } else if (c === "\"" || c === "'") {
      i++
      while (i < text.length && text[i] !== c) i += text[i] === "\\" ? 2 : 1
    } else if (c === "`") {
      i++
      while (i < text.length && text[i] !== "`") {
        if (text[i] === "\\") i += 2
        else if (text[i] === "$" && text[i + 1] === "{") {
          let braces = 1
          i += 2
          while (i < text.length && braces > 0) {
            if (text[i] === "{") braces++
            else if (text[i] === "}") braces--
            i++
          }
        } else i++
      }
    } else if (c === "(" || c === "{" || c === "[") depth++
    else if (c === ")" || c === "}" || c === "]") {
      depth--
      if (depth === 0) return i + 1
    }
  }
  return text.length
}

/** `a ? b : c` at the top level of an expression (not `??`, not `?.`): its three parts, or undefined. */
const ternary = (expression) => {
  let depth = 0
  let question = -1
  let nested = 0
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i]
    if (c === "\"" || c === "'" || c === "`") i = closingQuote(expression, i)
    else if ("({[".includes(c)) depth++
    else if (")}]".includes(c)) depth--
    else if (depth === 0 && c === "?") {
      if (expression[i + 1] === "?") i++
      else if (expression[i + 1] === "." && !/\d/.test(expression[i + 2] ?? "")) continue
      else if (question < 0) question = i
      else nested++
    } else if (depth === 0 && c === ":" && question >= 0) {
      if (nested > 0) nested--
      else {
        return {
          condition: expression.slice(0, question),
          then: expression.slice(question + 1, i),
          otherwise: expression.slice(i + 1)
        }
      }
    }
  }
  return undefined
}

/** The results an expression can take: the branches of its (nested) ternaries, or the expression itself. */
const branches = (expression) => {
  const t = ternary(expression)
  return t === undefined ? [expression.trim()] : [...branches(t.then), ...branches(t.otherwise)]
}

/** A string literal's or a template's source (`"…"`, `` `…` ``) when that is the whole expression. */
const isLiteral = (expression) => {
  const e = expression.trim()
  return /^["'`]/.test(e) && closingQuote(e, 0) === e.length - 1
}

/** An escape sequence as the reader sees it: `\"` is `"`, a line break a space. */
const unescape = (text) => text.replace(/\\(.)/g, (_, c) => ("ntr".includes(c) ? " " : c))

/** A string literal or a template as the user reads it, its holes shown as `<name>`. */
const literalOf = (expression) => {
  const e = expression.trim()
  const body = e.slice(1, -1)
  if (e[0] !== "`") return unescape(body)
  let out = ""
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "\\") {
      out += unescape(body.slice(i, i + 2))
      i++
    } else if (body[i] === "$" && body[i + 1] === "{") {
      const end = closing(body.replace(/\$\{/g, " ("), i + 1)
      out += hole(body.slice(i + 2, end - 1))
      i = end - 1
    } else out += body[i]
  }
  return out
}

/** The identifier a hole is named after: the last one of the expression that is not a builtin nor in a string. */
const nameOf = (expression) => {
  const builtins = [
    "this", "options", "Math", "round", "abs", "floor", "ceil", "String", "Number", "isFinite", "JSON", "stringify",
    "new", "Date", "toISOString"
  ]
  const code = expression.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "\"\"")
  const names = (code.match(/[A-Za-z_$][\w$]*/g) ?? []).filter((n) => !builtins.includes(n) && !/^_?\d/.test(n))
  const last = names.at(-1) === "name" && names.length > 1 ? names.at(-2) : names.at(-1)
  return last ?? "value"
}

/**
 * `${a.b ?? c}` → `<b>`: the name the hole stands for. A choice between literals shows them all (`<a | b>`); a
 * choice with a value of its own in a branch is one placeholder, named after its condition.
 */
const hole = (expression) => {
  const text = expression.trim()
  if (/spanPrefix/.test(text)) return "<spanPrefix>"
  const results = branches(text)
  if (results.length > 1) {
    const texts = results.map((r) => (isLiteral(r) ? literalOf(r) : undefined))
    if (texts.every((t) => t !== undefined && !t.includes("<"))) return `<${unique(texts).join(" | ")}>`
    return `<${nameOf(ternary(text).condition)}>`
  }
  return `<${nameOf(text)}>`
}

/** The text with its comments blanked out (same length), so that examples in JSDoc are not read as code. */
const withoutComments = (text) => {
  let out = ""
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i)
      const stop = end < 0 ? text.length : end
      out += " ".repeat(stop - i)
      i = stop - 1
    } else if (c === "/" && text[i + 1] === "*") {
      const stop = text.indexOf("*/", i) + 2
      out += text.slice(i, stop).replace(/[^\n]/g, " ")
      i = stop - 1
    } else if (c === "\"" || c === "'" || c === "`") {
      const stop = closingQuote(text, i)
      out += text.slice(i, stop + 1)
      i = stop
    } else out += c
  }
  return out
}

/** `TeraboxClient.<opera>` → one name per value when the hole's type is a union of literals in the module. */
const expand = (name, text) => {
  const m = [...name.matchAll(/<(\w+)>/g)].find((h) => h[1] !== "provider" && h[1] !== "spanPrefix")
  if (m === undefined) return [name]
  const literals = (source) => [...source.matchAll(/"(\w+)"/g)].map((x) => x[1])
  const direct = new RegExp(`\\b${m[1]}\\??:\\s*((?:"\\w+"\\s*\\|?\\s*)+)`).exec(text)
  let values = direct === null ? [] : literals(direct[1])
  if (values.length === 0) {
    const named = new RegExp(`\\b${m[1]}\\??:\\s*([A-Z]\\w*)`).exec(text)
    const alias = named === null ? null : new RegExp(`type ${named[1]} =\\s*((?:"\\w+"\\s*\\|?\\s*)+)`).exec(text)
    if (alias !== null) values = literals(alias[1])
  }
  if (values.length === 0) return [name]
  return values.flatMap((v) => expand(name.replace(m[0], v), text))
}

/** The string literals of an argument, concatenated, with template holes as `<name>`. */
const literalText = (argument) => {
  const parts = []
  for (let i = 0; i < argument.length; i++) {
    const c = argument[i]
    if (c === "\"" || c === "'" || c === "`") {
      const end = closingQuote(argument, i)
      parts.push(literalOf(argument.slice(i, end + 1)))
      i = end
    }
  }
  if (parts.length === 0) return `<${argument.trim().replace(/\W+/g, "") || "message"}>`
  return parts.join("").replace(/\s+/g, " ")
}

/** The messages a log call can write: one per branch when it chooses between whole messages. */
const messagesOf = (argument) => {
  const results = branches(argument)
  return results.length > 1 && results.every(isLiteral) ? results.map(literalText) : [literalText(argument)]
}

const firstArgument = (call) => {
  const inner = call.slice(call.indexOf("(") + 1, -1)
  let depth = 0
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]
    if (c === "\"" || c === "'" || c === "`") {
      const end = closingQuote(inner, i)
      i = end
    } else if ("({[".includes(c)) depth++
    else if (")}]".includes(c)) depth--
    else if (c === "," && depth === 0) return [inner.slice(0, i), inner.slice(i + 1)]
  }
  return [inner, ""]
}

const closingQuote = (text, start) => {
  const q = text[start]
  let i = start + 1
  while (i < text.length && text[i] !== q) {
    if (text[i] === "\\") i += 2
    else if (q === "`" && text[i] === "$" && text[i + 1] === "{") i = closing(text.replace(/\$\{/g, " ("), i + 1)
    else i++
  }
  return i
}

const quotedKeys = (text) =>
  [...text.matchAll(/"([a-z][\w.]*)"\s*:/g)].map((m) => m[1]).concat(
    [...text.matchAll(/annotate(?:CurrentSpan|Logs)\(\s*"([a-z][\w.]*)"\s*,/g)].map((m) => m[1])
  )

/** The attribute keys an expression names: a literal's keys, or those of the object it refers to in `text`. */
const keysOf = (expression, text) => {
  const literal = quotedKeys(expression)
  if (literal.length > 0) return literal
  const name = expression.trim().match(/^(?:this\.)?([A-Za-z_$][\w$]*)/)?.[1]
  if (name === undefined) return []
  const definition = new RegExp(`(?:const ${name}\\s*=|\\b${name}\\(\\)\\s*:[^{]*\\{)`).exec(text)
  if (definition === null) return []
  const start = definition.index + definition[0].length
  return quotedKeys(text.slice(start, start + 400).split(/\n\s*\n|\n  \}/)[0])
}

const unique = (xs) => [...new Set(xs)]
const lineOf = (text, index) => text.slice(0, index).split("\n").length

/** The first sentence of the JSDoc just above `index`, or of the nearest `//` comment. */
const commentAbove = (text, index) => {
  const before = text.slice(0, index)
  const doc = /\/\*\*((?:[^*]|\*(?!\/))*)\*\/\s*(?:export\s+)?(?:const|function|class|readonly)?[^\n]*$/.exec(before)
  if (doc !== null) {
    return doc[1].split("\n").map((l) => l.replace(/^\s*\*\s?/, "")).join(" ").split(/@\w+/)[0].trim()
  }
  return ""
}

export const collect = () => {
  const metrics = []
  const spans = []
  const logs = []
  const values = { provider: new Set(), spanPrefix: new Set() }
  // The tags each metric is given anywhere in its package (`Metric.tagged(<metric>, "tag", …)`, nested or not): a
  // metric defined in one module may be tagged in another (Coordination's, under internal/coordination).
  const tagsOf = new Map()
  // The public module that re-exports a metric defined under internal/ (`export { adoptions } ` in Coordination.ts).
  const publicExport = new Map()
  for (const pkg of libraryPackages()) {
    const srcDir = join(root, "packages", pkg, "src")
    for (const file of sourcesOf(srcDir)) {
      const text = withoutComments(readFileSync(file, "utf8"))
      for (const m of text.matchAll(/Metric\.tagged\(/g)) {
        const open = m.index + m[0].length - 1
        const [arg, rest] = firstArgument(text.slice(m.index, closing(text, open)))
        const tag = /^\s*"(\w+)"/.exec(rest)?.[1]
        const ident = /^([A-Za-z_$][\w$.]*)/.exec(arg.replace(/^(\s*Metric\.tagged\(\s*)+/, "").trim())?.[1]
        if (tag === undefined || ident === undefined) continue
        const key = `${pkg}:${ident.split(".").at(-1)}`
        tagsOf.set(key, unique([...(tagsOf.get(key) ?? []), tag]))
      }
      if (dirname(file) === srcDir) {
        for (const m of text.matchAll(/export\s*\{([^}]*)\}/g)) {
          for (const name of m[1].split(",").map((n) => n.trim()).filter((n) => n !== "")) {
            publicExport.set(`${pkg}:${name}`, `${pkg}/${file.split("/").at(-1).replace(/\.ts$/, "")}.${name}`)
          }
        }
      }
    }
  }
  for (const pkg of libraryPackages()) {
    for (const file of sourcesOf(join(root, "packages", pkg, "src"))) {
      const source = readFileSync(file, "utf8")
      const text = withoutComments(source)
      const where = relative(root, file)
      // Names a call refers to may be defined in a module beside it (the engine's parts under internal/engine).
      const context = [text, ...[...text.matchAll(/from "\.\/([\w-]+)\.js"/g)].map((m) =>
        withoutComments(readFileSync(join(dirname(file), `${m[1]}.ts`), "utf8"))
      )].join("\n")
      for (const m of text.matchAll(/spanPrefix:\s*"([^"]+)"/g)) values.spanPrefix.add(m[1])
      for (const m of text.matchAll(/\bprovider\s*[:=]\s*"([a-z]+)"/g)) values.provider.add(m[1])

      // Metrics
      const tags = unique([...text.matchAll(/Metric\.tagged\(\s*[A-Za-z_$][\w$.]*\s*,\s*"(\w+)"/g)].map((m) => m[1]))
      for (const m of text.matchAll(/\b(?:export\s+)?const\s+(\w+)\s*=\s*Metric\.(counter|gauge|histogram|frequency|summary)\(/g)) {
        const open = m.index + m[0].length - 1
        const call = text.slice(open - `Metric.${m[2]}`.length, closing(text, open))
        const [nameArg, rest] = firstArgument(call)
        const name = literalText(nameArg)
        const described = /description:\s*"([^"]*)"/.exec(rest)?.[1] ?? /"([^"]*)"\s*\)\s*$/.exec(call)?.[1] ?? ""
        const boundaries = /MetricBoundaries\.(\w+)\(\{([^}]*)\}\)/.exec(rest)
        const unit = name.endsWith("_ms") ? "ms" : /seconds/.test(name) ? "s" : name.endsWith("_total") ? "1" : ""
        metrics.push({
          name,
          kind: m[2] === "counter" && /incremental:\s*true/.test(rest) ? "counter (monotonic)" : m[2],
          unit,
          tags: unique([...tags, ...(tagsOf.get(`${pkg}:${m[1]}`) ?? [])]),
          description: described || commentAbove(source, m.index),
          export: publicExport.get(`${pkg}:${m[1]}`) ?? `${pkg}/${where.split("/").at(-1).replace(/\.ts$/, "")}.${m[1]}`,
          boundaries: boundaries ? `${boundaries[1]} { ${boundaries[2].trim()} }` : undefined
        })
      }

      // Spans
      for (const m of text.matchAll(/\b(?:Effect|Stream|Layer)\.(withSpan|fn|withSpanScoped|makeSpan|useSpan)\(/g)) {
        const open = m.index + m[0].length - 1
        const call = text.slice(open - m[1].length, closing(text, open))
        const [nameArg, rest] = firstArgument(call)
        if (!/^\s*["`]/.test(nameArg)) continue
        const names = expand(literalText(nameArg), context)
        const attributes = /attributes:\s*/.exec(rest)
        const attributeKeys = attributes === null
          ? []
          : keysOf(rest.slice(attributes.index + attributes[0].length).split(/,\s*(?:kind|captureStackTrace)|\}\s*\)?\s*$/)[0], context)
        // `annotateCurrentSpan` in the pipeline just before the span (the same statement).
        const statementStart = Math.max(0, m.index - 600)
        const annotated = [...text.slice(statementStart, m.index).matchAll(/annotateCurrentSpan\(([\s\S]*?)\)\s*\n/g)]
          .flatMap((a) => quotedKeys(`${a[1]}`).concat([...a[1].matchAll(/^\s*"([a-z][\w.]*)"\s*,/g)].map((x) => x[1])))
        for (const name of names) spans.push({
          name,
          kind: /kind:\s*"(\w+)"/.exec(rest)?.[1] ?? "internal",
          attributes: unique(attributeKeys),
          annotated: unique(annotated).filter((k) => !attributeKeys.includes(k)),
          where: `${where}:${lineOf(text, m.index)}`.replace(/:\d+$/, "")
        })
      }

      // Logs
      for (const m of text.matchAll(/\bEffect\.log(Debug|Info|Warning|Error|Fatal|Trace)?\(/g)) {
        const open = m.index + m[0].length - 1
        const call = text.slice(open - 1, closing(text, open))
        const [messageArg] = firstArgument(`(${call.slice(2)}`)
        const after = text.slice(open, open + call.length + 300)
        const annotate = /annotateLogs\(/.exec(after)
        let keys = []
        if (annotate !== null) {
          const aOpen = annotate.index + annotate[0].length - 1
          const args = after.slice(aOpen + 1, closing(after, aOpen) - 1)
          keys = /^\s*"/.test(args) ? [/^\s*"([^"]+)"/.exec(args)[1]] : args.split(/,\s*(?=\.\.\.|\w|")/).flatMap((part) => {
            const spread = part.trim().replace(/^\{|\}$/g, "").trim()
            return spread.split(/,\s*/).flatMap((p) => {
              const s = p.trim().replace(/^\.\.\./, "")
              return /^"/.test(s) ? quotedKeys(`${s}`).concat(/^"([^"]+)"\s*:/.test(s) ? [] : []) : keysOf(s, context)
            })
          })
        }
        const level = { undefined: "INFO", Debug: "DEBUG", Info: "INFO", Warning: "WARN", Error: "ERROR", Fatal: "FATAL", Trace: "TRACE" }[m[1]]
        for (const message of messagesOf(messageArg)) logs.push({ level, message, annotations: unique(keys), where })
      }
    }
  }

  // AuthEvent: the cases of core's tagged enum.
  const eventSource = readFileSync(join(root, "packages/core/src/AuthEvent.ts"), "utf8")
  const enumStart = eventSource.indexOf("Data.TaggedEnum<{")
  const enumBody = eventSource.slice(enumStart, closing(eventSource, eventSource.indexOf("{", enumStart)))
  const events = []
  for (const m of enumBody.matchAll(/(?:\/\*\*((?:[^*]|\*(?!\/))*)\*\/\s*)?(\w+):\s*\{/g)) {
    if (m.index === 0) continue
    const open = m.index + m[0].length - 1
    const body = enumBody.slice(open + 1, closing(enumBody, open) - 1)
    const fields = [...body.matchAll(/readonly (\w+)(\?)?:\s*([^\n]+)/g)].map((f) => `\`${f[1]}${f[2] ?? ""}\`: ${f[3].trim()}`)
    events.push({ tag: m[2], description: (m[1] ?? "").replace(/\s*\*\s*/g, " ").trim(), fields })
  }

  const dedupe = (xs, key) => {
    const seen = new Map()
    for (const x of xs) {
      const k = key(x)
      const prior = seen.get(k)
      if (prior === undefined) seen.set(k, { ...x, wheres: [x.where] })
      else if (!prior.wheres.includes(x.where)) prior.wheres.push(x.where)
    }
    return [...seen.values()]
  }
  return {
    metrics: metrics.sort((a, b) => a.name.localeCompare(b.name)),
    spans: dedupe(spans, (s) => s.name).sort((a, b) => a.name.localeCompare(b.name)),
    logs: dedupe(logs, (l) => `${l.level} ${l.message}`).sort((a, b) => a.where.localeCompare(b.where) || a.message.localeCompare(b.message)),
    events,
    values: { provider: [...values.provider].sort(), spanPrefix: [...values.spanPrefix].sort() }
  }
}

const cell = (s) => String(s).replace(/\|/g, "\\|")
const codes = (xs) => (xs.length === 0 ? "–" : xs.map((x) => `\`${x}\``).join(", "))

export const render = (found = collect()) => {
  const lines = [
    "# Telemetry",
    "",
    "Every metric, span, `AuthEvent` and log line the authfx library packages emit. Written by `pnpm telemetry`",
    "(`scripts/telemetry-reference.mjs`) from the sources; `pnpm telemetry --check` and `packages/telemetry-test`",
    "fail when this page and the code disagree, so do not edit it by hand. How to export all of it with",
    "OpenTelemetry: [packages/core/README.md](packages/core/README.md#opentelemetry).",
    "",
    "No secret appears in any of them: names, attributes, events and log annotations carry the provider id, the",
    "account (when `accountMetrics` or a keyed client asks for it), generations, times and error tags, never a",
    "token, a password, a cookie or a URL's secret parameters (`packages/telemetry-test` exports a run over OTLP",
    "and scans every attribute, event and resource for the secrets it used).",
    "",
    "In names, `<provider>` is a provider id (" + codes(found.values.provider) + ") and `<spanPrefix>` a",
    "provider's engine prefix (" + codes(found.values.spanPrefix) + "; the provider id for an engine built without",
    "one).",
    "",
    "## Metrics",
    "",
    "Effect metrics, exported by `@effect/opentelemetry`'s `Resource`/`Metrics` layers (or read with",
    "`Metric.value`). Effect metrics have no unit of their own: it is in the name (`_total` a count, `_ms`",
    "milliseconds, `seconds` seconds).",
    "",
    "| name | kind | unit | attributes | what it counts | export |",
    "| --- | --- | --- | --- | --- | --- |",
    ...found.metrics.map((m) =>
      `| \`${m.name}\` | ${m.kind}${m.boundaries ? ` (${cell(m.boundaries)})` : ""} | ${m.unit || "–"} | ${codes(m.tags)} | ${cell(m.description)} | \`${m.export}\` |`
    ),
    "",
    "## Spans",
    "",
    "Effect spans, exported by `@effect/opentelemetry`'s `NodeSdk`/`Tracer` layers. A caller's span is the parent",
    "of the work it started; a caller that waits on a login another fiber started has its own span and is",
    "answered by that login's span. Each HTTP exchange is also a span of `@effect/platform`'s own,",
    "`http.client <METHOD>` (`url.full`, `http.request.method`, `http.response.status_code`, the headers with",
    "credential headers shown as `<redacted>`), a child of the span that sent it; exchanges whose URL carries a",
    "secret parameter (Terabox's `jsToken`) are `<provider>.request` spans instead, with the parameter redacted.",
    "",
    "| name | kind | attributes | when | source |",
    "| --- | --- | --- | --- | --- |",
    ...found.spans.map((s) =>
      `| \`${s.name}\` | ${s.kind} | ${codes(s.attributes)}${s.annotated.length > 0 ? `; when it ends: ${codes(s.annotated)}` : ""} | ${cell(whenOf(s.name))} | ${s.wheres.map((w) => `\`${w}\``).join(", ")} |`
    ),
    "",
    "## AuthEvent",
    "",
    "`auth.events`, a `Stream` of what each session engine did (`@authfx/core/AuthEvent`). Every event carries",
    "the provider and, in a keyed form, the account; `at` is the engine's clock in epoch milliseconds.",
    "",
    "| event | when | fields |",
    "| --- | --- | --- |",
    ...found.events.map((e) => `| \`${e.tag}\` | ${cell(e.description)} | ${cell(e.fields.join(", "))} |`),
    "",
    "## Log lines",
    "",
    "Effect log lines (`Logger`), each with its annotations. `<name>` stands for a value filled in at run time",
    "(a provider id, a redacted URL, a duration, an error's tag), never a secret. Effect's default minimum level",
    "is `INFO`: `DEBUG` lines appear with `Logger.withMinimumLogLevel(LogLevel.Debug)`.",
    "",
    "| level | message | annotations | source |",
    "| --- | --- | --- | --- |",
    ...found.logs.map((l) => `| ${l.level} | ${cell(l.message)} | ${codes(l.annotations)} | ${l.wheres.map((w) => `\`${w}\``).join(", ")} |`),
    ""
  ]
  return lines.join("\n")
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = render()
  if (process.argv.includes("--check")) {
    const current = existsSync(target) ? readFileSync(target, "utf8") : ""
    if (current !== text) {
      console.error("TELEMETRY.md does not match the code: run `pnpm telemetry` and commit it")
      process.exit(1)
    }
    console.log("TELEMETRY.md matches the code")
  } else {
    writeFileSync(target, text)
    console.log("wrote TELEMETRY.md")
  }
}
