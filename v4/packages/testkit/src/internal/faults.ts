import * as Faults_ from "@authfx/fakes/Faults"

/** A fault the next requests meet (`@authfx/fakes`' `Faults.Fault`). */
export type Fault = Faults_.Fault

/** The fault controls every HTTP fake offers (`@authfx/fakes`' `Faults.Faults`, the v3 testkit's names and meaning). */
export type Faults = Faults_.Faults

/** A new fault queue: its `controls`, `next(request, response)` and `attach(server)` (`@authfx/fakes`' `Faults.make`). */
export const makeFaults: () => Faults_.Queue = Faults_.make
