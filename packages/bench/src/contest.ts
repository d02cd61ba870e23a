/**
 * The figures measured for authfx and every peer the same way: cached hit for a Promise caller, build + first
 * token + close, heap per idle instance, a cold stampede, and rejection storms with lenient and with rotating
 * tokens.
 *
 * Every figure of every contender runs in a fresh Node.js process of its own (`src/contestant.ts`, started with
 * the flags of `pnpm bench`), so that no figure inherits another's heap, JIT state or garbage, and the order of
 * the contenders changes nothing. No `gc()` runs before a timed figure; the build figure is also measured again
 * right after a forced `gc()` in the same process, and reported beside it.
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Authfx from "./authfx.js"
import * as Engine from "./engine.js"
import * as Keyed from "./keyed.js"
import type { Peer } from "./peers.js"
import * as Peers from "./peers.js"
import * as TokenServer from "./tokenServer.js"

/** authfx first, then the peers. */
export const contenders: ReadonlyArray<Peer> = [Authfx.contender, ...Peers.all]

export interface Figures {
  readonly name: string
  readonly pkg: string
  /** ns per `await token()` on a cached token. */
  readonly hitNs: number | undefined
  /** ns per turn of the same loop awaiting an already-resolved promise: the harness's own share of `hitNs`. */
  readonly loopNs: number
  /** µs per build + first token + close, in-memory login, in a fresh process. */
  readonly buildUs: number
  /** The same, measured next in that process right after a forced `gc()`. */
  readonly buildAfterGcUs: number
  /** Bytes per idle instance holding a token: the peer's own object only. */
  readonly heapBytes: number
  /** The same with the harness's wrapper (`{ token, close }` and their closures) kept too, as earlier reports did. */
  readonly heapWrappedBytes: number
  readonly stampede: Stampede | undefined
  readonly storm: { readonly lenient: Storm; readonly rotating: Storm } | undefined
  /** The storms with the token server on the client's own event loop, as earlier reports ran them. */
  readonly inlineStorm: { readonly lenient: Storm; readonly rotating: Storm } | undefined
  readonly noStorm: string | undefined
  readonly noHit: string | undefined
}

export interface Stampede {
  readonly acquisitions: number
  readonly ms: number
  readonly failures: number
}

export interface Storm {
  readonly reacquisitions: number
  readonly failures: number
  /** The range of re-acquisitions over the rounds. */
  readonly range?: string
  /** The range of failures over the rounds. */
  readonly failureRange?: string
}

const gc = () => (globalThis as { gc?: () => void }).gc?.()
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const now = () => performance.now()

/** Instances of the heap figure: 10,000, or 1,000 for Octokit (its first token signs an RSA JWT). */
export const heapCount = (peer: Peer) => peer.pkg === "@octokit/auth-app" ? 1_000 : 10_000
/** Builds per round of the build figure: 2,000, or 200 for Octokit. */
export const buildCount = (peer: Peer) => peer.pkg === "@octokit/auth-app" ? 200 : 2_000

/** ns per `await f()`, the best of five rounds of 50,000 after one warm-up round. */
const awaitLoop = async (f: () => Promise<unknown>) => {
  const n = 50_000
  const rounds: Array<number> = []
  for (let r = 0; r < 6; r++) {
    const start = now()
    for (let i = 0; i < n; i++) await f()
    if (r > 0) rounds.push(((now() - start) * 1e6) / n)
  }
  return Math.min(...rounds)
}

const resolved = Promise.resolve("token")

const hit = async (peer: Peer) => {
  const client = await peer.memory()
  const hitNs = await awaitLoop(client.token)
  const loopNs = await awaitLoop(() => resolved)
  await client.close()
  return { hitNs, loopNs }
}

