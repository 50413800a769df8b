/**
 * Client-side rate limiting that keeps a program inside Pipedrive's limits: the rolling burst
 * window per token, the separate search window, and the daily token budget weighted by each
 * endpoint's cost. It adapts to the `x-ratelimit-*` headers of every response, so an
 * unknown plan converges instead of causing a storm of 429s.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import { Clock, Context, Duration, Effect, Layer, Schema } from "effect"
import type { Operation, Window } from "./Endpoints.js"
import { DailyBudgetExhausted, RateLimitStoreError } from "./Errors.js"
import { nextMidnightUtc, readRateLimitHeaders } from "./internal/headers.js"

/**
 * Pipedrive's plans.
 *
 * @since 0.1.0
 */
export type Plan = "lite" | "growth" | "premium" | "ultimate"

const burstPerPlan: Record<Plan, number> = { lite: 20, growth: 40, premium: 100, ultimate: 120 }
const dailyMultiplier: Record<Plan, number> = { lite: 1, growth: 2, premium: 5, ultimate: 7 }

/**
 * Explicit limits. Whatever is left out is learned from response headers.
 *
 * @since 0.1.0
 */
export interface Limits {
  /** Requests per burst window. Default: learned from `x-ratelimit-limit`, starting at 20 (the lowest plan). */
  readonly requestsPerWindow?: number | undefined
  /** Search requests per window (default 10, every plan). */
  readonly searchRequestsPerWindow?: number | undefined
  /** The rolling window (default 2 seconds). */
  readonly window?: Duration.DurationInput | undefined
  /** The company's daily token budget. Default: learned from `x-daily-ratelimit-token-*`. */
  readonly dailyTokens?: number | undefined
  /**
   * Extra spacing between a send and the send `limit` places later, so that requests which
   * reach Pipedrive a little later or earlier than they left never put more than `limit` into
   * one of its windows (default: 5% of the window, at least 20 ms).
   */
  readonly margin?: Duration.DurationInput | undefined
}

/**
 * The limits of a plan: OAuth apps get four times the burst of an API token; the daily budget
 * is 30,000 tokens × the plan's multiplier × seats, known only when `seats` is given.
 *
 * @since 0.1.0
 */
export const forPlan = (plan: Plan, options?: {
  readonly auth?: "apiToken" | "oauth" | undefined
  readonly seats?: number | undefined
}): Limits => ({
  requestsPerWindow: burstPerPlan[plan] * (options?.auth === "oauth" ? 4 : 1),
  searchRequestsPerWindow: 10,
  window: Duration.seconds(2),
  dailyTokens: options?.seats === undefined ? undefined : 30_000 * dailyMultiplier[plan] * options.seats
})

/**
 * The rate-limit state as last seen, readable at any time.
 *
 * @since 0.1.0
 */
export interface RateLimitInfo {
  /** Requests per burst window: configured, else from `x-ratelimit-limit`. */
  readonly limit: number | undefined
  /** Requests left in the current window, per the last response. */
  readonly remaining: number | undefined
  /** When the current window resets, per the last response. */
  readonly resetAt: Date | undefined
  /** The daily token budget: configured, else from `x-daily-ratelimit-token-limit`. */
  readonly dailyLimit: number | undefined
  /** Daily tokens left: as Pipedrive last reported, less what was spent since. */
  readonly dailyRemaining: number | undefined
  /** When the last response was seen. */
  readonly updatedAt: Date | undefined
}

/**
 * What a store fails with when it cannot answer (a shared store such as Redis that is down or
 * too slow). The limiter turns it into the request's `RateLimitStoreError`, with method and path.
 *
 * @since 0.1.0
 */
export class RateLimitStoreUnavailable
  extends Schema.TaggedError<RateLimitStoreUnavailable>()("RateLimitStoreUnavailable", { reason: Schema.String })
{
  override get message() {
    return `rate-limit store unavailable: ${this.reason}`
  }
}

/**
 * Where the windows and the daily budget are counted. A client counts in its own memory
 * unless this service is in its context: then it counts there, under a digest of its token,
 * so every client (and, with a shared store such as node-runtime's `RedisStore`, every
 * process) behind one token shares one set of limits. Times are epoch milliseconds.
 *
 * @since 0.1.0
 */
export class RateLimitStore extends Context.Tag("@effect-pipedrive/core/RateLimitStore")<RateLimitStore, {
  /**
   * Takes the next slot of the rolling window `key` (at most `limit` sends per `windowMillis`)
   * and answers the time it opens: `now` when the window has room.
   */
  readonly take: (options: {
    readonly key: string
    readonly limit: number
    readonly windowMillis: number
    readonly now: number
  }) => Effect.Effect<number, RateLimitStoreUnavailable>
  /** Keeps the window `key` closed until `until`. */
  readonly hold: (key: string, until: number) => Effect.Effect<void, RateLimitStoreUnavailable>
  /**
   * Spends `cost` tokens of the daily budget `key` (refilled to `limit` at midnight UTC when a
   * limit is configured); answers what is left, or `spent: false` when fewer than `cost` were.
   */
  readonly spend: (options: {
    readonly key: string
    readonly cost: number
    readonly limit: number | undefined
    readonly now: number
  }) => Effect.Effect<{ readonly spent: boolean; readonly remaining: number | undefined }, RateLimitStoreUnavailable>
  /** Sets the tokens left in the daily budget `key` to what Pipedrive reported. */
  readonly report: (key: string, remaining: number, now: number) => Effect.Effect<void, RateLimitStoreUnavailable>
}>() {}

