/**
 * @since 1.0.0
 */
export * as Terabox from "./Terabox.js"

/**
 * @since 1.0.0
 */
export * as TeraboxAuth from "./TeraboxAuth.js"

/**
 * @since 1.0.0
 */
export * as TeraboxClient from "./TeraboxClient.js"
