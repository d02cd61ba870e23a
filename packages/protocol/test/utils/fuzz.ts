/** A seeded generator (mulberry32), so that a failing run can be replayed: the seed is in the failure. */
export interface Random {
  readonly int: (max: number) => number
  readonly string: (maxLength: number) => string
}

const alphabet = "abcXYZ019.-_+/=\"{}[]:, \\éü✓\u0000\ud83d\ude00"

const make = (seed: number): Random => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (max: number) => Math.floor(next() * max)
  return {
    int,
    string: (maxLength) => Array.from({ length: int(maxLength + 1) }, () => alphabet[int(alphabet.length)]!).join("")
  }
}

/** Runs `body` `runs` times, each with its own seeded generator. */
export const fuzz = (runs: number, body: (random: Random) => void, seed = 20261207): void => {
  for (let run = 0; run < runs; run++) {
    try {
      body(make(seed + run))
    } catch (error) {
      throw new Error(`fuzz run ${run} (seed ${seed + run}) failed: ${String(error)}`)
    }
  }
}