interface SlidingLog {
  /** Grant times of the last `limit` sends, oldest at `head`. */
  times: Array<number>
  head: number
  heldUntil: number
}

const resize = (window: SlidingLog, limit: number): void => {
  const ordered = [...window.times.slice(window.head), ...window.times.slice(0, window.head)]
  const kept = ordered.slice(Math.max(0, ordered.length - limit))
  window.times = [...Array<number>(limit - kept.length).fill(-Infinity), ...kept]
  window.head = 0
}

/**
 * A store in this process's memory: an exact sliding log per window, so no window of the
 * clock ever holds more than `limit` sends.
 *
 * @since 0.1.0
 */
export const makeMemoryStore = (): RateLimitStore["Type"] => {
  const windows = new Map<string, SlidingLog>()
  const budgets = new Map<string, { remaining: number | undefined; resetAt: number }>()
  const windowOf = (key: string) => {
    let window = windows.get(key)
    if (window === undefined) {
      window = { times: [], head: 0, heldUntil: -Infinity }
      windows.set(key, window)
    }
    return window
  }
  return {
    take: ({ key, limit, now, windowMillis }) =>
      Effect.sync(() => {
        const window = windowOf(key)
        if (window.times.length !== limit) resize(window, limit)
        const at = Math.max(now, window.times[window.head]! + windowMillis, window.heldUntil)
        window.times[window.head] = at
        window.head = (window.head + 1) % limit
        return at
      }),
    hold: (key, until) =>
      Effect.sync(() => {
        const window = windowOf(key)
        window.heldUntil = Math.max(window.heldUntil, until)
      }),
    spend: ({ cost, key, limit, now }) =>
      Effect.sync(() => {
        let budget = budgets.get(key)
        if (budget === undefined || now >= budget.resetAt) {
          budget = { remaining: limit, resetAt: nextMidnightUtc(now).getTime() }
          budgets.set(key, budget)
        }
        if (budget.remaining === undefined) return { spent: true, remaining: undefined }
        if (budget.remaining < cost) return { spent: false, remaining: budget.remaining }
        budget.remaining -= cost
        return { spent: true, remaining: budget.remaining }
      }),
    report: (key, remaining, now) =>
      Effect.sync(() => {
        budgets.set(key, { remaining, resetAt: nextMidnightUtc(now).getTime() })
      })
  }
}

/**
 * The in-memory store as a layer: provided below several clients of one process, they share
 * its limits (each token counted apart).
 *
 * @since 0.1.0
 */
export const layerMemoryStore: Layer.Layer<RateLimitStore> = Layer.sync(RateLimitStore, makeMemoryStore)

/**
 * What the HTTP pipeline asks of rate limiting.
 *
 * @since 0.1.0
 */
export interface Limiter {
  /** Waits for room in the windows this operation counts against and spends its tokens. */
  readonly acquire: (operation: Operation, path: string) => Effect.Effect<void, DailyBudgetExhausted | RateLimitStoreError>
  /**
   * Learns from the headers of any response. The `x-ratelimit-*` headers describe the window
   * the request counted against, so a search response never shrinks or holds the burst window.
   */
  readonly observe: (headers: Headers.Headers, window: Window) => Effect.Effect<void, RateLimitStoreUnavailable>
  /** Holds every request of a window back for `millis` (after a 429). */
  readonly pause: (window: Window, millis: number) => Effect.Effect<void, RateLimitStoreUnavailable>
  readonly info: Effect.Effect<RateLimitInfo>
}

const defaultLearningLimit = 20

/**
 * A limiter over a store. `key` identifies the token (a hash, never the token itself); with
 * `enforce: false` it only records what the headers say, for `RateLimitInfo`.
 *
 * @since 0.1.0
 */
