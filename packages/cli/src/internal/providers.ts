/**
 * The providers and the variables each reads: plain data, so that `authfx`
 * builds its arguments and help without loading any provider package.
 */

export const providers = ["nandbox", "nabi", "whatsgate", "gunbot", "terabox"] as const

export type ProviderName = typeof providers[number]

/**
 * One environment variable a provider reads.
 */
export interface Variable {
  readonly name: string
  /** Holds a secret: its value is never printed, only its name. */
  readonly secret: boolean
  /** `status` cannot check the provider without it. */
  readonly required: boolean
  readonly description: string
}

const variable = (name: string, secret: boolean, required: boolean, description: string): Variable => ({
  name,
  secret,
  required,
  description
})

/**
 * The variables each provider reads, in the order `status --help` lists them.
 * The first secret one decides whether a provider counts as configured.
 */
export const variables: Readonly<Record<ProviderName, ReadonlyArray<Variable>>> = {
  nandbox: [
    variable("NANDBOX_TOKEN", true, true, "the bot token"),
    variable("NANDBOX_URL", false, false, "default wss://w1.nandbox.net:5020/nandbox/api/")
  ],
  nabi: [
    variable("NABI_MNEMONIC", true, true, "the TON wallet's 24 words"),
    variable("NABI_URL", false, true, "the GraphQL endpoint"),
    variable("NABI_ADDRESS", false, false, "the wallet address; derived from the key when absent"),
    variable("NABI_WALLET_VERSION", false, false, "v4r2, the default, v3r2 or v5r1 (for a derived address)"),
    variable("NABI_SIGNATURE_MODE", false, false, "raw, the default, ton_proof or sign_data"),
    variable("NABI_SIGNATURE_ENCODING", false, false, "hex, the default, or base64 (raw mode)"),
    variable("NABI_PROOF_DOMAIN", false, false, "the dApp domain of a ton_proof; default the endpoint's host")
  ],
  whatsgate: [
    variable("WHATSGATE_ACCESS_TOKEN", true, true, "the Access-Token"),
    variable("WHATSGATE_URL", false, true, "https://<subdomain>.whatsgate.net/api"),
    variable("WHATSGATE_DEVICE", false, true, "the device whose status is asked, as a token alone cannot be checked")
  ],
  gunbot: [
    variable("GUNBOT_PASSWORD", true, true, "the GUI password, plain or ENC:"),
    variable("GUNBOT_URL", false, true, "the Gunbot GUI, e.g. http://localhost:3000"),
    variable("GUNBOT_WALLET", true, false, "the gunthy wallet, needed to encrypt a plain password")
  ],
  terabox: [
    variable("TERABOX_NDUS", true, true, "the ndus browser cookie"),
    variable("TERABOX_URL", false, false, "default https://www.terabox.com"),
    variable("TERABOX_JS_TOKEN", true, false, "optional, read from the homepage otherwise"),
    variable("TERABOX_BDSTOKEN", true, false, "optional, read from the homepage otherwise")
  ]
}
