/**
 * The Lua scripts of the Redis rate-limit store. Each runs atomically in Redis, so the
 * read-modify-write of a window or a budget holds across every process that shares it, and
 * each key it writes gets a time to live, so nothing outlives its use.
 *
 * Times are the callers' clocks (epoch ms), as the `RateLimitStore` interface has them.
 * Processes on several hosts need their clocks in step (NTP): a slot is counted until a window
 * after its answer by the clock of the process that got the answer.
 */
import { createHash } from "node:crypto"

/** A script with its SHA-1, for `EVALSHA`. */
export interface Script {
  readonly name: string
  readonly lua: string
  readonly sha: string
  readonly keys: number
}

export const script = (name: string, keys: number, lua: string): Script => ({
  name,
  lua,
  sha: createHash("sha1").update(lua).digest("hex"),
  keys
})

/**
 * Admits a request into a rolling window: a sorted set of tickets scored by the time until
 * which each counts (in flight: admission + lease; answered: answer + window). Tickets whose
 * time has passed leave first; then a request is admitted when the window is not held and
 * fewer than `limit` remain. Otherwise the answer is when to ask again: the earliest time a
 * counted ticket leaves, and no later than a window from now (an answer arriving now frees
 * its slot then).
 *
 * KEYS: log, hold, ticket sequence. ARGV: limit, window (ms), lease (ms), now.
 * Answers { 1, ticket } or { 0, time to ask again }.
 */
export const admit = script(
  "admit",
  3,
  `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
local held = tonumber(redis.call("GET", KEYS[2]))
if held and held > now then return { 0, held } end
if redis.call("ZCARD", KEYS[1]) < limit then
  local ticket = redis.call("INCR", KEYS[3])
  local ttl = lease + 2 * window + 1000
  redis.call("ZADD", KEYS[1], now + lease, ticket)
  redis.call("PEXPIRE", KEYS[1], ttl)
  redis.call("PEXPIRE", KEYS[3], ttl)
  return { 1, ticket }
end
local earliest = tonumber(redis.call("ZRANGE", KEYS[1], 0, 0, "WITHSCORES")[2])
local again = now + window
if earliest < again then again = earliest end
return { 0, again }
`
)

/**
 * The request of a ticket was answered: it counts until the time given. A ticket that left
 * already (its lease ran out) stays gone.
 *
 * KEYS: log. ARGV: ticket, until.
 */
export const release = script(
  "release",
  1,
  `
redis.call("ZADD", KEYS[1], "XX", ARGV[2], ARGV[1])
return 0
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