export const makeLimiter = (options: {
  readonly key: string
  readonly limits: Limits
  readonly store: RateLimitStore["Type"]
  readonly enforce: boolean
}): Limiter => {
  const { key, limits, store } = options
  const serverWindowMillis = Duration.toMillis(limits.window ?? Duration.seconds(2))
  const windowMillis = serverWindowMillis +
    (limits.margin === undefined ? Math.max(20, serverWindowMillis / 20) : Duration.toMillis(limits.margin))
  const searchLimit = limits.searchRequestsPerWindow ?? 10
  const burstKey = `${key}:burst`
  const searchKey = `${key}:search`
  const dailyKey = `${key}:daily`
  let info: RateLimitInfo = {
    limit: limits.requestsPerWindow,
    remaining: undefined,
    resetAt: undefined,
    dailyLimit: limits.dailyTokens,
    dailyRemaining: limits.dailyTokens,
    updatedAt: undefined
  }
  const burstLimit = () => limits.requestsPerWindow ?? info.limit ?? defaultLearningLimit

  // A slot used later than this after it opened (a timer that fired late on a busy event
  // loop, a shared store that answered slowly) would eat into the margin the transport needs:
  // its request could share one of Pipedrive's windows with the `limit`-th next. Such a slot is
  // left unused (it only makes the window stricter) and another is taken, a few times at most.
  const staleAfterMillis = (windowMillis - serverWindowMillis) / 2
  const maxRetakes = 3

  const waitFor = (window: string, slotKey: string, limit: number, operation: Operation) => {
    const attempt = (retakes: number): Effect.Effect<void, RateLimitStoreUnavailable> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(store.take({ key: slotKey, limit, windowMillis, now }), (at) =>
          // The clock is read again: a shared store's answer took time to arrive.
          Effect.flatMap(Clock.currentTimeMillis, (answered) =>
            Effect.zipRight(
              at <= answered
                ? Effect.void
                : Effect.logDebug(`rate limiter: waiting ${at - answered} ms for the ${window} window`).pipe(
                  Effect.annotateLogs({ operation: operation.name, limit }),
                  Effect.zipRight(Effect.sleep(Duration.millis(at - answered)))
                ),
              Effect.flatMap(Clock.currentTimeMillis, (ready) =>
                ready - at > staleAfterMillis && retakes < maxRetakes
                  ? Effect.logDebug(`rate limiter: ${window} slot stale by ${ready - at} ms, taking another`).pipe(
                    Effect.annotateLogs({ operation: operation.name, limit }),
                    Effect.zipRight(attempt(retakes + 1))
                  )
                  : Effect.void)
            ))))
    return attempt(0)
  }

  const spend = (operation: Operation, path: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(
        store.spend({ key: dailyKey, cost: operation.cost, limit: limits.dailyTokens, now }),
        ({ remaining, spent }) => {
          info = { ...info, dailyRemaining: remaining }
          return spent ? Effect.void : Effect.fail(
            new DailyBudgetExhausted({
              method: operation.method,
              path,
              cost: operation.cost,
              ...(remaining === undefined ? {} : { remaining }),
              resetsAt: nextMidnightUtc(now)
            })
          )
        }
      ))

  return {
    acquire: (operation, path) =>
      options.enforce
        ? spend(operation, path).pipe(
          Effect.zipRight(
            operation.window === "search" ? waitFor("search", searchKey, searchLimit, operation) : Effect.void
          ),
          Effect.zipRight(Effect.suspend(() => waitFor("burst", burstKey, burstLimit(), operation))),
          Effect.catchTag("RateLimitStoreUnavailable", ({ reason }) =>
            Effect.fail(new RateLimitStoreError({ method: operation.method, path, reason })))
        )
        : Effect.void,
    observe: (headers, window) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const seen = readRateLimitHeaders(headers)
        if (Object.values(seen).every((value) => value === undefined)) return Effect.void
        // `info` describes the burst window; a search response only tells about the daily budget.
        const burst = window === "burst"
        info = {
          limit: burst ? limits.requestsPerWindow ?? seen.limit ?? info.limit : info.limit,
          remaining: burst ? seen.remaining ?? info.remaining : info.remaining,
          resetAt: burst && seen.reset !== undefined ? new Date(now + seen.reset * 1000) : info.resetAt,
          dailyLimit: limits.dailyTokens ?? seen.dailyLimit ?? info.dailyLimit,
          dailyRemaining: seen.dailyRemaining ?? info.dailyRemaining,
          updatedAt: new Date(now)
        }
        if (!options.enforce) return Effect.void
        const holdMillis = seen.remaining !== undefined && seen.remaining <= 0 && seen.reset !== undefined
          ? seen.reset * 1000
          : 0
        return Effect.zipRight(
          holdMillis > 0
            ? Effect.logDebug(`rate limiter: ${window} window spent, holding for ${holdMillis} ms`).pipe(
              Effect.zipRight(store.hold(burst ? burstKey : searchKey, now + holdMillis))
            )
            : Effect.void,
          seen.dailyRemaining === undefined ? Effect.void : store.report(dailyKey, seen.dailyRemaining, now)
        )
      }),
    pause: (window, millis) =>
      options.enforce
        ? Effect.flatMap(
          Clock.currentTimeMillis,
          (now) => store.hold(window === "search" ? searchKey : burstKey, now + millis)
        )
        : Effect.void,
    info: Effect.sync(() => info)
  }
}
