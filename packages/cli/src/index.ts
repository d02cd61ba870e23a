/**
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"

/**
 * @since 0.1.0
 */
export * as Demo from "./Demo.js"

/**
 * @since 0.1.0
 */
export * as Fakes from "./Fakes.js"

/**
 * @since 0.1.0
 */
export * as Status from "./Status.js"
