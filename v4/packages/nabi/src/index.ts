/**
 * @since 1.0.0
 */
export * as Nabi from "./Nabi.js"

/**
 * @since 1.0.0
 */
export * as NabiAuth from "./NabiAuth.js"

/**
 * @since 1.0.0
 */
export * as NabiClient from "./NabiClient.js"

/**
 * @since 1.0.0
 */
export * as TonSigner from "./TonSigner.js"
