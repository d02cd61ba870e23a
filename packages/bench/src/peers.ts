/**
 * The peers, each driven through the same small interface so that every
 * figure runs the same way for all of them. Each adapter uses the peer the way
 * its own documentation shows; where a peer has no counterpart for a figure,
 * the adapter leaves it out and the report says why.
 */
import {
  bearerTokenAuthenticationPolicy,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest
} from "@azure/core-rest-pipeline"
import type { HttpClient as AzureHttpClient, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline"
import { createAppAuth } from "@octokit/auth-app"
import { request as octokitRequest } from "@octokit/request"
import { memoize } from "@smithy/property-provider"
import axios from "axios"
import { createAuthRefreshInterceptor } from "axios-auth-refresh"
import { OAuth2Client } from "google-auth-library"
import { generateKeyPairSync } from "node:crypto"
import type { TokenServer } from "./tokenServer.js"

/** A client whose token comes from memory: no I/O, so what is measured is the library. */
export interface MemoryClient {
  /**
   * What an application keeps to use the peer: the peer's own object (for authfx the engine and the scope that
   * closes it), nothing of the harness. The heap figure keeps only this.
   */
  readonly held: unknown
  /** One read of the cached token, the peer's own call as its documentation shows, nothing wrapped around it. */
  readonly token: () => Promise<unknown>
  readonly close: () => void | Promise<void>
}

/** A client on the loopback token server. */
export interface ServerClient {
  readonly token: () => Promise<string>
  /** One authenticated `GET /api`, with the library's own handling of a 401; `true` when it ended in a 200. */
  readonly call: () => Promise<boolean>
  readonly close: () => void | Promise<void>
}

export interface Peer {
  readonly name: string
  /** The npm package whose version the report prints. */
  readonly pkg: string
  readonly memory: () => Promise<MemoryClient>
  readonly server?: (server: TokenServer) => Promise<ServerClient>
  /** Why the peer has no storm figure, if it has none. */
  readonly noStorm?: string
  /** Why the cached hit is not comparable, if it is not. */
  readonly noHit?: string
  /** The peer has no token accessor: its cold stampede is made of API calls. */
  readonly stampedeByCalls?: boolean
  /** The 401 challenge the peer's documentation expects of a server revoking its token (default RFC 6750's). */
  readonly challenge?: "bearer" | "cae"
  /** How the peer is set up and driven, and what changed from earlier reports: the report's note on it. */
  readonly setup: string
}

const hour = 3_600_000

const fetchToken = async (url: string): Promise<string> => {
  const response = await fetch(`${url}/token`, { method: "POST" })
  const body = (await response.json()) as { access_token: string }
  return body.access_token
}

const getApi = (url: string, token: string) =>
  fetch(`${url}/api`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => {
    await r.arrayBuffer()
    return r.status
  })

// AWS SDK v3's credential memoizer: a cached promise, `forceRefresh` after a 401.
const aws: Peer = {
  name: "AWS `memoize` (@smithy/property-provider)",
  pkg: "@smithy/property-provider",
  setup:
    "`memoize(provider, isExpired, requiresRefresh)` as the SDK's credential chains use it; the token read is `provider()`, a 401 is answered by `provider({ forceRefresh: true })` and one retry. Heap: the memoized provider function only (earlier reports also kept the harness's `{ token, close }` wrapper and an async closure around `provider()`).",
  memory: async () => {
    const provider = memoize(
      async () => ({ token: "aws-token", expiration: new Date(Date.now() + hour) }),
      (t) => t.expiration.getTime() - Date.now() < 300_000,
      () => true
    )
    await provider()
    return { held: provider, token: provider, close: () => {} }
  },
  server: async (server) => {
    const provider = memoize(
      async () => ({ token: await fetchToken(server.url), expiration: new Date(Date.now() + hour) }),
      (t) => t.expiration.getTime() - Date.now() < 300_000,
      () => true
    )
    return {
      token: async () => (await provider()).token,
      call: async () => {
        try {
          const status = await getApi(server.url, (await provider()).token)
          if (status !== 401) return status === 200
          return (await getApi(server.url, (await provider({ forceRefresh: true })).token)) === 200
        } catch {
          return false
        }
      },
      close: () => {}
    }
  }
}

// google-auth-library's OAuth2Client with a refresh token; its `request` refreshes and replays once on 401/403.
const google: Peer = {
  name: "google-auth-library `OAuth2Client`",
  pkg: "google-auth-library",
  setup:
    "`new OAuth2Client()` with `setCredentials` (memory) or a refresh token and `forceRefreshOnFailure` (server), as its README shows; the token read is `client.getAccessToken()`, API calls go through `client.request`, which refreshes and replays once on a 401. Heap: the client only. Storms: its refreshes are shared only while one is in flight, so its re-logins count how many 401s reach it after a refresh has finished — with the token server on the client's own event loop (earlier reports) the 401s trickle in between the server's own work and each one after a 2-ms refresh starts another; with the server in its own process, as a real token server is, they arrive together.",
  memory: async () => {
    const client = new OAuth2Client()
    client.setCredentials({ access_token: "google-token", expiry_date: Date.now() + hour })
    await client.getAccessToken()
    return { held: client, token: () => client.getAccessToken(), close: () => {} }
  },
  server: async (server) => {
    const client = new OAuth2Client({
      clientId: "bench",
      clientSecret: "bench-secret",
      endpoints: { oauth2TokenUrl: `${server.url}/token` },
      forceRefreshOnFailure: true
    })
    client.setCredentials({ refresh_token: "refresh-token" })
    return {
      token: async () => (await client.getAccessToken()).token!,
      call: async () => {
        try {
          const response = await client.request({ url: `${server.url}/api` })
          return response.status === 200
        } catch {
          return false
        }
      },
      close: () => {}
    }
  }
}

let azureRequest: PipelineRequest | undefined
/** The next policy of the pipeline, answering at once: the policy has signed the request by then. */
const azureNext = async (signed: PipelineRequest): Promise<PipelineResponse> => ({
  status: 200,
  headers: signed.headers,
  request: signed
})

// Azure's bearer-token policy (token cycler) in a core-rest-pipeline pipeline.
const azure: Peer = {
  name: "Azure `bearerTokenAuthenticationPolicy` (@azure/core-rest-pipeline)",
  pkg: "@azure/core-rest-pipeline",
  challenge: "cae",
  setup:
    "`bearerTokenAuthenticationPolicy({ credential, scopes })` in a pipeline (`createEmptyPipeline`, the application's transport), as the SDK clients build it; the token read is the policy signing a request (one request object shared by every instance, the application's, not the cache's). Heap: the policy only (earlier reports also kept a `PipelineRequest` per instance, with its headers and id). Storms: the policy re-acquires a token only when a 401 carries a Continuous Access Evaluation claims challenge (`WWW-Authenticate: Bearer error=\"insufficient_claims\", claims=…`), which is how a Microsoft resource revokes a token; the token server sends that challenge in Azure's storms (RFC 6750's `error=\"invalid_token\"` to the others). With the plain challenge it re-acquires nothing and all 1,000 calls fail (earlier reports).",
  memory: async () => {
    const policy = bearerTokenAuthenticationPolicy({
      credential: { getToken: async () => ({ token: "azure-token", expiresOnTimestamp: Date.now() + hour }) },
      scopes: "bench"
    })
    // One request object for every instance and call: an application's request is its own, not the cache's.
    const request = azureRequest ??= createPipelineRequest({ url: "https://bench.invalid/" })
    const token = () => policy.sendRequest(request, azureNext)
    await token()
    return { held: policy, token, close: () => {} }
  },
  server: async (server) => {
    const pipeline = createEmptyPipeline()
    pipeline.addPolicy(bearerTokenAuthenticationPolicy({
      credential: {
        getToken: async () => ({ token: await fetchToken(server.url), expiresOnTimestamp: Date.now() + hour })
      },
      scopes: "bench"
    }))
    // The policy refuses plain-http URLs, so the pipeline addresses https and its transport (the
    // application's choice in Azure's design) carries the request to the loopback server over http.
    const http: AzureHttpClient = {
      sendRequest: async (request) => {
        const response = await fetch(request.url.replace(/^https:/, "http:"), {
          method: request.method,
          headers: Object.fromEntries(request.headers)
        })
        return {
          request,
          status: response.status,
          headers: createHttpHeaders(Object.fromEntries(response.headers)),
          bodyAsText: await response.text()
        }
      }
    }
    const api = `${server.url.replace(/^http:/, "https:")}/api`
    const send = () => pipeline.sendRequest(http, createPipelineRequest({ url: api }))
    return {
      token: async () => {
        let header = ""
        const policy = pipeline.getOrderedPolicies()[0]!
        await policy.sendRequest(createPipelineRequest({ url: api }), async (signed) => {
          header = signed.headers.get("authorization") ?? ""
          return { status: 200, headers: signed.headers, request: signed } as PipelineResponse
        })
        return header
      },
      call: async () => {
        try {
          return (await send()).status === 200
        } catch {
          return false
        }
      },
      close: () => {}
    }
  }
}

let rsaKey: string | undefined
/** One RSA key for every Octokit instance of the run. */
export const privateKey = () =>
  rsaKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" })
    .toString()

/** GitHub's answer to an installation-token request, from memory. */
export const cannedInstallationFetch = async () => {
  const body = JSON.stringify({
    token: "ghs_bench",
    expires_at: new Date(Date.now() + hour).toISOString(),
    permissions: {},
    repository_selection: "all"
  })
  return new Response(body, { status: 201, headers: { "content-type": "application/json" } })
}

const octokitFetch = (url: string | undefined) => (_input: string | URL | Request, init?: RequestInit) =>
  url === undefined
    ? cannedInstallationFetch()
    : fetch(`${url}/token`, { method: "POST", ...(init?.signal ? { signal: init.signal } : {}) })

// Octokit's GitHub App strategy: installation tokens in its LRU cache (up to 15,000 installations).
const octokit: Peer = {
  name: "Octokit `createAppAuth` (@octokit/auth-app)",
  pkg: "@octokit/auth-app",
  setup:
    "`createAppAuth({ appId, privateKey, installationId, request })` with the request's `fetch` answering GitHub's installation-token call from memory (memory) or from the token server; the token read is `auth({ type: \"installation\" })`. Heap: the `auth` function only, 1,000 instances (each first token signs an RSA JWT).",
  memory: async () => {
    const auth = createAppAuth({
      appId: 1,
      privateKey: privateKey(),
      installationId: 1,
      request: octokitRequest.defaults({ request: { fetch: octokitFetch(undefined) } })
    })
    const token = () => auth({ type: "installation" })
    await token()
    return { held: auth, token, close: () => {} }
  },
  server: async (server) => {
    const auth = createAppAuth({
      appId: 1,
      privateKey: privateKey(),
      installationId: 1,
      request: octokitRequest.defaults({ request: { fetch: octokitFetch(server.url) } })
    })
    const token = async () => (await auth({ type: "installation" })).token
    return {
      token,
      call: async () => {
        try {
          return (await getApi(server.url, await token())) === 200
        } catch {
          return false
        }
      },
      close: () => {}
    }
  },
  noStorm:
    "its request hook answers a 401 by re-sending the same token for a few seconds (GitHub's propagation delay) and never re-acquires one"
}

// axios with axios-auth-refresh and its defaults, wired as its README shows: the refresh logic stores the
// new token and sets it on the failed request; a request interceptor signs every request from the variable.
const axiosRefresh: Peer = {
  name: "axios + axios-auth-refresh (defaults)",
  pkg: "axios-auth-refresh",
  setup:
    "`createAuthRefreshInterceptor(instance, refreshAuthLogic)` with its defaults, wired as its README shows: the refresh logic stores the new token and sets it on the failed request, a request interceptor signs every request from the stored token. Heap: the axios instance with its interceptors (earlier reports kept only the harness's closure over the token variable, so the instance itself was collected and not counted: 0.70 KiB). Storms: with its defaults (`deduplicateRefresh: true`) a 401 that arrives while a refresh is in flight is not intercepted but rejected, so nearly every call of a storm fails whatever the setup; its re-logins count the 401s that arrive after a refresh has finished, many with the token server on the client's event loop (earlier reports), 1 or 2 with the server in its own process.",
  noHit: "the token is a variable the interceptor reads; there is no cache to hit",
  stampedeByCalls: true,
  memory: async () => {
    let token = "axios-token"
    const instance = axios.create()
    instance.interceptors.request.use((config) => {
      config.headers.Authorization = `Bearer ${token}`
      return config
    })
    // `as never`: axios ships separate CJS and ESM typings and the plugin is typed against the CJS ones.
    createAuthRefreshInterceptor(
      instance as never,
      async (failed: { response: { config: { headers: Record<string, string> } } }) => {
        token = "axios-token-2"
        failed.response.config.headers.Authorization = `Bearer ${token}`
      }
    )
    return { held: instance, token: async () => token, close: () => {} }
  },
  server: async (server) => {
    let token: string | undefined
    const instance = axios.create({ validateStatus: (s) => s === 200 })
    instance.interceptors.request.use((config) => {
      if (token !== undefined) config.headers.Authorization = `Bearer ${token}`
      return config
    })
    // `as never`: axios ships separate CJS and ESM typings and the plugin is typed against the CJS ones.
    createAuthRefreshInterceptor(
      instance as never,
      async (failed: { response: { config: { headers: Record<string, string> } } }) => {
        token = await fetchToken(server.url)
        failed.response.config.headers.Authorization = `Bearer ${token}`
      }
    )
    return {
      token: async () => {
        token ??= await fetchToken(server.url)
        return token
      },
      call: async () => {
        try {
          return (await instance.get(`${server.url}/api`)).status === 200
        } catch {
          return false
        }
      },
      close: () => {}
    }
  }
}

export const all: ReadonlyArray<Peer> = [aws, google, azure, octokit, axiosRefresh]
