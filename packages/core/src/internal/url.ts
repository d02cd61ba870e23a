// The URL rules live in @authfx/protocol, shared with the effect 4 line.
export { sanitize as sanitizeUrl } from "@authfx/protocol/Url"
