/**
 * The Lua scripts of the Redis token store: the tokens as one value, and the short lock under
 * which one process refreshes while the others wait and then read what it stored.
 */
import { script } from "./scripts.js"

/** KEYS: tokens. Answers the stored JSON text, or false. */
export const read = script("readTokens", 1, `return redis.call("GET", KEYS[1])`)

/** KEYS: tokens. ARGV: JSON text. */
export const write = script("writeTokens", 1, `redis.call("SET", KEYS[1], ARGV[1])
return 0`)

/**
 * Takes the lock for `owner` unless someone holds it; it lapses after `ttl` ms whatever
 * happens to its holder. KEYS: lock. ARGV: owner, ttl (ms). Answers 1 when taken, else 0.
 */
export const lock = script(
  "lockTokens",
  1,
  `if redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then return 1 end
return 0`
)

/** Releases the lock if `owner` still holds it. KEYS: lock. ARGV: owner. */
export const unlock = script(
  "unlockTokens",
  1,
  `if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("DEL", KEYS[1]) end
return 0`
)

export const all = [read, write, lock, unlock]
