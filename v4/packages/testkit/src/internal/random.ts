import { randomBytes } from "node:crypto"

/** A token no test guesses: a prefix and 24 random hex characters. */
export const randomToken = (prefix: string): string => `${prefix}_${randomBytes(12).toString("hex")}`
