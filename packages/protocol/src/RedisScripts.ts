/**
 * Fleet coordination on Redis (`@authfx/redis`, both lines): the key names,
 * the Lua scripts of the protocol, how their replies read as records, and how
 * a failure is classified and shown. Each script runs atomically on the
 * server, so a check and the write it guards are one step and one round trip.
 *
 * Lua tables stop at the first `nil`, so an absent field is sent as `""`.
 *
 * A record is readable when its key is a hash whose `g` is a whole number in
 * [0, 2^53) and whose `p` is at most 1 MiB. Anything else at the record key (a list, a string, a hash with a
 * `g` that is not a number) is unreadable: it is reported with a `problem`,
 * never handed over for adoption, and `commit` with expected generation -1
 * replaces it (deleting the key first, whatever its type).
 *
 * @since 0.1.0
 */
import * as CoordinationRecord from "./CoordinationRecord.js"

/**
 * Makes the lease key usable: a key of another type there cannot be a lease
 * (deleted), and a lease without an expiry (set by hand, or by a client that
 * is gone) would block the fleet for ever (given the lease's length).
 */
const saneLease = `
local function saneLease(key, lease)
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then return end
  if kind ~= 'string' then
    redis.call('DEL', key)
  elseif redis.call('PTTL', key) == -1 then
    redis.call('PEXPIRE', key, lease)
  end
end
`

/** Whether `owner` holds the lease at `key` (false for a key of another type). */
const holds = `
local function holds(key, owner)
  return redis.call('TYPE', key)['ok'] == 'string' and redis.call('GET', key) == owner
end
`

/** Reads the record at `key`: nil when absent, `{g, p}` when readable, `{-1, '', problem}` when not. */
const readRecord = `
local function readRecord(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then return nil end
  if kind ~= 'hash' then return {-1, '', 'the key holds a ' .. kind .. ', not a hash'} end
  -- A session is a few KiB: a record far larger is not one, and is not shipped to every replica on every read.
  if redis.call('HSTRLEN', key, 'p') > 1048576 then return {-1, '', 'the record is larger than 1 MiB'} end
  local fields = redis.call('HMGET', key, 'g', 'p')
  local g = tonumber(fields[1])
  if g == nil or g ~= g or g < 0 or g >= 9007199254740992 or g ~= math.floor(g) then
    return {-1, '', 'its generation is not a number'}
  end
  return {g, fields[2] or '', nil, fields[1]}
end
`

/**
 * KEYS: lock, record. ARGV: owner, lease ms, known generation (-1: always).
 * Reads the record; if it is readable and newer than the caller's generation,
 * returns it without touching the lock (the caller adopts it: one round trip,
 * nothing to release). Otherwise takes the lock if free (or extends it if
 * ours). Returns {held, ttl, generation, payload, problem}.
 *
 * @since 0.1.0
 * @category scripts
 */
export const tryLease = `${readRecord}${saneLease}
local record = readRecord(KEYS[2])
local known = tonumber(ARGV[3])
if known >= 0 and record and record[3] == nil and record[1] > known then
  return {0, 0, record[4], record[2], ''}
end
saneLease(KEYS[1], ARGV[2])
local held = 0
local ttl
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  held = 1
  ttl = tonumber(ARGV[2])
elseif redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  held = 1
  ttl = tonumber(ARGV[2])
else
  ttl = redis.call('PTTL', KEYS[1])
end
if record == nil then return {held, ttl, '', '', ''} end
if record[3] then return {held, ttl, '', '', record[3]} end
return {held, ttl, record[4], record[2], ''}
`

/** KEYS: lock. ARGV: owner, lease ms. Extends the lock only while `owner` holds it.
 *
 * @since 0.1.0
 * @category scripts
 */
export const extend = `${holds}
if holds(KEYS[1], ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`

/** KEYS: lock. ARGV: owner. Compare-and-delete.
 *
 * @since 0.1.0
 * @category scripts
 */
export const release = `${holds}
if holds(KEYS[1], ARGV[1]) then
  return redis.call('DEL', KEYS[1])
end
return 0
`

/**
 * KEYS: lock, record. ARGV: owner, expected generation (-1: an unreadable
 * record, or none), payload, channel, floor. Writes generation
 * max(expected + 1, floor) only if the stored record is still the expected
 * one (the fencing token), publishes it and releases the lock. Otherwise
 * returns {0, generation, payload, problem} of the stored record.
 *
 * @since 0.1.0
 * @category scripts
 */
