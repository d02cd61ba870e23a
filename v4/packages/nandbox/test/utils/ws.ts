import * as Layer from "effect/Layer"
import * as Socket from "effect/socket/Socket"
import { WebSocket } from "ws"

/**
 * The `ws` package's client as effect 4's `WebSocketConstructor`: what the v3 tests get from
 * `NodeSocket.layerWebSocketConstructor` (the v4 workspace has no `@effect/platform-node` yet). Unlike the WHATWG
 * `WebSocket` (Node 22's global, browsers), it lets a client close with any valid code (1009 for a frame too large).
 */
export const layerWs: Layer.Layer<Socket.WebSocketConstructor> = Layer.succeed(Socket.WebSocketConstructor)(
  (url) => new WebSocket(url) as unknown as Socket.WebSocketLike
)
