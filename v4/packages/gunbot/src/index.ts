/**
 * @since 1.0.0
 */
export * as Gunbot from "./Gunbot.js"

/**
 * @since 1.0.0
 */
export * as GunbotAuth from "./GunbotAuth.js"

/**
 * @since 1.0.0
 */
export * as GunbotClient from "./GunbotClient.js"

/**
 * @since 1.0.0
 */
export * as GunbotPassword from "./GunbotPassword.js"
