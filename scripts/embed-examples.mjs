// Copies each package's example files into its README, where the README says
// `<!-- example: examples/file.ts -->` followed by a ```ts block. The tests
// check that the README holds the example as it is, so run this after editing one. Both Effect lines' packages
// (packages/ and v4/packages/) are covered.
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs"
import { join } from "node:path"

const marker = /<!-- example: (\S+) -->\n```ts\n[\s\S]*?```/g
const packages = ["packages", join("v4", "packages")].flatMap((root) =>
  existsSync(root) ? readdirSync(root).map((name) => join(root, name)) : []
)
for (const dir of packages) {
  const readme = join(dir, "README.md")
  if (!existsSync(readme)) continue
  const text = readFileSync(readme, "utf8")
  const next = text.replace(marker, (_, file) => {
    const code = readFileSync(join(dir, file), "utf8").trim()
    return `<!-- example: ${file} -->\n\`\`\`ts\n${code}\n\`\`\``
  })
  if (next !== text) {
    writeFileSync(readme, next)
    console.log(`updated ${readme}`)
  }
}
