/**
 * What WhatsGate's answers mean (https://whatsgate.net/api, the documented
 * 403 and 422 bodies): a 403 names a rejected or a missing `Access-Token`; a
 * body with `success: false`, or a 422, is a refusal in WhatsGate's words.
 * Each Effect line turns these into its typed errors.
 *
 * @since 0.1.0
 */

/**
 * The error body WhatsGate documents (every field optional: the body is read as far as it goes).
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorBody {
  readonly success?: boolean | undefined
  readonly message?: string | undefined
  readonly errors?: { readonly [field: string]: ReadonlyArray<string> } | undefined
}

/**
 * The 403 message of a token WhatsGate does not accept: the session is rejected (invalidate, read the token again,
 * replay once).
 *
 * @since 0.1.0
 * @category constants
 */
export const invalidToken = "invalid Access-Token"

/**
 * The 403 message of a request without a token: none reached WhatsGate, which a replay cannot fix.
 *
 * @since 0.1.0
 * @category constants
 */
export const tokenRequired = "an Access-Token is required"

/**
 * What a 403 means, by its message: `"InvalidToken"`, `"TokenRequired"` or `"Undocumented"` (any other message, or
 * none).
 *
 * @since 0.1.0
 * @category answers
 */
export const forbidden = (message: string | undefined): "InvalidToken" | "TokenRequired" | "Undocumented" =>
  message === invalidToken ? "InvalidToken" : message === tokenRequired ? "TokenRequired" : "Undocumented"

/**
 * A refusal WhatsGate states in its body.
 *
 * @since 0.1.0
 * @category models
 */
export interface Refusal {
  readonly reason: "Validation" | "NotFound" | "Business"
  readonly status: number
  /** WhatsGate's own message, or a default when it sent none. */
  readonly description: string
  /** The fields a 422 names, with their messages. */
  readonly fields?: { readonly [field: string]: ReadonlyArray<string> }
}

/**
 * The refusal an answer of this status and error body states, or `undefined` when it states none (then the answer
 * is a success or an unexpected status): a 422 is a `Validation` refusal, with the fields it names; a body with
 * `success: false` is `NotFound` on a 404, `Business` otherwise.
 *
 * @since 0.1.0
 * @category answers
 */
export const refusal = (status: number, body: ErrorBody): Refusal | undefined => {
  if (status === 422) {
    return {
      reason: "Validation",
      status: 422,
      description: body.message ?? "The given data was invalid.",
      ...(body.errors !== undefined ? { fields: body.errors } : {})
    }
  }
  if (body.success === false) {
    return {
      reason: status === 404 ? "NotFound" : "Business",
      status,
      description: body.message ?? "request refused"
    }
  }
  return undefined
}
