/**
 * A credential's records: the envelope `{ v: 2, key, account, session }` as JSON (the session in its schema's
 * encoding), sealed by the cipher with the key and account as additional data, and checked on every read.
 */
import * as CoordinationRecord from "@authfx/protocol/CoordinationRecord"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import type * as Coordination from "../../Coordination.js"
import { CoordinationError } from "./errors.js"
import * as Metrics from "./metrics.js"

export type Unreadable = CoordinationRecord.Unreadable

export interface Codec<S> {
  readonly encode: (value: S) => Effect.Effect<string, Coordination.CoordinationError>
  readonly decode: (record: Coordination.StoredRecord) => Effect.Effect<S, Unreadable>
  /** Logs and counts a record that cannot be used; never its content. */
  readonly reportUnreadable: (reason: Unreadable, record: Coordination.StoredRecord) => Effect.Effect<void>
}

export const codec = <S>(
  options: Coordination.SessionOptions<S>,
  cipher: Coordination.Cipher | undefined,
  annotations: Record<string, string>
): Codec<S> => {
  const { key, provider } = options
  const account = options.account ?? key
  const aad = CoordinationRecord.associatedData(key, account)
  const envelope = Schema.parseJson(Schema.Struct({
    v: Schema.Literal(CoordinationRecord.format),
    key: Schema.String,
    account: Schema.String,
    session: options.schema
  }))
  const encodeJson = Schema.encode(envelope)
  const decodeJson = Schema.decode(envelope)

  // A decode error prints the value it failed on: never attached, a record holds tokens.
  const encode = (value: S): Effect.Effect<string, Coordination.CoordinationError> =>
    encodeJson({ v: CoordinationRecord.format, key, account, session: value }).pipe(
      Effect.mapError(() => new CoordinationError({ operation: "encode", reason: "Decode" })),
      Effect.flatMap((plain) => cipher === undefined ? Effect.succeed(plain) : cipher.seal(plain, aad))
    )
  const decode = (record: Coordination.StoredRecord): Effect.Effect<S, Unreadable> => {
    if (record.problem !== undefined || record.generation === CoordinationRecord.unreadable) {
      return Effect.fail("backend")
    }
    return (cipher === undefined ? Effect.succeed(record.payload) : cipher.open(record.payload, aad)).pipe(
      Effect.mapError((): Unreadable => "sealed"),
      Effect.flatMap((plain) => Effect.mapError(decodeJson(plain), (): Unreadable => "garbage")),
      Effect.flatMap((read) =>
        read.key === key && read.account === account &&
          (options.belongsTo === undefined || options.belongsTo(read.session))
          ? Effect.succeed(read.session)
          : Effect.fail<Unreadable>("account")
      )
    )
  }
  const reportUnreadable = (reason: Unreadable, record: Coordination.StoredRecord) =>
    Effect.logWarning(
      `authfx: the shared ${provider} session record cannot be used (${
        CoordinationRecord.describeUnreadable(reason, record.problem)
      }); it is replaced by the next renewal`
    ).pipe(
      Effect.annotateLogs(annotations),
      Effect.zipRight(
        Metric.increment(
          Metric.tagged(Metric.tagged(Metrics.unreadableRecords, "provider", provider), "reason", reason)
        )
      )
    )
  return { encode, decode, reportUnreadable }
}
