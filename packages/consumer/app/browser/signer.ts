// The dApp's side of the wiring: the connected wallet as Nabi's `TonSigner`, a custom Layer that provides
// the `TonSigner` tag. Nothing else in the page knows how signatures are made.
import * as AuthError from "@authfx/core/AuthError"
import { TonSigner } from "@authfx/nabi"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { base64, type ConnectedWallet } from "./wallet.js"

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16))

export const layerWallet = (wallet: ConnectedWallet): Layer.Layer<TonSigner.TonSigner> =>
  Layer.succeed(TonSigner.TonSigner, {
    address: wallet.account.address,
    publicKey: fromHex(wallet.account.publicKey),
    sign: (message) =>
      Effect.tryPromise({
        try: () => wallet.signData({ type: "binary", bytes: base64.encode(message) }),
        // The user declined in the wallet, or the wallet went away: the login is refused, typed.
        catch: (cause) =>
          new AuthError.CredentialsRejected({
            provider: "nabi",
            reason: "BadSignature",
            description: `the wallet did not sign: ${cause instanceof Error ? cause.message : String(cause)}`
          })
      }).pipe(Effect.map(({ signature }) => base64.decode(signature)))
  })
