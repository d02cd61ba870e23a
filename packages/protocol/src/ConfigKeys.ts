/**
 * How errors name each setting of a provider: by the option's name for a
 * layer configured in code, by the environment variable for one that
 * `layerConfig` read from the environment (each package's `configKeys`
 * option). A message never names a variable the user did not set.
 *
 * @since 0.1.0
 */

/**
 * The name errors use for each setting.
 *
 * @since 0.1.0
 * @category models
 */
export type Keys<K extends string> = { readonly [P in K]: string }

/**
 * What a `configKeys` option may give: a name for some settings.
 *
 * @since 0.1.0
 * @category models
 */
export type Given<K extends string> = { readonly [P in K]?: string | undefined } | undefined

/**
 * The names errors use for `settings`: the one `configKeys` gives for a setting (the variable `layerConfig` read
 * it from), the setting's option name otherwise (also where `configKeys` gives `undefined` for it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = <const K extends string>(settings: ReadonlyArray<K>, configKeys?: Given<K>): Keys<K> => {
  const keys = {} as { [P in K]: string }
  for (const setting of settings) keys[setting] = configKeys?.[setting] ?? setting
  return keys
}

/**
 * Gunbot's settings, by option name.
 *
 * @since 0.1.0
 * @category gunbot
 */
export const gunbotSettings = ["url", "password", "gunthyWallet"] as const

/**
 * @since 0.1.0
 * @category gunbot
 */
export type GunbotSetting = typeof gunbotSettings[number]

/**
 * The environment variables Gunbot's `layerConfig` reads each setting from.
 *
 * @since 0.1.0
 * @category gunbot
 */
export const gunbotEnvironment: Keys<GunbotSetting> = {
  url: "GUNBOT_URL",
  password: "GUNBOT_PASSWORD",
  gunthyWallet: "GUNBOT_WALLET"
}
