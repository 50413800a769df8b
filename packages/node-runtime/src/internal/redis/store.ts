/**
 * The `RateLimitStore` over a Redis connection: the memory store's semantics (core's
 * `RateLimit.makeMemoryStore`), with the state in Redis and every update a script.
 */
import { RateLimit } from "@effect-pipedrive/core"
import { Clock, Effect } from "effect"
import type { Connection } from "./connection.js"
import * as Scripts from "./scripts.js"

/** Every script the store runs. */
export const scripts: ReadonlyArray<Scripts.Script> = [Scripts.take, Scripts.hold, Scripts.spend, Scripts.report]

/** A budget key outlives its day by this much; after midnight it is refilled anyway. */
const budgetGraceMillis = 60_000

const nextMidnightUtc = (now: number): number => {
  const date = new Date(now)
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1)
}

const malformed = (connection: Connection, script: Scripts.Script, reply: unknown) =>
  new RateLimit.RateLimitStoreUnavailable({
    reason: `${connection.target}: unexpected reply to ${script.name}: ${JSON.stringify(reply)}`
  })

/** The finite number given as a number or as text, else `undefined`. */
const numberOf = (value: unknown): number | undefined => {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN
  return Number.isFinite(n) ? n : undefined
}

/**
 * The store. Keys are `<prefix><key>:log` and `<prefix><key>:hold` for a window,
 * `<prefix><key>:budget` for a daily budget, where `key` is what core passes: a digest of the
 * token, never the token.
 */
export const make = (connection: Connection, prefix: string): RateLimit.RateLimitStore["Type"] => {
  const keyOf = (key: string, part: string) => `${prefix}${key}:${part}`
  return {
    take: ({ key, limit, now, windowMillis }) =>
      Effect.flatMap(
        connection.run(Scripts.take, [keyOf(key, "log"), keyOf(key, "hold")], [limit, windowMillis, Math.floor(now)]),
        (reply) => {
          const at = numberOf(reply)
          return at === undefined ? Effect.fail(malformed(connection, Scripts.take, reply)) : Effect.succeed(at)
        }
      ),
    hold: (key, until) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        until <= now
          ? Effect.void
          : Effect.asVoid(connection.run(Scripts.hold, [keyOf(key, "hold")], [Math.ceil(until), now]))),
    spend: ({ cost, key, limit, now }) => {
      const resetAt = nextMidnightUtc(now)
      return Effect.flatMap(
        connection.run(
          Scripts.spend,
          [keyOf(key, "budget")],
          [cost, limit ?? "", now, resetAt, resetAt - now + budgetGraceMillis]
        ),
        (reply) => {
          if (!Array.isArray(reply) || (reply[0] !== 0 && reply[0] !== 1)) {
            return Effect.fail(malformed(connection, Scripts.spend, reply))
          }
          const remaining = reply[1] === null ? undefined : numberOf(reply[1])
          if (reply[1] !== null && remaining === undefined) {
            return Effect.fail(malformed(connection, Scripts.spend, reply))
          }
          return Effect.succeed({ spent: reply[0] === 1, remaining })
        }
      )
    },
    report: (key, remaining, now) => {
      const resetAt = nextMidnightUtc(now)
      return Effect.asVoid(
        connection.run(Scripts.report, [keyOf(key, "budget")], [remaining, resetAt, resetAt - now + budgetGraceMillis])
      )
    }
  }
}