export const commit = `${readRecord}${holds}
local record = readRecord(KEYS[2])
local expected = tonumber(ARGV[2])
local replaceable
if expected == -1 then
  replaceable = record == nil or record[3] ~= nil
else
  replaceable = (record == nil and expected == 0) or (record ~= nil and record[3] == nil and record[1] == expected)
end
if not replaceable then
  if record == nil then return {0, '', '', ''} end
  if record[3] then return {0, '', '', record[3]} end
  return {0, record[4], record[2], ''}
end
if record ~= nil and record[3] then redis.call('DEL', KEYS[2]) end
local generation = math.max(math.max(expected, 0) + 1, tonumber(ARGV[5]))
local text = string.format('%d', generation)
redis.call('HSET', KEYS[2], 'g', text, 'p', ARGV[3])
if holds(KEYS[1], ARGV[1]) then
  redis.call('DEL', KEYS[1])
end
redis.call('PUBLISH', ARGV[4], text)
return {1, text}
`

/**
 * The keys of a credential under `prefix`, in one hash tag (Redis Cluster):
 * the lease `lock`, the record, and the channel of its generations.
 *
 * @since 0.1.0
 * @category constructors
 */
export const names = (
  prefix: string,
  key: string,
  lock: string
): { readonly lock: string; readonly record: string; readonly channel: string } => {
  const base = `${prefix}:{${tag(key)}}`
  return { lock: `${base}:${lock}`, record: `${base}:session`, channel: `${base}:generation` }
}

/**
 * Braces end a hash tag early: keep them out of the tag.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tag = (key: string): string => key.replace(/[{}]/g, "_")

/**
 * The pattern of the generation channels under `prefix`, and the (tagged)
 * key of one of its channels, or `undefined` for another channel.
 *
 * @since 0.1.0
 * @category constructors
 */
export const channels = (prefix: string): {
  readonly pattern: string
  readonly keyOf: (channel: string) => string | undefined
} => {
  const start = `${prefix}:{`
  const end = "}:generation"
  return {
    pattern: `${start}*${end}`,
    keyOf: (channel) =>
      channel.startsWith(start) && channel.endsWith(end)
        ? channel.slice(start.length, channel.length - end.length)
        : undefined
  }
}

/**
 * The part of an error that is safe to show: ioredis messages never carry
 * command arguments, but be sure.
 *
 * @since 0.1.0
 * @category constructors
 */
export const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message.slice(0, 120)}` : "unknown error"

/**
 * Whether Redis refused the client's credentials or permissions: `NOAUTH`
 * (a password is required), `WRONGPASS` (a wrong password or user), `NOPERM`
 * (an ACL user without the commands or keys it needs), and the replies of
 * servers before ACLs.
 *
 * @since 0.1.0
 * @category guards
 */
export const isAuthenticationError = (error: unknown): boolean =>
  error instanceof Error &&
  /^(NOAUTH|WRONGPASS|NOPERM)\b|^ERR (invalid password|invalid username-password|AUTH <password> called without|Client sent AUTH)/i
    .test(error.message)

/**
 * Whether a failure is ioredis's own `commandTimeout`: the command was sent
 * and may still run.
 *
 * @since 0.1.0
 * @category guards
 */
export const isCommandTimeout = (error: unknown): boolean =>
  error instanceof Error && /^Command timed out/.test(error.message)

/**
 * A record as the scripts return it (generation, payload, problem; `""` for
 * absent).
 *
 * @since 0.1.0
 * @category constructors
 */
export const recordOf = (
  generation: string | undefined,
  payload: string | undefined,
  problem: string | undefined
): CoordinationRecord.StoredRecord | undefined => {
  if (problem !== undefined && problem !== "") {
    return { generation: CoordinationRecord.unreadable, payload: "", problem }
  }
  if (generation === undefined || generation === "") return undefined
  const g = Number(generation)
  // The script checked it; a number the client reads differently is unreadable all the same.
  if (!Number.isSafeInteger(g) || g < 0) {
    return { generation: CoordinationRecord.unreadable, payload: "", problem: "its generation is not a number" }
  }
  return { generation: g, payload: payload ?? "" }
}

/**
 * `tryLease`'s reply read: -2 (the lock vanished between SET and PTTL) is a
 * lapsed lease.
 *
 * @since 0.1.0
 * @category constructors
 */
export const leaseAttemptOf = (
  [held, ttl, generation, payload, problem]: readonly [number, number, string, string, string]
): CoordinationRecord.LeaseAttempt => ({
  held: held === 1,
  record: recordOf(generation, payload, problem),
  ttlMillis: ttl < 0 ? 0 : ttl
})

/**
 * `commit`'s reply read.
 *
 * @since 0.1.0
 * @category constructors
 */
export const commitResultOf = (
  [ok, generation, stored, problem]: readonly [number, string, string?, string?]
): CoordinationRecord.CommitResult =>
  ok === 1
    ? { committed: true, generation: Number(generation) }
    : { committed: false, record: recordOf(generation, stored, problem) }