/** µs per build + first token + close, median of five rounds after one warm-up round. */
const buildRounds = async (peer: Peer) => {
  const n = buildCount(peer)
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

const build = async (peer: Peer) => {
  const buildUs = await buildRounds(peer)
  gc()
  const buildAfterGcUs = await buildRounds(peer)
  return { buildUs, buildAfterGcUs }
}

/**
 * Bytes per idle instance, `count` alive at once: 100 instances built and dropped first (what a first instance
 * sets up once for the module is not an instance's), the array that keeps them allocated before the heap is read;
 * `gc()` twice before each reading. `wrapped` keeps the harness's whole `MemoryClient` instead of `held`.
 */
const heap = async (peer: Peer, wrapped: boolean) => {
  const count = heapCount(peer)
  for (let i = 0; i < 100; i++) await peer.memory()
  const kept: Array<unknown> = new Array(count).fill(null)
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < count; i++) {
    const client = await peer.memory()
    kept[i] = wrapped ? client : client.held
  }
  gc()
  gc()
  const per = (process.memoryUsage().heapUsed - before) / count
  // Read after the figure, so that nothing can collect the instances before it.
  if (kept.length !== count) throw new Error("lost instances")
  return per
}

/**
 * 10,000 callers, except for a peer whose stampede is made of API calls that each meet a 401 and queue
 * behind its refresh: 10,000 of those take minutes with axios-auth-refresh, so it gets 1,000.
 */
export const stampedeSize = (peer: Peer) => peer.stampedeByCalls ? 1_000 : 10_000

const stampede = async (peer: Peer, server: TokenServer.TokenServer): Promise<Stampede> => {
  await server.reset()
  await server.setMode("lenient")
  const client = await peer.server!(server)
  const start = now()
  const results = await Promise.allSettled(
    Array.from({ length: stampedeSize(peer) }, () => peer.stampedeByCalls ? client.call() : client.token())
  )
  const ms = now() - start
  await client.close()
  return {
    acquisitions: await server.issued(),
    ms,
    failures: results.filter((r) => r.status === "rejected" || r.value === false).length
  }
}

const storm = async (peer: Peer, server: TokenServer.TokenServer, mode: TokenServer.Mode): Promise<Storm> => {
  await server.reset()
  await server.setMode(mode)
  if (peer.challenge !== undefined) await server.setChallenge(peer.challenge)
  const client = await peer.server!(server)
  await client.call()
  const before = await server.issued()
  await server.revokeAll()
  const results = await Promise.all(Array.from({ length: 1_000 }, () => client.call()))
  await client.close()
  return { reacquisitions: (await server.issued()) - before, failures: results.filter((ok) => !ok).length }
}

/** Median of `rounds` storms (by re-acquisitions, then failures), with the ranges. */
const storms = async (peer: Peer, server: TokenServer.TokenServer, mode: TokenServer.Mode, rounds: number) => {
  const all: Array<Storm> = []
  for (let r = 0; r < rounds; r++) all.push(await storm(peer, server, mode))
  all.sort((a, b) => a.reacquisitions - b.reacquisitions || a.failures - b.failures)
  const mid = all[Math.floor(all.length / 2)]!
  const failures = all.map((s) => s.failures)
  return {
    ...mid,
    range: `${all[0]!.reacquisitions}–${all[all.length - 1]!.reacquisitions}`,
    failureRange: `${Math.min(...failures)}–${Math.max(...failures)}`
  }
}

const onServer = async (peer: Peer, server: TokenServer.TokenServer, rounds: number, withStampede: boolean) => ({
  stampede: withStampede ? await stampede(peer, server) : undefined,
  storm: peer.noStorm !== undefined ? undefined : {
    lenient: await storms(peer, server, "lenient", rounds),
    rotating: await storms(peer, server, "rotating", rounds)
  }
})

/** The figures a contestant process measures; the first argument of `src/contestant.ts`. */
export type Figure =
  | "hit"
  | "build"
  | "heap"
  | "heap-wrapped"
  | "server"
  | "server-inline"
  | "engine-build"
  | "keyed-hit"

