/** The coordination service's settings, read once from its options. */
import * as Duration from "effect/Duration"
import type * as Coordination from "../../Coordination.js"

/** The lease kind of renewals (nandbox's connection lease is `owner`). */
export const RENEW = "lease"

export const newOwner = (): string => globalThis.crypto.randomUUID()

export interface Settings {
  readonly leaseMillis: number
  readonly pollMillis: number
  readonly maxWaitMillis: number
  readonly expiredWaitMillis: number
  /** Often enough that a waiter sees a live holder's lease move within `expiredWait`. */
  readonly renewKeepAliveMillis: number
  readonly adoptMargin: number
  readonly cipher: Coordination.Cipher | undefined
}

export const settings = (options: Coordination.Options): Settings => {
  const leaseMillis = Math.max(30, Duration.toMillis(options.lease ?? Duration.seconds(10)))
  const expiredWaitMillis = Math.max(
    10,
    Math.min(leaseMillis, Duration.toMillis(options.expiredWait ?? Duration.seconds(2)))
  )
  return {
    leaseMillis,
    pollMillis: Math.max(5, Duration.toMillis(options.poll ?? Duration.seconds(1))),
    maxWaitMillis: Duration.toMillis(options.maxWait ?? Duration.seconds(60)),
    expiredWaitMillis,
    renewKeepAliveMillis: Math.min(leaseMillis / 3, expiredWaitMillis / 4),
    adoptMargin: Duration.toMillis(options.adoptMargin ?? Duration.seconds(1)),
    cipher: options.cipher
  }
}
