import * as Layer from "effect/Layer"
import * as Socket from "effect/socket/Socket"
import WebSocket from "ws"

/**
 * The `ws` package's client as effect 4's `WebSocketConstructor`, written as the README's "Which WebSocket on Node"
 * shows it: what the v3 tests get from effect 3's `NodeSocket.layerWebSocketConstructor`. Unlike the WHATWG
 * `WebSocket` (Node 22's global, browsers), it lets a client close with any valid code (1009 for a frame too large).
 */
export const layerWs: Layer.Layer<Socket.WebSocketConstructor> = Layer.succeed(Socket.WebSocketConstructor)((
  url,
  options
) =>
  typeof options === "object" && !Array.isArray(options)
    ? new WebSocket(url, options.protocols, { headers: options.headers })
    : new WebSocket(url, options)
)
