// The 64-bit identifier rule lives in @authfx/protocol, shared with the effect 4 line.
export { parseFrame, quoteLongIntegers } from "@authfx/protocol/NandboxIds"
