import { NabiClient, TonSigner } from "@authfx/nabi"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"

// The parts of @tonconnect/ui's TonConnectUI used here, typed structurally: any wallet kit with them fits.
export interface ConnectedAccount {
  readonly address: string
  readonly publicKey?: string | undefined
  readonly walletStateInit: string
}
export interface TonConnectLike {
  readonly signData: (payload: { type: "text"; text: string }) => Promise<TonSigner.WalletSignDataAnswer>
}

// In a browser dApp, once the user has connected a wallet (`tonConnectUI.account`): the wallet signs Nabi's
// nonce with signData (the user approves it there), and requests go out with the browser's fetch.
export const layerTonConnect = (url: string, ui: TonConnectLike, account: ConnectedAccount) =>
  NabiClient.layer({ url, signatureMode: "sign_data" }).pipe(
    Layer.provide(Layer.merge(
      TonSigner.layerFromWallet({
        address: account.address,
        publicKey: account.publicKey ?? "",
        walletStateInit: account.walletStateInit,
        signData: ({ text }) => ui.signData({ type: "text", text })
      }),
      FetchHttpClient.layer
    ))
  )
