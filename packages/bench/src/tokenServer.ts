/**
 * The harness's handle on the loopback token server (`fixtures/token-server.mjs`), in a process of its own
 * (`"child"`, the default: a real token server is not on the client's event loop) or in the harness's process
 * (`"inline"`). Every count and control goes over HTTP, the same in both places.
 */
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import * as Child from "./child.js"

export type Mode = "lenient" | "rotating"
export type Placement = "child" | "inline"

export interface TokenServer {
  readonly url: string
  readonly placement: Placement
  readonly issued: () => Promise<number>
  readonly revokeAll: () => Promise<void>
  readonly setMode: (mode: Mode) => Promise<void>
  /** Milliseconds between a `POST /token` and its answer. */
  readonly setDelay: (ms: number) => Promise<void>
  /** The `WWW-Authenticate` challenge of a 401: RFC 6750's `invalid_token` (after `reset`) or a CAE claims challenge. */
  readonly setChallenge: (kind: "bearer" | "cae") => Promise<void>
  readonly reset: () => Promise<void>
  readonly close: () => Promise<void>
}

export const start = async (
  options: { readonly tokenDelayMs?: number; readonly placement?: Placement } = {}
): Promise<TokenServer> => {
  const delay = options.tokenDelayMs ?? 2
  const placement = options.placement ?? "child"
  let url: string
  let close: () => Promise<void>
  if (placement === "child") {
    const child = await Child.start("token-server.mjs", [], [String(delay)])
    url = `http://127.0.0.1:${child.line.trim()}`
    close = async () => child.close()
  } else {
    // @ts-expect-error: a plain JavaScript fixture, without typings
    const fixture = (await import("../fixtures/token-server.mjs")) as { create: (delayMs: number) => Server }
    const server = fixture.create(delay)
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  return connect(url, placement, close)
}

/** A handle on a token server already running at `url` (started by another process of the run). */
export const connect = (
  url: string,
  placement: Placement = "child",
  close: () => Promise<void> = async () => {}
): TokenServer => {
  const control = async (path: string) => {
    const response = await fetch(`${url}/control/${path}`)
    return (await response.json()) as { issued: number }
  }
  return {
    url,
    placement,
    issued: async () => (await control("state")).issued,
    revokeAll: async () => void (await control("revoke")),
    setMode: async (mode) => void (await control(`mode?mode=${mode}`)),
    setDelay: async (ms) => void (await control(`delay?ms=${ms}`)),
    setChallenge: async (kind) => void (await control(`challenge?kind=${kind}`)),
    reset: async () => void (await control("reset")),
    close
  }
}
