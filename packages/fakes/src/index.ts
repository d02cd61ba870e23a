/**
 * @since 0.1.0
 */
export * as Faults from "./Faults.js"

/**
 * @since 0.1.0
 */
export * as Gunbot from "./Gunbot.js"

/**
 * @since 0.1.0
 */
export * as Jwt from "./Jwt.js"

/**
 * @since 0.1.0
 */
export * as Nabi from "./Nabi.js"

/**
 * @since 0.1.0
 */
export * as Nandbox from "./Nandbox.js"

/**
 * @since 0.1.0
 */
export * as Random from "./Random.js"

/**
 * @since 0.1.0
 */
export * as Server from "./Server.js"

/**
 * @since 0.1.0
 */
export * as Terabox from "./Terabox.js"

/**
 * @since 0.1.0
 */
export * as WhatsGate from "./WhatsGate.js"
