// @ton/core (under @authfx/nabi's TonSigner) uses Node's `Buffer` global from the moment it loads, as TON's
// browser libraries do: a TON dApp installs the `buffer` package and sets the global before anything else.
import { Buffer } from "buffer"

const global = globalThis as { Buffer?: unknown }
global.Buffer ??= Buffer
