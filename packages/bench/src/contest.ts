/**
 * The figures measured for authfx and every peer the same way, in the same
 * process and run: cached hit for a Promise caller, build + first token +
 * close, heap per idle instance, a cold stampede, and rejection storms with
 * lenient and with rotating tokens.
 */
import type { Peer } from "./peers.js"
import * as TokenServer from "./tokenServer.js"

export interface Figures {
  readonly name: string
  readonly pkg: string
  /** ns per `await token()` on a cached token. */
  readonly hitNs: number | undefined
  /** µs per build + first token + close, in-memory login. */
  readonly buildUs: number
  /** Bytes per idle instance holding a token. */
  readonly heapBytes: number
  readonly stampede: { readonly acquisitions: number; readonly ms: number; readonly failures: number } | undefined
  readonly storm: {
    readonly lenient: Storm
    readonly rotating: Storm
  } | undefined
  readonly noStorm: string | undefined
  readonly noHit: string | undefined
}

export interface Storm {
  readonly reacquisitions: number
  readonly failures: number
  /** The range of re-acquisitions over the rounds. */
  readonly range?: string
}

const gc = () => (globalThis as { gc?: () => void }).gc?.()
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const now = () => performance.now()

const hit = async (peer: Peer): Promise<number> => {
  const client = await peer.memory()
  const n = 50_000
  const rounds: Array<number> = []
  for (let r = 0; r < 6; r++) {
    const start = now()
    for (let i = 0; i < n; i++) await client.token()
    if (r > 0) rounds.push(((now() - start) * 1e6) / n)
  }
  await client.close()
  return Math.min(...rounds)
}

const build = async (peer: Peer): Promise<number> => {
  const n = peer.pkg === "@octokit/auth-app" ? 200 : 2_000
  const rounds: Array<number> = []
  for (let r = 0; r < 6; r++) {
    const start = now()
    for (let i = 0; i < n; i++) {
      const client = await peer.memory()
      await client.token()
      await client.close()
    }
    if (r > 0) rounds.push(((now() - start) * 1000) / n)
  }
  return median(rounds)
}

/** Heap per idle instance; `count` instances are kept alive at once. */
export const heap = async (peer: Peer, count: number): Promise<number> => {
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  const kept: Array<{ close: () => void | Promise<void> }> = []
  for (let i = 0; i < count; i++) kept.push(await peer.memory())
  gc()
  gc()
  const per = (process.memoryUsage().heapUsed - before) / count
  for (const client of kept) await client.close()
  kept.length = 0
  gc()
  return per
}

/**
 * 10,000 callers, except for a peer whose stampede is made of API calls that each meet a 401 and queue
 * behind its refresh: 10,000 of those take minutes with axios-auth-refresh, so it gets 1,000.
 */
export const stampedeSize = (peer: Peer) => peer.stampedeByCalls ? 1_000 : 10_000

const stampede = async (peer: Peer, server: TokenServer.TokenServer) => {
  server.reset()
  server.setMode("lenient")
  const client = await peer.server!(server)
  const start = now()
  const results = await Promise.allSettled(
    Array.from({ length: stampedeSize(peer) }, () => peer.stampedeByCalls ? client.call() : client.token())
  )
  const ms = now() - start
  await client.close()
  return {
    acquisitions: server.issued(),
    ms,
    failures: results.filter((r) => r.status === "rejected" || r.value === false).length
  }
}

/** Median of `rounds` storms (by re-acquisitions, then failures). */
const storms = async (peer: Peer, server: TokenServer.TokenServer, mode: TokenServer.Mode, rounds = 5) => {
  const all: Array<Storm> = []
  for (let r = 0; r < rounds; r++) all.push(await storm(peer, server, mode))
  all.sort((a, b) => a.reacquisitions - b.reacquisitions || a.failures - b.failures)
  const mid = all[Math.floor(all.length / 2)]!
  return { ...mid, range: `${all[0]!.reacquisitions}–${all[all.length - 1]!.reacquisitions}` }
}

const storm = async (peer: Peer, server: TokenServer.TokenServer, mode: TokenServer.Mode): Promise<Storm> => {
  server.reset()
  server.setMode(mode)
  const client = await peer.server!(server)
  await client.call()
  const before = server.issued()
  server.revokeAll()
  const results = await Promise.all(Array.from({ length: 1_000 }, () => client.call()))
  await client.close()
  return { reacquisitions: server.issued() - before, failures: results.filter((ok) => !ok).length }
}

export const run = async (
  contenders: ReadonlyArray<Peer>,
  log: (line: string) => void,
  heapCount = 10_000
): Promise<ReadonlyArray<Figures>> => {
  const server = await TokenServer.start({ tokenDelayMs: 2 })
  const out: Array<Figures> = []
  try {
    for (const peer of contenders) {
      log(`   ${peer.name.replace(/[*`]/g, "")}`)
      const hitNs = peer.noHit === undefined ? await hit(peer) : undefined
      const buildUs = await build(peer)
      const heapBytes = await heap(peer, peer.pkg === "@octokit/auth-app" ? heapCount / 10 : heapCount)
      const crowd = peer.server === undefined ? undefined : await stampede(peer, server)
      const stormFigures = peer.server === undefined || peer.noStorm !== undefined ? undefined : {
        lenient: await storms(peer, server, "lenient"),
        rotating: await storms(peer, server, "rotating")
      }
      out.push({
        name: peer.name,
        pkg: peer.pkg,
        hitNs,
        buildUs,
        heapBytes,
        stampede: crowd,
        storm: stormFigures,
        noStorm: peer.noStorm,
        noHit: peer.noHit
      })
    }
  } finally {
    await server.close()
  }
  return out
}
