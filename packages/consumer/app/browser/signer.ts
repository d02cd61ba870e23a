// The dApp's side of the wiring: its TON Connect wallet as Nabi's `TonSigner`, through
// `TonSigner.layerFromWallet`. Nothing else in the page knows how a wallet signs.
//
// A TON Connect wallet gives the dApp its account when it connects (`ton_addr`: address, public key,
// `state_init`) and signs nothing raw: it proves the account with a `ton_proof` over a payload the dApp puts
// in the connection request. Nabi's nonce is that payload, known only at sign-in, so the signer reconnects
// with it (as `@tonconnect/ui`'s `setConnectRequestParameters({ state: "ready", value: { tonProof } })` does)
// and hands Nabi the proof; Nabi's client is then in `ton_proof` mode.
import { TonSigner } from "@authfx/nabi"
import type { ConnectEvent, StandInWallet, TonAddressItemReply, TonProofItemReply } from "./wallet.js"

/** Asks the wallet to connect with `items`; a refusal rejects, as the TON Connect SDK's `connect` does. */
const connectWith = async (
  wallet: StandInWallet,
  manifestUrl: string,
  payload?: string
): Promise<Extract<ConnectEvent, { event: "connect" }>> => {
  const event = await wallet.connect({
    manifestUrl,
    items: payload === undefined ? [{ name: "ton_addr" }] : [{ name: "ton_addr" }, { name: "ton_proof", payload }]
  })
  if (event.event === "connect_error") throw new Error(`the wallet refused (${event.payload.code})`)
  return event
}

const accountOf = (event: Extract<ConnectEvent, { event: "connect" }>): TonAddressItemReply => {
  const account = event.payload.items.find((item): item is TonAddressItemReply => item.name === "ton_addr")
  if (account === undefined) throw new Error("the wallet did not share its address")
  return account
}

/** Connects the wallet (the user picks it and approves): its account, as TON Connect's `wallet.account`. */
export const connectAccount = async (wallet: StandInWallet, manifestUrl: string): Promise<TonAddressItemReply> =>
  accountOf(await connectWith(wallet, manifestUrl))

/** The connected wallet as `TonSigner`: its account, and a `ton_proof` over Nabi's nonce on each sign-in. */
export const layerWallet = (wallet: StandInWallet, manifestUrl: string, account: TonAddressItemReply) =>
  TonSigner.layerFromWallet({
    address: account.address,
    publicKey: account.publicKey,
    walletStateInit: account.walletStateInit,
    tonProof: async ({ payload }) => {
      const event = await connectWith(wallet, manifestUrl, payload)
      // The user may have switched accounts in the wallet meanwhile: the proof must be the signer's account's.
      if (accountOf(event).address !== account.address) throw new Error("the wallet answered for another account")
      const reply = event.payload.items.find((item): item is TonProofItemReply => item.name === "ton_proof")
      if (reply === undefined) throw new Error("the wallet gave no ton_proof")
      return reply.proof
    },
    // A person approves each proof in the wallet app; Nabi's nonce lives 5 minutes.
    timeout: "2 minutes"
  })
