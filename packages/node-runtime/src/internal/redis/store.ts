/**
 * The `RateLimitStore` over a Redis connection: the memory store's semantics (core's
 * `RateLimit.makeMemoryStore`), with the state in Redis and every update a script.
 */
import { RateLimit } from "@effect-pipedrive/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Connection } from "./connection.js"
import * as Scripts from "./scripts.js"

/** Every script the store runs. */
export const scripts: ReadonlyArray<Scripts.Script> = [
  Scripts.admit,
  Scripts.release,
  Scripts.hold,
  Scripts.spend,
  Scripts.report
]

/** A budget key outlives its day by this much; after midnight it is refilled anyway. */
const budgetGraceMillis = 60_000

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
 * The store. Keys are `<prefix><key>:log`, `<prefix><key>:hold` and `<prefix><key>:seq` for a window,
 * `<prefix><key>:budget` for a daily budget, where `key` is what core passes: a digest of the
 * token, never the token.
 */
export const make = (connection: Connection, prefix: string): RateLimit.RateLimitStore["Type"] => {
  const keyOf = (key: string, part: string) => `${prefix}${key}:${part}`
  return {
    admit: ({ key, leaseMillis, limit, now, windowMillis }) =>
      Effect.flatMap(
        connection.run(
          Scripts.admit,
          [keyOf(key, "log"), keyOf(key, "hold"), keyOf(key, "seq")],
          [limit, Math.ceil(windowMillis), Math.ceil(leaseMillis), Math.floor(now)]
        ),
        (reply): Effect.Effect<RateLimit.Admission, RateLimit.RateLimitStoreUnavailable> => {
          const value = Array.isArray(reply) ? numberOf(reply[1]) : undefined
          if (value === undefined || (reply as Array<unknown>)[0] !== 0 && (reply as Array<unknown>)[0] !== 1) {
            return Effect.fail(malformed(connection, Scripts.admit, reply))
          }
          return Effect.succeed(
            (reply as Array<unknown>)[0] === 1
              ? { _tag: "Admitted", ticket: String(value) }
              : { _tag: "Wait", until: value }
          )
        }
      ),
    release: ({ key, ticket, until }) =>
      Effect.asVoid(connection.run(Scripts.release, [keyOf(key, "log")], [ticket, Math.ceil(until)])),
    hold: (key, until) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        until <= now
          ? Effect.void
          : Effect.asVoid(connection.run(Scripts.hold, [keyOf(key, "hold")], [Math.ceil(until), now]))),
    spend: ({ cost, key, limit, now, resetAt }) =>
      Effect.flatMap(
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
      ),
    report: ({ key, now, remaining, resetAt }) =>
      Effect.asVoid(
        connection.run(Scripts.report, [keyOf(key, "budget")], [remaining, resetAt, resetAt - now + budgetGraceMillis])
      )
  }
}
