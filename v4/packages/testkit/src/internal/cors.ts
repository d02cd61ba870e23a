import * as Context from "effect/Context"

/** Which browser origins may call a fake (`FakeServer.CorsOrigins`). */
export type CorsOrigins = false | "*" | ReadonlyArray<string>

/**
 * `FakeServer.Cors`, here so that the fakes read it without importing `FakeServer` (and with it
 * `@effect/platform-node`, which only `FakeServer.serve` needs).
 */
export const Cors: Context.Reference<CorsOrigins> = Context.Reference<CorsOrigins>(
  "@authfx/testkit/FakeServer/Cors",
  { defaultValue: (): CorsOrigins => false }
)
