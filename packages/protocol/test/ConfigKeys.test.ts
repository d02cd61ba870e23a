import { assert, describe, it } from "vitest"
import * as ConfigKeys from "../src/ConfigKeys.js"

describe("ConfigKeys", () => {
  it("resolve: each setting by its option name unless configKeys names it", () => {
    assert.deepStrictEqual(ConfigKeys.resolve(["url", "token"]), { url: "url", token: "token" })
    assert.deepStrictEqual(ConfigKeys.resolve(["url", "token"], undefined), { url: "url", token: "token" })
    assert.deepStrictEqual(
      ConfigKeys.resolve(["url", "token"], { token: "NANDBOX_TOKEN" }),
      { url: "url", token: "NANDBOX_TOKEN" }
    )
  })

  it("resolve: a setting given as undefined keeps its option name (a spread would have lost it)", () => {
    assert.deepStrictEqual(
      ConfigKeys.resolve(ConfigKeys.gunbotSettings, { url: undefined, password: "GUNBOT_PASSWORD" }),
      { url: "url", password: "GUNBOT_PASSWORD", gunthyWallet: "gunthyWallet" }
    )
  })

  it("resolve: names only the settings asked for, whatever else configKeys holds", () => {
    const given = { url: "U", extra: "X" } as { readonly url: string }
    assert.deepStrictEqual(ConfigKeys.resolve(["url"], given), { url: "U" })
  })

  it("gunbotEnvironment: the variables Gunbot's layerConfig reads, one per setting", () => {
    assert.deepStrictEqual(Object.keys(ConfigKeys.gunbotEnvironment), [...ConfigKeys.gunbotSettings])
    assert.deepStrictEqual(ConfigKeys.resolve(ConfigKeys.gunbotSettings, ConfigKeys.gunbotEnvironment), {
      url: "GUNBOT_URL",
      password: "GUNBOT_PASSWORD",
      gunthyWallet: "GUNBOT_WALLET"
    })
  })
})
