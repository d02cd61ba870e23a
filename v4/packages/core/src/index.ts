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

/**
 * @since 1.0.0
 */
export * as AuthEvent from "./AuthEvent.js"

/**
 * @since 1.0.0
 */
export * as AuthMetrics from "./AuthMetrics.js"

/**
 * @since 1.0.0
 */
export * as Authenticated from "./Authenticated.js"

/**
 * @since 1.0.0
 */
export * as SessionEngine from "./SessionEngine.js"

/**
 * @since 1.0.0
 */
export * as SessionState from "./SessionState.js"

/**
 * @since 1.0.0
 */
export * as SessionStore from "./SessionStore.js"

/**
 * @since 1.0.0
 */
export * as Policy from "./Policy.js"

/**
 * @since 1.0.0
 */
export * as Keyed from "./Keyed.js"

/**
 * @since 1.0.0
 */
export * as AuthHttpClient from "./AuthHttpClient.js"

/**
 * @since 1.0.0
 */
export * as AuthRequest from "./AuthRequest.js"

/**
 * @since 1.0.0
 */
export * as AuthResponse from "./AuthResponse.js"

/**
 * Coordination of logins and renewals across the replicas of an application.
 *
 * @since 1.0.0
 */
export * as Coordination from "./Coordination.js"
