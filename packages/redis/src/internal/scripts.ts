/**
 * The Lua scripts of the protocol. Each runs atomically on the server, so a
 * check and the write it guards are one step and one round trip.
 *
 * Lua tables stop at the first `nil`, so an absent field is sent as `""`.
 *
 * A record is readable when its key is a hash whose `g` is a whole number in
 * [0, 2^53) and whose `p` is at most 1 MiB. Anything else at the record key (a list, a string, a hash with a
 * `g` that is not a number) is unreadable: it is reported with a `problem`,
 * never handed over for adoption, and `commit` with expected generation -1
 * replaces it (deleting the key first, whatever its type).
 */

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

/** KEYS: lock. ARGV: owner, lease ms. Extends the lock only while `owner` holds it. */
export const extend = `${holds}
if holds(KEYS[1], ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`

/** KEYS: lock. ARGV: owner. Compare-and-delete. */
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
