/**
 * @since 1.0.0
 */
export * as WhatsGate from "./WhatsGate.js"

/**
 * @since 1.0.0
 */
export * as WhatsGateAuth from "./WhatsGateAuth.js"

/**
 * @since 1.0.0
 */
export * as WhatsGateClient from "./WhatsGateClient.js"
