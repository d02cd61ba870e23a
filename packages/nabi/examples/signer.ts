import { NabiClient, TonSigner } from "@authfx/nabi"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

// Any signer can stand in for the mnemonic: a remote wallet, an HSM, a ton_proof flow.
// Here, a stand-in that forwards to a signing function of the application.
export const remoteSigner = (
  address: string,
  publicKey: Uint8Array,
  signRemotely: (message: Uint8Array) => Promise<Uint8Array>
) =>
  Layer.succeed(TonSigner.TonSigner, {
    address,
    publicKey,
    sign: (message) => Effect.promise(() => signRemotely(message))
  })

export const layerWithSigner = (url: string, signer: Layer.Layer<TonSigner.TonSigner>) =>
  NabiClient.layer({ url, signatureEncoding: "hex" }).pipe(
    Layer.provide(Layer.merge(signer, NodeHttpClient.layerUndici))
  )
