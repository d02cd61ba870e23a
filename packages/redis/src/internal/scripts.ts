/**
 * The Lua scripts of the protocol. Each runs atomically on the server, so a
 * check and the write it guards are one step and one round trip.
 *
 * Lua tables stop at the first `nil`, so an absent field is sent as `""`.
 */

/**
 * KEYS: lock, record. ARGV: owner, lease ms, known generation (-1: always).
 * Reads the record; if it is newer than the caller's generation, returns it
 * without touching the lock (the caller adopts it: one round trip, nothing to
 * release). Otherwise takes the lock if free (or extends it if ours).
 */
export const tryLease = `
local record = redis.call('HMGET', KEYS[2], 'g', 'p')
local known = tonumber(ARGV[3])
if known >= 0 and record[1] and tonumber(record[1]) > known then
  return {0, 0, record[1], record[2] or ''}
end
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
return {held, ttl, record[1] or '', record[2] or ''}
`

/** KEYS: lock. ARGV: owner, lease ms. Extends the lock only while `owner` holds it. */
export const extend = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`

/** KEYS: lock. ARGV: owner. Compare-and-delete. */
export const release = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`

/**
 * KEYS: lock, record. ARGV: owner, expected generation, payload, channel, floor.
 * Writes generation max(expected + 1, floor) only if the stored generation is
 * still the expected one (the fencing token), publishes it and releases the
 * lock.
 */
export const commit = `
local current = tonumber(redis.call('HGET', KEYS[2], 'g') or '0')
if current ~= tonumber(ARGV[2]) then
  local record = redis.call('HMGET', KEYS[2], 'g', 'p')
  return {0, record[1] or '', record[2] or ''}
end
local generation = math.max(current + 1, tonumber(ARGV[5]))
redis.call('HSET', KEYS[2], 'g', generation, 'p', ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
redis.call('PUBLISH', ARGV[4], generation)
return {1, tostring(generation)}
`
