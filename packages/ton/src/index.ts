/**
 * @since 0.1.0
 */
export * as Addresses from "./Addresses.js"

/**
 * @since 0.1.0
 */
export * as TonConnect from "./TonConnect.js"

/**
 * @since 0.1.0
 */
export * as Wallets from "./Wallets.js"
