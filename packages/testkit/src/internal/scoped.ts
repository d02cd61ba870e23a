import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as FakeServer from "../FakeServer.js"

/**
 * A fake of `@authfx/fakes` for the life of the scope: started with the `FakeServer.Cors` setting in effect, closed
 * when the scope closes. The handle is returned without its `close`: the scope owns it.
 */
export const scoped = <H extends { readonly close: () => Promise<void> }>(
  start: (cors: FakeServer.CorsOrigins) => Promise<H>
): Effect.Effect<Omit<H, "close">, never, Scope.Scope> =>
  Effect.flatMap(FakeServer.Cors, (cors) =>
    Effect.acquireRelease(
      Effect.promise(() => start(cors)),
      (handle) => Effect.promise(() => handle.close())
    )).pipe(Effect.map(({ close: _close, ...fake }) => fake))
