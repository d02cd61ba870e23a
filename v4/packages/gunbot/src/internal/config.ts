/**
 * How errors name each setting: by the option's name for a layer configured in code, by the environment variable
 * for one `fromConfig` read from the environment (`Options.configKeys`). A message never names a variable the
 * user did not set.
 */
export interface ConfigKeys {
  readonly url: string
  readonly password: string
  readonly gunthyWallet: string
}

export const optionKeys: ConfigKeys = { url: "url", password: "password", gunthyWallet: "gunthyWallet" }

export const environmentKeys: ConfigKeys = {
  url: "GUNBOT_URL",
  password: "GUNBOT_PASSWORD",
  gunthyWallet: "GUNBOT_WALLET"
}

export const keysOf = (options: { readonly configKeys?: Partial<ConfigKeys> | undefined }): ConfigKeys => ({
  ...optionKeys,
  ...options.configKeys
})
