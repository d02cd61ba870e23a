// Resolves `@authfx/<package>[/<Module>]` to the package's compiled JavaScript (`dist/`, what npm users run)
// instead of its TypeScript sources. Under tsx the sources are transformed by esbuild with names kept, which
// wraps every closure in a `__name(...)` call that gives it an own property: about 5 KiB more per session engine
// than the published code holds. `pnpm bench` builds the packages first.
import { register } from "node:module"

const packages = new URL("../../", import.meta.url).href

register(
  "data:text/javascript," +
    encodeURIComponent(`
const packages = ${JSON.stringify(packages)}
export async function resolve(specifier, context, next) {
  const match = /^@authfx\\/([a-z]+)(?:\\/([A-Za-z]+))?$/.exec(specifier)
  if (match !== null && match[1] !== "bench" && match[1] !== "consumer") {
    return { url: packages + match[1] + "/dist/" + (match[2] ?? "index") + ".js", shortCircuit: true, format: "module" }
  }
  return next(specifier, context)
}`)
)
