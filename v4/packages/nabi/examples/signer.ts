import { NabiClient, TonSigner } from "@authfx/nabi"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"

// Any signer can stand in for the mnemonic: a remote wallet, an HSM. Here, a signing function of the
// application; a rejected promise is a typed CredentialsRejected, a slow one a TransportError(Timeout).
export const remoteSigner = (
  address: string,
  publicKey: Uint8Array,
  signRemotely: (message: Uint8Array) => Promise<Uint8Array>
) => TonSigner.layerFromWallet({ address, publicKey, sign: signRemotely, timeout: "10 seconds" })

export const layerWithSigner = <E>(url: string, signer: Layer.Layer<TonSigner.TonSigner, E>) =>
  NabiClient.layer({ url, signatureMode: "raw", signatureEncoding: "hex" }).pipe(
    Layer.provide(Layer.merge(signer, FetchHttpClient.layer))
  )
