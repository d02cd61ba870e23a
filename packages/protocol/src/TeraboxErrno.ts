/**
 * Terabox's `errno`: the reasons an answer's errno stands for, from the
 * values the maintained clients know (alist-org/alist and
 * OpenListTeam/OpenList `drivers/terabox`, seiya-dev's terabox-api).
 *
 * @since 0.1.0
 */

/**
 * Every reason, in the order errors list them; `Unknown` for an errno no
 * client names.
 *
 * @since 0.1.0
 * @category models
 */
export const reasons = [
  "ParamsMissing",
  "BadName",
  "AlreadyExists",
  "NotFound",
  "NoSpace",
  "PartialFailure",
  "RegionUnavailable",
  "Unknown"
] as const

/**
 * @since 0.1.0
 * @category models
 */
export type Reason = typeof reasons[number]

/**
 * The reason of an errno.
 *
 * @since 0.1.0
 * @category classifying
 */
export const reasonOf = (errno: number): Reason => {
  switch (errno) {
    case 2:
      return "ParamsMissing"
    case -7:
      return "BadName"
    case -8:
      return "AlreadyExists"
    case -9:
      return "NotFound"
    case -10:
    case -32:
      return "NoSpace"
    case 12:
      return "PartialFailure"
    case 9000:
      return "RegionUnavailable"
    default:
      return "Unknown"
  }
}
