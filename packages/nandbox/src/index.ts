/**
 * @since 0.1.0
 */
export * as Nandbox from "./Nandbox.js"

/**
 * @since 0.1.0
 */
export * as NandboxAuth from "./NandboxAuth.js"

/**
 * @since 0.1.0
 */
export * as NandboxConnection from "./NandboxConnection.js"
