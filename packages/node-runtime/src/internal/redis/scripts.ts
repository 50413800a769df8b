/**
 * The Lua scripts of the Redis rate-limit store. Each runs atomically in Redis, so the
 * read-modify-write of a window or a budget holds across every process that shares it, and
 * each key it writes gets a time to live, so nothing outlives its use.
 *
 * Times are the callers' clocks (epoch ms), as the `RateLimitStore` interface has them, so a
 * slot answered is a time the caller can sleep until however long the answer took to arrive.
 * Processes on several hosts therefore need their clocks in step (NTP): a host behind by more
 * than the limiter's margin could send early.
 */
import { createHash } from "node:crypto"

/** A script with its SHA-1, for `EVALSHA`. */
export interface Script {
  readonly name: string
  readonly lua: string
  readonly sha: string
  readonly keys: number
}

const script = (name: string, keys: number, lua: string): Script => ({
  name,
  lua,
  sha: createHash("sha1").update(lua).digest("hex"),
  keys
})

/**
 * Takes the next slot of a rolling window: an exact sliding log of the last `limit` grant
 * times (a list, oldest first). The slot opens when the `limit`-th latest grant leaves the
 * window, not before the window's hold ends, and never before the latest grant, so the log
 * stays in order even when callers' clocks differ a little.
 *
 * KEYS: log, hold. ARGV: limit, window (ms), now. Answers the time the slot opens.
 */
export const take = script(
  "take",
  2,
  `
local limit = tonumber(ARGV[1])
local window = math.ceil(tonumber(ARGV[2]))
local now = tonumber(ARGV[3])
local at = now
local held = tonumber(redis.call("GET", KEYS[2]))
if held and held > at then at = held end
local length = redis.call("LLEN", KEYS[1])
if length > 0 then
  local latest = tonumber(redis.call("LINDEX", KEYS[1], -1))
  if latest > at then at = latest end
  if length >= limit then
    local opens = tonumber(redis.call("LINDEX", KEYS[1], -limit)) + window
    if opens > at then at = opens end
  end
end
redis.call("RPUSH", KEYS[1], string.format("%d", at))
redis.call("LTRIM", KEYS[1], -limit, -1)
redis.call("PEXPIRE", KEYS[1], at - now + window + 1000)
return at
`
)

/**
 * Keeps a window closed until `until` (or longer, if it already is).
 *
 * KEYS: hold. ARGV: until, now.
 */
export const hold = script(
  "hold",
  1,
  `
local untilTime = math.ceil(tonumber(ARGV[1]))
local now = tonumber(ARGV[2])
local held = tonumber(redis.call("GET", KEYS[1]))
if untilTime > now and (not held or untilTime > held) then
  redis.call("SET", KEYS[1], string.format("%d", untilTime), "PX", untilTime - now + 1000)
end
return 0
`
)

/**
 * Spends `cost` tokens of a daily budget (a hash: `remaining`, absent when unknown, and
 * `resetAt`). A budget whose day is over starts again at `limit` (unknown when empty).
 *
 * KEYS: budget. ARGV: cost, limit ("" when none), now, next midnight, time to live (ms).
 * Answers { 1 when spent else 0, what is left as text, or false when unknown }.
 */
export const spend = script(
  "spend",
  1,
  `
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local stored = redis.call("HMGET", KEYS[1], "remaining", "resetAt")
local remaining = tonumber(stored[1])
local resetAt = tonumber(stored[2])
if not resetAt or now >= resetAt then
  remaining = limit
  redis.call("DEL", KEYS[1])
  redis.call("HSET", KEYS[1], "resetAt", ARGV[4])
  if remaining then redis.call("HSET", KEYS[1], "remaining", string.format("%.17g", remaining)) end
  redis.call("PEXPIRE", KEYS[1], ARGV[5])
end
if not remaining then return { 1, false } end
if remaining < cost then return { 0, string.format("%.17g", remaining) } end
remaining = remaining - cost
redis.call("HSET", KEYS[1], "remaining", string.format("%.17g", remaining))
return { 1, string.format("%.17g", remaining) }
`
)

/**
 * Sets what is left of a daily budget, as Pipedrive reported it, until next midnight.
 *
 * KEYS: budget. ARGV: remaining, next midnight, time to live (ms).
 */
export const report = script(
  "report",
  1,
  `
redis.call("DEL", KEYS[1])
redis.call("HSET", KEYS[1], "remaining", ARGV[1], "resetAt", ARGV[2])
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return 0
`
)
