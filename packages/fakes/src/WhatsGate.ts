/**
 * A loopback WhatsGate API, written from WhatsGate's documentation: the
 * `Access-Token` header, its two 403 answers, the documented endpoints and
 * their bodies, validation errors, rate limiting. Both Effect lines' testkits
 * wrap it (`WhatsGateFake.make`), so the fake is written once.
 *
 * Where the documentation is silent, the fake makes the behaviour switchable:
 * the status of a `success:false` answer (`businessErrorStatus`, 400 or 200)
 * and what a POST whose body is not declared `application/json` meets
 * (`contentTypeCheck`).
 *
 * @since 0.1.0
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Faults from "./Faults.js"
import * as Random from "./Random.js"
import * as Server from "./Server.js"

/**
 * @since 0.1.0
 * @category models
 */
export type DeviceStatus = "connected" | "disconnected" | "not connected" | "not initialized"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The token the fake accepts at start (random by default). */
  readonly token?: string | undefined
  /** Devices of the account and their status (default: `"100200300"`, connected). */
  readonly devices?: Readonly<Record<string, DeviceStatus>> | undefined
  /** HTTP status of `success:false` business errors: undocumented, so switchable (default 400). */
  readonly businessErrorStatus?: number | undefined
  /**
   * A POST without `Content-Type: application/json`. The documentation says bodies are JSON with that header, not
   * what happens without it: `"reject"` (default) answers 415 with a `success:false` body; `"ignoreBody"` reads no
   * body, as a Laravel-style server does with a JSON payload it was not told is JSON (every field then fails
   * validation, 422); `"off"` parses the body whatever its type.
   */
  readonly contentTypeCheck?: "reject" | "ignoreBody" | "off" | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Counters {
  /** Every request that reached the fake. */
  requests: number
  /** 403 `invalid Access-Token`. */
  rejected: number
  /** 403 `an Access-Token is required`. */
  missing: number
  /** Messages accepted by `/send/*`. */
  sent: number
  /** Tokens issued by `regenerateToken`. */
  regenerations: number
}

/**
 * The headers of a request as the fake saw them (lower-case names), without the token.
 *
 * @since 0.1.0
 * @category models
 */
export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly contentType: string | undefined
  readonly accept: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WhatsGateFake extends Faults.Faults {
  /** Base URL of the API, ending in `/api`. */
  readonly url: string
  /** The token accepted now. */
  readonly token: () => string
  /** The device that demo calls should use: the first connected one. */
  readonly device: string
  /** What `authfx status whatsgate` needs to authenticate against this fake. */
  readonly env: () => Readonly<Record<string, string>>
  readonly counters: Counters
  /** Regenerates the token as the dashboard does: the old value is refused at once. */
  readonly regenerateToken: () => string
  readonly setDeviceStatus: (device: string, status: DeviceStatus) => void
  /** The messages accepted, in order. */
  readonly messages: ReadonlyArray<{ readonly device: string; readonly phone: string; readonly kind: string }>
  /** Every request the fake received (method, path, `Content-Type`, `Accept`), in order. */
  readonly requests: () => ReadonlyArray<SeenRequest>
}

/** An answer: status and JSON body. */
interface Answer {
  readonly status: number
  readonly body: unknown
}

const ok = (body: unknown): Answer => ({ status: 200, body })

const forbidden = (message: string): Answer => ({ status: 403, body: { message } })

// Laravel's validation answer, as WhatsGate documents it: 422 with the fields at fault.
const invalid = (errors: Record<string, ReadonlyArray<string>>): Answer => ({
  status: 422,
  body: { message: "The given data was invalid.", errors }
})

const PHONE = /^\+?[0-9]{6,15}$/

const isJson = (contentType: string | undefined) => /^application\/json\s*(?:;|$)/i.test((contentType ?? "").trim())

const header = Server.header

const deviceOf = (id: unknown) => typeof id === "string" || typeof id === "number" ? String(id) : undefined