/** Runs one figure of `contenders[index]` in this process (`src/contestant.ts`). */
export const measure = async (figure: Figure, index: number, url: string | undefined): Promise<unknown> => {
  const peer = contenders[index]!
  switch (figure) {
    case "engine-build": {
      const buildUs = await Effect.runPromise(Engine.buildCost)
      const plainUs = await Effect.runPromise(Engine.acquireReleaseCost)
      gc()
      const buildAfterGcUs = await Effect.runPromise(Engine.buildCost)
      gc()
      const plainAfterGcUs = await Effect.runPromise(Engine.acquireReleaseCost)
      // Last, so that the figures above are those of a fresh process as before: the public-API fallback of the
      // fiber-refs sharing beside the engine as it is, both measured alike in this now warm process.
      // Alternating, the best of three each, so that drift hits both alike.
      let buildWarmUs = Infinity
      let buildPublicRefsUs = Infinity
      for (let round = 0; round < 3; round++) {
        buildWarmUs = Math.min(buildWarmUs, await Effect.runPromise(Engine.buildCost))
        buildPublicRefsUs = Math.min(
          buildPublicRefsUs,
          await Effect.runPromise(Engine.withPublicRefs(Engine.buildCost))
        )
      }
      return { buildUs, buildAfterGcUs, plainUs, plainAfterGcUs, buildWarmUs, buildPublicRefsUs }
    }
    case "keyed-hit":
      return Effect.runPromise(Keyed.keyedHit)
    case "hit":
      return hit(peer)
    case "build":
      return build(peer)
    case "heap":
      return heap(peer, false)
    case "heap-wrapped":
      return heap(peer, true)
    case "server":
      return onServer(peer, TokenServer.connect(url!), 5, true)
    case "server-inline": {
      const server = await TokenServer.start({ placement: "inline" })
      try {
        return await onServer(peer, server, 3, false)
      } finally {
        await server.close()
      }
    }
  }
}

const root = new URL("..", import.meta.url)

/**
 * `script` in a fresh Node.js process with the flags of `pnpm bench` (`--expose-gc`, the compiled packages, tsx);
 * its last line of output, parsed as JSON.
 */
export const fresh = (script: string, args: ReadonlyArray<string>): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "./src/compiled.mjs", "--import", "tsx", script, ...args],
      { cwd: fileURLToPath(root), stdio: ["ignore", "pipe", "inherit"] }
    )
    let out = ""
    const timer = setTimeout(() => child.kill(), 15 * 60_000)
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
    })
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      const last = out.trim().split("\n").pop() ?? ""
      if (code !== 0) return reject(new Error(`${script} ${args.join(" ")} exited with ${code}`))
      try {
        resolve(JSON.parse(last))
      } catch {
        reject(new Error(`${script} ${args.join(" ")} printed no figure`))
      }
    })
  })

/** One figure in a fresh process (`src/contestant.ts`). */
export const inChild = (figure: Figure, index: number, url?: string) =>
  fresh("src/contestant.ts", [figure, String(index), ...(url === undefined ? [] : [url])])

export const run = async (
  log: (line: string) => void,
  indices: ReadonlyArray<number> = contenders.map((_, i) => i)
): Promise<ReadonlyArray<Figures>> => {
  const server = await TokenServer.start({ tokenDelayMs: 2, placement: "child" })
  const out: Array<Figures> = []
  try {
    for (const index of indices) {
      const peer = contenders[index]!
      log(`   ${peer.name.replace(/[*`]/g, "")}`)
      const { hitNs, loopNs } = (await inChild("hit", index)) as { hitNs: number; loopNs: number }
      const { buildAfterGcUs, buildUs } = (await inChild("build", index)) as {
        buildUs: number
        buildAfterGcUs: number
      }
      const heapBytes = (await inChild("heap", index)) as number
      const heapWrappedBytes = (await inChild("heap-wrapped", index)) as number
      const onServer = peer.server === undefined
        ? undefined
        : (await inChild("server", index, server.url)) as Pick<Figures, "stampede" | "storm">
      const inline = peer.server === undefined || peer.noStorm !== undefined
        ? undefined
        : (await inChild("server-inline", index)) as Pick<Figures, "storm">
      out.push({
        name: peer.name,
        pkg: peer.pkg,
        hitNs: peer.noHit === undefined ? hitNs : undefined,
        loopNs,
        buildUs,
        buildAfterGcUs,
        heapBytes,
        heapWrappedBytes,
        stampede: onServer?.stampede,
        storm: onServer?.storm,
        inlineStorm: inline?.storm,
        noStorm: peer.noStorm,
        noHit: peer.noHit
      })
    }
  } finally {
    await server.close()
  }
  return out
}
