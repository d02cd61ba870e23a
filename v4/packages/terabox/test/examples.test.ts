import { TeraboxFake, TestEnv } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { tidy } from "../examples/files.js"
import { usage } from "../examples/listing.js"

describe("README example", () => {
  it("is examples/files.ts as it is (type-checked with the package)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    assert.include(readme, readFileSync(new URL("../examples/files.ts", import.meta.url), "utf8").trim())
  })

  it.live("runs against the fake with the environment `authfx fakes` prints", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make({ uname: "alice" })
      const env = fake.env()
      yield* TestEnv.set(env)
      // No /archive folder on the fake: the move is refused with a typed errno.
      assert.strictEqual(yield* tidy, "not done: NotFound")
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)))

  it("examples/listing.ts is in the README as it is", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    assert.include(readme, readFileSync(new URL("../examples/listing.ts", import.meta.url), "utf8").trim())
  })

  it.live("examples/listing.ts counts every file of a 1,005-file folder", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make()
      const paths = fake.addFiles("/big", 1005)
      yield* TestEnv.set(fake.env())
      const bytes = fake.files().filter((f) => paths.includes(f.path)).reduce((sum, f) => sum + f.size, 0)
      assert.deepStrictEqual(yield* usage("/big"), { files: 1005, bytes })
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)))
})
