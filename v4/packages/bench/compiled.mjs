// Resolves `@authfx/<package>[/<Module>]` to the package's compiled JavaScript (`dist/`, what npm users run) instead
// of its TypeScript sources, as the v3 line's bench does (packages/bench/src/compiled.mjs): the v4 packages from
// `v4/packages`, the effect-free `@authfx/protocol` from the v3 workspace's `packages/protocol`. `node
// scripts/v4.mjs bench` builds them first.
import { register } from "node:module"

const v4 = new URL("../", import.meta.url).href
const shared = new URL("../../../packages/", import.meta.url).href

register(
  "data:text/javascript," +
    encodeURIComponent(`
const v4 = ${JSON.stringify(v4)}
const shared = ${JSON.stringify(shared)}
export async function resolve(specifier, context, next) {
  const match = /^@authfx\\/([a-z]+)(?:\\/([A-Za-z]+))?$/.exec(specifier)
  if (match !== null && match[1] !== "bench") {
    const root = match[1] === "protocol" ? shared : v4
    return { url: root + match[1] + "/dist/" + (match[2] ?? "index") + ".js", shortCircuit: true, format: "module" }
  }
  return next(specifier, context)
}`)
)
