/**
 * @since 1.0.0
 */
export * as AuthError from "./AuthError.js"

/**
 * @since 1.0.0
 */
export * as CurrentAccount from "./CurrentAccount.js"

/**
 * @since 1.0.0
 */
export * as Jwt from "./Jwt.js"

/**
 * @since 1.0.0
 */
export * as Provider from "./Provider.js"

/**
 * @since 1.0.0
 */
export * as Url from "./Url.js"
