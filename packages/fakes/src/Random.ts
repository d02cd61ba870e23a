/**
 * Random values for the fakes: tokens, passwords and secrets no test guesses.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"

/**
 * A token no test guesses: a prefix and 24 random hex characters.
 *
 * @since 0.1.0
 * @category constructors
 */
export const token = (prefix: string): string => `${prefix}_${randomBytes(12).toString("hex")}`
