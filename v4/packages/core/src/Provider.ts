/**
 * A provider is a type: its id literal, the session it produces and the errors
 * its authentication can fail with.
 *
 * ```ts
 * interface WhatsGate extends Provider.Provider<"whatsgate", WhatsGateSession, WhatsGateError> {}
 * ```
 *
 * @since 1.0.0
 */

/**
 * @since 1.0.0
 * @category models
 */
export interface Provider<out Id extends string, out Session, out Error> {
  readonly id: Id
  readonly "~session": Session
  readonly "~error": Error
}

/**
 * @since 1.0.0
 * @category models
 */
export type Any = Provider<string, any, any>

/**
 * @since 1.0.0
 * @category type-level
 */
export type Id<P extends Any> = P["id"]

/**
 * @since 1.0.0
 * @category type-level
 */
export type Session<P extends Any> = P["~session"]

/**
 * @since 1.0.0
 * @category type-level
 */
export type Error<P extends Any> = P["~error"]
