import * as Random from "@authfx/fakes/Random"

/** A token no test guesses: a prefix and 24 random hex characters (`@authfx/fakes`' `Random.token`). */
export const randomToken: (prefix: string) => string = Random.token