/**
 * A started fake and how to stop it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handle extends WhatsGateFake {
  /** Stops the server and destroys its connections. */
  readonly close: () => Promise<void>
}

/**
 * Starts the fake on `127.0.0.1` until `close` (`server` sets its port and CORS).
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options = {}, server: Server.Options = {}): Promise<Handle> => {
  let token = options.token ?? Random.token("wg")
  const devices = new Map<string, DeviceStatus>(Object.entries(options.devices ?? { "100200300": "connected" }))
  const businessStatus = options.businessErrorStatus ?? 400
  const counters: Counters = { requests: 0, rejected: 0, missing: 0, sent: 0, regenerations: 0 }
  const contentTypeCheck = options.contentTypeCheck ?? "reject"
  const seen: Array<SeenRequest> = []
  const messages: Array<{ device: string; phone: string; kind: string }> = []
  const faults = Faults.make()

  const business = (message: string, status = businessStatus): Answer => ({
    status,
    body: { success: false, message }
  })

  /** The JSON object of a POST's body; anything else (no body, not JSON, not an object) reads as `{}`. */
  const bodyOf = async (request: IncomingMessage): Promise<Record<string, unknown>> => {
    const text = await Server.readBody(request)
    if (contentTypeCheck === "ignoreBody" && !isJson(header(request, "content-type"))) return {}
    try {
      const u: unknown = JSON.parse(text ?? "")
      return typeof u === "object" && u !== null && !Array.isArray(u) ? u as Record<string, unknown> : {}
    } catch {
      return {}
    }
  }

  const send = (kind: "text" | "image" | "video", input: Record<string, unknown>): Answer => {
    const errors: Record<string, Array<string>> = {}
    const sender = deviceOf(input["sender_device"])
    if (sender === undefined) errors["sender_device"] = ["The sender device field is required."]
    const phone = deviceOf(input["phone"])
    if (phone === undefined) errors["phone"] = ["The phone field is required."]
    if (kind === "text") {
      const message = input["message"]
      if (typeof message !== "string" || message.length === 0) {
        errors["message"] = ["The message field is required."]
      } else if (message.length > 4000) errors["message"] = ["The message may not be greater than 4000 characters."]
    } else {
      const media = input["media"]
      if (typeof media !== "string" || media.length === 0) errors["media"] = ["The media field is required."]
      else if (kind === "video" && !/^https?:\/\//.test(media)) errors["media"] = ["The media must be a valid URL."]
      const caption = input["caption"]
      if (caption !== undefined && typeof caption !== "string") {
        errors["caption"] = ["The caption must be a string."]
      }
    }
    if (sender === undefined || phone === undefined || Object.keys(errors).length > 0) return invalid(errors)
    if (!devices.has(sender)) return business("device not found!", 404)
    if (!PHONE.test(phone)) return business("Invalid phone number format")
    if (devices.get(sender) !== "connected") return business("device is not connected")
    counters.sent += 1
    messages.push({ device: sender, phone, kind })
    return ok({ success: true, message: "Message sent successfully" })
  }

  const withDevice = (id: string, f: (id: string, status: DeviceStatus) => Answer): Answer => {
    const status = devices.get(id)
    return status === undefined ? business("device not found!", 404) : f(id, status)
  }

  /** The documented endpoints; `undefined` for a path none matches. */
  const route = (
    method: string,
    path: string,
    query: URLSearchParams
  ): ((request: IncomingMessage) => Promise<Answer>) | undefined => {
    const send_ = /^\/api\/send\/(text|image|video)$/.exec(path)
    if (method === "POST" && send_ !== null) {
      return async (request) => send(send_[1] as "text" | "image" | "video", await bodyOf(request))
    }
    if (method === "POST" && path === "/api/delete") {
      return async (request) => {
        const id = deviceOf((await bodyOf(request))["sender_device"])
        if (id === undefined) return invalid({ sender_device: ["The sender device field is required."] })
        if (!devices.delete(id)) return business("device not found!", 404)
        return ok({ success: true, message: "Device deleted successfully" })
      }
    }
    if (method !== "GET") return undefined
    const param = (prefix: string) => {
      const match = new RegExp(`^/api/${prefix}/([^/]+)$`).exec(path)
      if (match === null) return undefined
      try {
        return decodeURIComponent(match[1]!)
      } catch {
        // A malformed escape names no device: the router would not match it either.
        return undefined
      }
    }
    const status = param("status")
    if (status !== undefined) {
      return async () => withDevice(status, (_, status) => ok({ success: true, message: status }))
    }
    const connect = param("connect")
    if (connect !== undefined) {
      return async () =>
        withDevice(connect, (_, status) =>
          status === "connected"
            ? business("device is already connected")
            : ok({
              success: true,
              qrCode:
                "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
            }))
    }
    const balance = param("reports/balance")
    if (balance !== undefined) {
      return async () =>
        withDevice(balance, () =>
          ok({
            success: true,
            remaining: 1000 - counters.sent,
            successful_count: counters.sent,
            pending: 0,
            failed: 0
          }))
    }
    if (path === "/api/reports/failed_numbers") {
      return async () => {
        const date = /^\d{4}-\d{2}-\d{2}$/
        const errors: Record<string, Array<string>> = {}
        const device = query.get("device")
        if (!device) errors["device"] = ["The device field is required."]
        if (!date.test(query.get("from") ?? "")) errors["from"] = ["The from does not match the format Y-m-d."]
        if (!date.test(query.get("to") ?? "")) errors["to"] = ["The to does not match the format Y-m-d."]
        if (!device || Object.keys(errors).length > 0) return invalid(errors)
        if (!devices.has(device)) return business("device not found!", 404)
        return ok({ success: true, data: [{ number: "987654321", date: `${query.get("from")}T12:00:00Z` }] })
      }
    }
    return undefined
  }

  /** Counting, fault injection and the Access-Token check, in the order a real server meets them. */
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? "GET"
    const url = new URL(request.url ?? "/", "http://fake")
    const handler = route(method, url.pathname, url.searchParams)
    if (handler === undefined) {
      // An unknown path or method: 404, as a router answers it (not counted: no documented endpoint was reached).
      request.resume()
      return Server.json(response, 404, { message: "Not Found" })
    }
    counters.requests += 1
    if (await faults.next(request, response)) return void request.resume()
    const contentType = header(request, "content-type")
    seen.push({ method, path: url.pathname, contentType, accept: header(request, "accept") })
    const given = header(request, "access-token")
    const answer = (a: Answer) => {
      request.resume()
      Server.json(response, a.status, a.body)
    }
    if (given === undefined || given.trim() === "") {
      counters.missing += 1
      return answer(forbidden("an Access-Token is required"))
    }
    if (given !== token) {
      counters.rejected += 1
      return answer(forbidden("invalid Access-Token"))
    }
    // The documentation: "JSON bodies, Content-Type: application/json". What a body of another type meets is not
    // documented: switchable (after the token check, as a middleware-ordered server would meet it).
    if (method === "POST" && contentTypeCheck === "reject" && !isJson(contentType)) {
      return answer({ status: 415, body: { success: false, message: "Content-Type must be application/json" } })
    }
    const result = await handler(request)
    Server.json(response, result.status, result.body)
  }

  const started = await Server.start(handle, server)
  faults.attach(started)
  const first = [...devices].find(([, status]) => status === "connected")?.[0] ?? [...devices.keys()][0] ??
    "100200300"
  return {
    ...faults.controls,
    url: `${started.url}/api`,
    token: () => token,
    device: first,
    env: () => ({ WHATSGATE_URL: `${started.url}/api`, WHATSGATE_ACCESS_TOKEN: token, WHATSGATE_DEVICE: first }),
    counters,
    regenerateToken: () => {
      token = Random.token("wg")
      counters.regenerations += 1
      return token
    },
    setDeviceStatus: (id, status) => void devices.set(id, status),
    messages,
    requests: () => [...seen],
    close: started.close
  }
}
