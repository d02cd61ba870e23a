/**
 * @since 0.1.0
 */
export * as AuthErrorText from "./AuthErrorText.js"

/**
 * @since 0.1.0
 */
export * as ConfigKeys from "./ConfigKeys.js"

/**
 * @since 0.1.0
 */
export * as ErrorText from "./ErrorText.js"

/**
 * @since 0.1.0
 */
export * as GunbotPassword from "./GunbotPassword.js"

/**
 * @since 0.1.0
 */
export * as Jwt from "./Jwt.js"

/**
 * @since 0.1.0
 */
export * as NandboxFrames from "./NandboxFrames.js"

/**
 * @since 0.1.0
 */
export * as NandboxIds from "./NandboxIds.js"

/**
 * @since 0.1.0
 */
export * as Redaction from "./Redaction.js"

/**
 * @since 0.1.0
 */
export * as RetryAfter from "./RetryAfter.js"

/**
 * @since 0.1.0
 */
export * as TeraboxCookies from "./TeraboxCookies.js"

/**
 * @since 0.1.0
 */
export * as TeraboxErrno from "./TeraboxErrno.js"

/**
 * @since 0.1.0
 */
export * as TeraboxListing from "./TeraboxListing.js"

/**
 * @since 0.1.0
 */
export * as TeraboxPage from "./TeraboxPage.js"

/**
 * @since 0.1.0
 */
export * as TeraboxSession from "./TeraboxSession.js"

/**
 * @since 0.1.0
 */
export * as TonProof from "./TonProof.js"

/**
 * @since 0.1.0
 */
export * as NabiGraphQL from "./NabiGraphQL.js"

/**
 * @since 0.1.0
 */
export * as Url from "./Url.js"

/**
 * @since 0.1.0
 */
export * as Timers from "./Timers.js"

/**
 * @since 0.1.0
 */
export * as JsonBody from "./JsonBody.js"

/**
 * @since 0.1.0
 */
export * as CoordinationRecord from "./CoordinationRecord.js"

/**
 * @since 0.1.0
 */
export * as RecordCipher from "./RecordCipher.js"

/**
 * @since 0.1.0
 */
export * as RedisScripts from "./RedisScripts.js"

/**
 * @since 0.1.0
 */
export * as WhatsGateAnswer from "./WhatsGateAnswer.js"
