/**
 * @since 1.0.0
 */

/**
 * `Coordination` on Redis: one session per credential across a fleet.
 *
 * @since 1.0.0
 */
export * as RedisCoordination from "./RedisCoordination.js"

/**
 * Sealing of the shared records (AES-256-GCM).
 *
 * @since 1.0.0
 */
export * as Encryption from "./Encryption.js"
