/**
 * A loopback WhatsGate API, written from WhatsGate's documentation: the
 * `Access-Token` header, its two 403 answers, the documented endpoints and
 * their bodies, validation errors, rate limiting.
 *
 * Where the documentation is silent, the fake makes the behaviour switchable:
 * the status of a `success:false` answer (`businessErrorStatus`, 400 or 200)
 * and what a POST whose body is not declared `application/json` meets
 * (`contentTypeCheck`).
 *
 * @since 0.1.0
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as FakeServer from "./FakeServer.js"
import { type Faults, makeFaults } from "./internal/faults.js"
import { randomToken } from "./internal/random.js"

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
export interface WhatsGateFake extends Faults {
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

const forbidden = (message: string) => HttpServerResponse.unsafeJson({ message }, { status: 403 })

const invalid = (errors: Record<string, ReadonlyArray<string>>) =>
  HttpServerResponse.unsafeJson({ message: "The given data was invalid.", errors }, { status: 422 })

const PHONE = /^\+?[0-9]{6,15}$/

/**
 * Starts the fake for the life of the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<WhatsGateFake, never, Scope.Scope> =>
  Effect.gen(function*() {
    let token = options.token ?? randomToken("wg")
    const devices = new Map<string, DeviceStatus>(Object.entries(options.devices ?? { "100200300": "connected" }))
    const businessStatus = options.businessErrorStatus ?? 400
    const counters: Counters = { requests: 0, rejected: 0, missing: 0, sent: 0, regenerations: 0 }
    const contentTypeCheck = options.contentTypeCheck ?? "reject"
    const seen: Array<SeenRequest> = []
    const messages: Array<{ device: string; phone: string; kind: string }> = []
    const faults = makeFaults()

    const business = (message: string, status = businessStatus) =>
      HttpServerResponse.unsafeJson({ success: false, message }, { status })

    /** Counting, fault injection and the Access-Token check, in the order a real server meets them. */
    const guarded = <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
      Effect.gen(function*() {
        counters.requests += 1
        const fault = yield* faults.next
        if (fault !== undefined) return fault
        const request = yield* HttpServerRequest.HttpServerRequest
        seen.push({
          method: request.method,
          path: new URL(request.url, "http://fake").pathname,
          contentType: request.headers["content-type"],
          accept: request.headers["accept"]
        })
        const given = request.headers["access-token"]
        if (given === undefined || given.trim() === "") {
          counters.missing += 1
          return forbidden("an Access-Token is required")
        }
        if (given !== token) {
          counters.rejected += 1
          return forbidden("invalid Access-Token")
        }
        // The documentation: "JSON bodies, Content-Type: application/json". What a body of another type meets is not
        // documented: switchable (after the token check, as a middleware-ordered server would meet it).
        if (request.method === "POST" && contentTypeCheck === "reject" && !isJson(request.headers["content-type"])) {
          return HttpServerResponse.unsafeJson(
            { success: false, message: "Content-Type must be application/json" },
            { status: 415 }
          )
        }
        return yield* handler
      })

    const isJson = (contentType: string | undefined) => /^application\/json\s*(?:;|$)/i.test((contentType ?? "").trim())

    const body = Effect.flatMap(
      HttpServerRequest.HttpServerRequest,
      (request) =>
        contentTypeCheck === "ignoreBody" && !isJson(request.headers["content-type"])
          ? Effect.succeed({})
          : request.json
    ).pipe(
      Effect.map((u): Record<string, unknown> =>
        typeof u === "object" && u !== null && !Array.isArray(u) ? u as any : {}
      ),
      Effect.orElseSucceed((): Record<string, unknown> => ({}))
    )

    const device = (id: unknown) => typeof id === "string" || typeof id === "number" ? String(id) : undefined

    const send = (kind: "text" | "image" | "video") =>
      guarded(Effect.gen(function*() {
        const input = yield* body
        const errors: Record<string, Array<string>> = {}
        const sender = device(input["sender_device"])
        if (sender === undefined) errors["sender_device"] = ["The sender device field is required."]
        const phone = device(input["phone"])
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
        if (Object.keys(errors).length > 0) return invalid(errors)
        if (!devices.has(sender!)) return business("device not found!", 404)
        if (!PHONE.test(phone!)) return business("Invalid phone number format")
        if (devices.get(sender!) !== "connected") return business("device is not connected")
        counters.sent += 1
        messages.push({ device: sender!, phone: phone!, kind })
        return HttpServerResponse.unsafeJson({ success: true, message: "Message sent successfully" })
      }))

    const withDevice = (
      f: (id: string, status: DeviceStatus) => HttpServerResponse.HttpServerResponse
    ) =>
      guarded(Effect.gen(function*() {
        const params = yield* HttpRouter.params
        const id = params["device"] ?? ""
        const status = devices.get(id)
        return status === undefined ? business("device not found!", 404) : f(id, status)
      }))

    const router = HttpRouter.empty.pipe(
      HttpRouter.post("/api/send/text", send("text")),
      HttpRouter.post("/api/send/image", send("image")),
      HttpRouter.post("/api/send/video", send("video")),
      HttpRouter.get(
        "/api/status/:device",
        withDevice((_, status) => HttpServerResponse.unsafeJson({ success: true, message: status }))
      ),
      HttpRouter.get(
        "/api/connect/:device",
        withDevice((_, status) =>
          status === "connected"
            ? business("device is already connected")
            : HttpServerResponse.unsafeJson({
              success: true,
              qrCode:
                "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
            })
        )
      ),
      HttpRouter.get(
        "/api/reports/balance/:device",
        withDevice(() =>
          HttpServerResponse.unsafeJson({
            success: true,
            remaining: 1000 - counters.sent,
            successful_count: counters.sent,
            pending: 0,
            failed: 0
          })
        )
      ),
      HttpRouter.get(
        "/api/reports/failed_numbers",
        guarded(Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const query = new URL(request.url, "http://fake").searchParams
          const date = /^\d{4}-\d{2}-\d{2}$/
          const errors: Record<string, Array<string>> = {}
          if (!query.get("device")) errors["device"] = ["The device field is required."]
          if (!date.test(query.get("from") ?? "")) errors["from"] = ["The from does not match the format Y-m-d."]
          if (!date.test(query.get("to") ?? "")) errors["to"] = ["The to does not match the format Y-m-d."]
          if (Object.keys(errors).length > 0) return invalid(errors)
          if (!devices.has(query.get("device")!)) return business("device not found!", 404)
          return HttpServerResponse.unsafeJson({
            success: true,
            data: [{ number: "987654321", date: `${query.get("from")}T12:00:00Z` }]
          })
        }))
      ),
      HttpRouter.post(
        "/api/delete",
        guarded(Effect.gen(function*() {
          const input = yield* body
          const id = device(input["sender_device"])
          if (id === undefined) return invalid({ sender_device: ["The sender device field is required."] })
          if (!devices.delete(id)) return business("device not found!", 404)
          return HttpServerResponse.unsafeJson({ success: true, message: "Device deleted successfully" })
        }))
      )
    )

    const started = yield* FakeServer.serve(router)
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
        token = randomToken("wg")
        counters.regenerations += 1
        return token
      },
      setDeviceStatus: (id, status) => void devices.set(id, status),
      messages,
      requests: () => [...seen]
    }
  })
