/**
 * @since 1.0.0
 */
export * as Nandbox from "./Nandbox.js"

/**
 * @since 1.0.0
 */
export * as NandboxAuth from "./NandboxAuth.js"

/**
 * @since 1.0.0
 */
export * as NandboxConnection from "./NandboxConnection.js"
