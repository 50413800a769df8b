/**
 * Client-side rate limiting that keeps a program inside Pipedrive's limits: the rolling burst
 * window per token, the separate search window, and the daily token budget weighted by each
 * endpoint's cost. It adapts to the `x-ratelimit-*` headers of every response, so an
 * unknown plan converges instead of causing a storm of 429s.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { Operation, Window } from "./Operation.js"
import { DailyBudgetExhausted, RateLimited, RateLimitStoreError } from "./Errors.js"
import { CountedWindow } from "./internal/countedWindow.js"
import { currentDeadline } from "./internal/deadline.js"
import { maxHoldWindows, nextMidnightUtc, readRateLimitHeaders } from "./internal/headers.js"
import { Turnstile } from "./internal/turnstile.js"

/**
 * Pipedrive's plans.
 *
 * @since 0.1.0
 * @category models
 */
export type Plan = "lite" | "growth" | "premium" | "ultimate"

const burstPerPlan: Record<Plan, number> = { lite: 20, growth: 40, premium: 100, ultimate: 120 }
const dailyMultiplier: Record<Plan, number> = { lite: 1, growth: 2, premium: 5, ultimate: 7 }

/**
 * Explicit limits. Whatever is left out is learned from response headers.
 *
 * @since 0.1.0
 * @category models
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
}

/**
 * The limits of a plan: OAuth apps get four times the burst of an API token; the daily budget
 * is 30,000 tokens × the plan's multiplier × seats, known only when `seats` is given.
 *
 * @since 0.1.0
 * @category constructors
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
 * What Pipedrive's last response said about the limits, exactly as it said it: each field
 * absent until a response carried its header. The burst fields come from responses counted in
 * the burst window only (a search response's `x-ratelimit-*` describe the search window).
 *
 * @since 0.1.0
 * @category models
 */
export interface ReportedLimits {
  /** `x-ratelimit-limit`: requests per burst window. */
  readonly limit: number | undefined
  /** `x-ratelimit-remaining`: requests left in the burst window. */
  readonly remaining: number | undefined
  /** When the burst window resets, from `x-ratelimit-reset`. */
  readonly resetAt: Date | undefined
  /** `x-daily-ratelimit-token-limit`. */
  readonly dailyLimit: number | undefined
  /** `x-daily-ratelimit-token-remaining`. */
  readonly dailyRemaining: number | undefined
  /** When that response arrived. */
  readonly at: Date | undefined
}

/**
 * The rate-limit state, readable at any time. What was configured and what Pipedrive reported
 * are kept apart (`configured`, `reported`); `limit`, `dailyLimit` and `dailyRemaining` are
 * what the limiter works with, from either.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimitInfo {
  /** The limits from the options (`plan`, `seats`, `rateLimit`); what they leave out is learned. */
  readonly configured: Limits
  /** What Pipedrive's last response said. */
  readonly reported: ReportedLimits
  /** Requests per burst window the limiter keeps to: configured, else reported; absent before either. */
  readonly limit: number | undefined
  /** The daily token budget: configured, else reported. */
  readonly dailyLimit: number | undefined
  /** Daily tokens left as the client counts them: Pipedrive's last report (or the configured budget) less what was spent since. */
  readonly dailyRemaining: number | undefined
}

/**
 * What a store fails with when it cannot answer (a shared store such as Redis that is down or
 * too slow). The limiter turns it into the request's `RateLimitStoreError`, with method and path.
 *
 * @example
 * ```ts
 * import { RateLimit } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // What a custom store fails with when its backend is down; the request then fails with
 * // RateLimitStoreError and is not sent.
 * const down = Effect.fail(new RateLimit.RateLimitStoreUnavailable({ reason: "connection refused" }))
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitStoreUnavailable
  extends Schema.TaggedError<RateLimitStoreUnavailable>()("RateLimitStoreUnavailable", { reason: Schema.String })
{
  override get message() {
    return `rate-limit store unavailable: ${this.reason}`
  }
}

/**
 * A store's answer to a request for a slot in a window.
 *
 * @since 0.1.0
 * @category models
 */
export type Admission =
  /** Go ahead; hand `ticket` back to `release` once answered. */
  | { readonly _tag: "Admitted"; readonly ticket: string }
  /** The window is full (or held): ask again at `until`, the earliest a slot may free. */
  | { readonly _tag: "Wait"; readonly until: number }

/**
 * Where the windows and the daily budget are counted. A client counts in its own memory
 * unless this service is in its context: then it counts there, under a digest of its token,
 * so every client (and, with a shared store such as node-runtime's `RedisStore`, every
 * process) behind one token shares one set of limits. Times are epoch milliseconds.
 *
 * A window counts each request from the moment it is admitted until `windowMillis` after its
 * response arrived. Pipedrive counts a request when it arrives, which is after it was sent and
 * before it was answered, so no window of Pipedrive's clock can see more than `limit` of
 * them — however long requests take on the way, and with no margin to guess.
 *
 * @example
 * ```ts
 * import { RateLimit } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // A store answers whether a request may go now; the limiter asks it before every request.
 * const admitted = await Effect.flatMap(RateLimit.RateLimitStore, (store) =>
 *   store.admit({ key: "acme", limit: 40, windowMillis: 2_000, leaseMillis: 30_000, now: Date.now() })
 * ).pipe(Effect.provide(RateLimit.layerMemoryStore), Effect.runPromise)
 * assert.strictEqual(admitted._tag, "Admitted")
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class RateLimitStore extends Context.Tag("@effect-pipedrive/core/RateLimitStore")<RateLimitStore, {
  /**
   * Admits a request into the window `key` when fewer than `limit` are counted there and the
   * window is not held. Until released, an admitted request counts until `now + leaseMillis`
   * (a process that died mid-request frees its slot then).
   */
  readonly admit: (options: {
    readonly key: string
    readonly limit: number
    readonly windowMillis: number
    readonly leaseMillis: number
    readonly now: number
  }) => Effect.Effect<Admission, RateLimitStoreUnavailable>
  /** The request of `ticket` was answered: it counts until `until` (answer time + window). */
  readonly release: (options: {
    readonly key: string
    readonly ticket: string
    readonly until: number
  }) => Effect.Effect<void, RateLimitStoreUnavailable>
  /** Keeps the window `key` closed until `until`. */
  readonly hold: (key: string, until: number) => Effect.Effect<void, RateLimitStoreUnavailable>
  /**
   * Spends `cost` tokens of the daily budget `key`; answers what is left, or `spent: false`
   * when fewer than `cost` were. A budget whose day ended (at `now`) starts again at `limit`
   * (unknown without one) and lasts until `resetAt`.
   */
  readonly spend: (options: {
    readonly key: string
    readonly cost: number
    readonly limit: number | undefined
    readonly now: number
    readonly resetAt: number
  }) => Effect.Effect<{ readonly spent: boolean; readonly remaining: number | undefined }, RateLimitStoreUnavailable>
  /** Sets the tokens left in the daily budget `key`, as Pipedrive reported them, until `resetAt`. */
  readonly report: (options: {
    readonly key: string
    readonly remaining: number
    readonly now: number
    readonly resetAt: number
  }) => Effect.Effect<void, RateLimitStoreUnavailable>
}>() {}

/**
 * A store in this process's memory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemoryStore = (): RateLimitStore["Type"] => {
  const windows = new Map<string, CountedWindow>()
  const budgets = new Map<string, { remaining: number | undefined; resetAt: number }>()
  let tickets = 0
  const windowOf = (key: string) => {
    let window = windows.get(key)
    if (window === undefined) {
      window = new CountedWindow()
      windows.set(key, window)
    }
    return window
  }
  return {
    admit: ({ key, leaseMillis, limit, now, windowMillis }) =>
      Effect.sync((): Admission => {
        const window = windowOf(key)
        if (now < window.heldUntil) return { _tag: "Wait", until: window.heldUntil }
        const earliest = window.purge(now)
        if (window.size >= limit) return { _tag: "Wait", until: Math.min(earliest ?? Infinity, now + windowMillis) }
        const ticket = String(++tickets)
        window.count(ticket, now + leaseMillis)
        return { _tag: "Admitted", ticket }
      }),
    release: ({ key, ticket, until }) =>
      Effect.sync(() => {
        windowOf(key).recount(ticket, until)
      }),
    hold: (key, until) =>
      Effect.sync(() => {
        const window = windowOf(key)
        window.heldUntil = Math.max(window.heldUntil, until)
      }),
    spend: ({ cost, key, limit, now, resetAt }) =>
      Effect.sync(() => {
        let budget = budgets.get(key)
        if (budget === undefined || now >= budget.resetAt) {
          budget = { remaining: limit, resetAt }
          budgets.set(key, budget)
        }
        if (budget.remaining === undefined) return { spent: true, remaining: undefined }
        if (budget.remaining < cost) return { spent: false, remaining: budget.remaining }
        budget.remaining -= cost
        return { spent: true, remaining: budget.remaining }
      }),
    report: ({ key, remaining, resetAt }) =>
      Effect.sync(() => {
        budgets.set(key, { remaining, resetAt })
      })
  }
}

/**
 * The in-memory store as a layer: provided below several clients of one process, they share
 * its limits (each token counted apart).
 *
 * @example
 * ```ts
 * import { PipedriveClient, RateLimit } from "@effect-pipedrive/core"
 * import { Layer } from "effect"
 *
 * // One process's limits, counted in memory (the default when no store is provided).
 * const ClientLive = PipedriveClient.layerConfig().pipe(Layer.provide(RateLimit.layerMemoryStore))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemoryStore: Layer.Layer<RateLimitStore> = Layer.sync(RateLimitStore, makeMemoryStore)

/**
 * What the HTTP pipeline asks of rate limiting.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limiter {
  /**
   * Runs `send` once the windows this operation counts against have room, having spent its
   * daily tokens; the slots are counted until a window after `send` ends, however it ends.
   */
  readonly limit: <A, E, R>(
    operation: Operation,
    path: string,
    send: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | RateLimited | DailyBudgetExhausted | RateLimitStoreError, R>
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
 * A limiter over a store. `key` identifies the token (a hash, never the token itself);
 * `leaseMillis` bounds how long one request may count while in flight (the attempt timeout
 * is a good value); with `enforce: false` it only records what the headers say, for
 * `RateLimitInfo`.
 *
 * A request never waits past the deadline of its call (set by the retry policy): when the
 * store says its slot comes later, or the line ahead of it cannot all go by then, it fails at
 * once with `RateLimited` (no `status`: nothing was sent) saying when it could go. A hold
 * that a response asks for lasts at most a few windows (see `maxHoldWindows`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLimiter = (options: {
  readonly key: string
  readonly limits: Limits
  readonly store: RateLimitStore["Type"]
  readonly leaseMillis: number
  readonly enforce: boolean
}): Limiter => {
  const { key, limits, store } = options
  const windowMillis = Duration.toMillis(limits.window ?? Duration.seconds(2))
  const leaseMillis = options.leaseMillis + windowMillis
  const searchLimit = limits.searchRequestsPerWindow ?? 10
  const keys: Record<Window, string> = { burst: `${key}:burst`, search: `${key}:search` }
  const dailyKey = `${key}:daily`
  let info: RateLimitInfo = {
    configured: limits,
    reported: {
      limit: undefined,
      remaining: undefined,
      resetAt: undefined,
      dailyLimit: undefined,
      dailyRemaining: undefined,
      at: undefined
    },
    limit: limits.requestsPerWindow,
    dailyLimit: limits.dailyTokens,
    dailyRemaining: limits.dailyTokens
  }
  const limitOf = (window: Window) =>
    window === "search" ? searchLimit : limits.requestsPerWindow ?? info.limit ?? defaultLearningLimit
  // A learned limit may still grow: then a line moves faster than it looks.
  const knownLimit = (window: Window) => window === "search" || limits.requestsPerWindow !== undefined
  // Completed when a learned burst limit grows, so that the request whose turn it is looks
  // again at once rather than at its next wake-up.
  let limitRaised = Deferred.unsafeMake<void>(FiberId.none)
  const lines: Record<Window, Turnstile<RateLimitStoreUnavailable>> = { burst: new Turnstile(), search: new Turnstile() }
  // When the request whose turn it is asks the store again: the earliest the line can move.
  const nextTry: Record<Window, number> = { burst: 0, search: 0 }

  const tooLate = (window: Window, operation: Operation, path: string, now: number, from: number) =>
    Effect.fail(
      new RateLimited({
        method: operation.method,
        path,
        scope: window,
        retryAfterMillis: Math.max(1, Math.ceil(from - now))
      })
    )

  // The request whose turn it is: asks the store until admitted, sleeping in between.
  const ask = (
    window: Window,
    operation: Operation,
    path: string,
    deadline: number
  ): Effect.Effect<string, RateLimitStoreUnavailable | RateLimited> =>
    Effect.suspend(() => {
      const raised = limitRaised
      const limit = limitOf(window)
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(store.admit({ key: keys[window], limit, windowMillis, leaseMillis, now }), (admission) =>
          admission._tag === "Admitted"
            ? Effect.sync(() => {
              nextTry[window] = 0
              return admission.ticket
            })
            // The clock is read again: a shared store's answer took time to arrive.
            : Effect.flatMap(Clock.currentTimeMillis, (answered) => {
              if (admission.until > deadline) return tooLate(window, operation, path, answered, admission.until)
              nextTry[window] = admission.until
              return Effect.logDebug(`rate limiter: ${window} window full, waiting ${admission.until - answered} ms`).pipe(
                Effect.annotateLogs({ operation: operation.name, limit }),
                Effect.zipRight(
                  Effect.raceFirst(Effect.sleep(Duration.millis(admission.until - answered)), Deferred.await(raised))
                ),
                Effect.zipRight(ask(window, operation, path, deadline))
              )
            })))
    })

  // Waits in line for the turn to ask, unless the line cannot reach this request in time: with
  // at most `limit` admitted per window, the n-th in line goes no sooner than n ÷ limit windows
  // after the first.
  const admit = (
    window: Window,
    operation: Operation,
    path: string
  ): Effect.Effect<string, RateLimitStoreUnavailable | RateLimited> =>
    Effect.flatMap(FiberRef.get(currentDeadline), (deadline) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const line = lines[window]
        const earliest = () =>
          Math.max(now, nextTry[window]) + Math.floor(line.length / limitOf(window)) * windowMillis
        if (line.length > 0 && knownLimit(window) && earliest() > deadline) {
          return tooLate(window, operation, path, now, earliest())
        }
        // A store that does not answer this request will not answer those behind it either:
        // they fail now, each to be retried after its backoff, rather than time out one by one.
        return line.run(
          Effect.tapErrorTag(
            ask(window, operation, path, deadline),
            "RateLimitStoreUnavailable",
            (error) => Effect.sync(() => line.failWaiting(error))
          ),
          deadline - now,
          Effect.flatMap(Clock.currentTimeMillis, (late) => tooLate(window, operation, path, late, nextTry[window]))
        )
      }))

  // Holds a window as a response asked, but never longer than a few windows: a longer ask is a
  // broken proxy or gateway, and believing it would stop every request of every process that
  // shares the store. Said once at warning level; a hostile server repeating it is not news.
  let warnedOfLongHold = false
  const maxHoldMillis = maxHoldWindows * windowMillis
  const hold = (window: Window, now: number, millis: number, source: string) => {
    const clamped = Math.min(millis, maxHoldMillis)
    const say = clamped < millis && !warnedOfLongHold
      ? Effect.logWarning(
        `rate limiter: ${source} asked to hold the ${window} window for ${millis} ms; holding ${clamped} ms ` +
          `(at most ${maxHoldWindows} windows)`
      ).pipe(Effect.zipLeft(Effect.sync(() => (warnedOfLongHold = true))))
      : Effect.logDebug(`rate limiter: ${window} window spent, holding for ${clamped} ms`)
    return Effect.zipRight(say, store.hold(keys[window], now + clamped))
  }

  const release = (window: Window, ticket: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      store.release({ key: keys[window], ticket, until: now + windowMillis }).pipe(
        Effect.catchAll((error) => Effect.logWarning(`rate limiter: could not release a ${window} slot: ${error.reason}`))
      ))

  const spend = (operation: Operation, path: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(
        store.spend({
          key: dailyKey,
          cost: operation.cost,
          limit: limits.dailyTokens,
          now,
          resetAt: nextMidnightUtc(now).getTime()
        }),
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

  const windowsOf = (operation: Operation): ReadonlyArray<Window> =>
    operation.window === "search" ? ["search", "burst"] : ["burst"]

  // Admits into each window in turn; every slot taken is released after `send`, however it
  // ends. A failure to reach the store becomes the request's typed error.
  const within = <A, E, R>(
    windows: ReadonlyArray<Window>,
    operation: Operation,
    path: string,
    send: Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | RateLimited | RateLimitStoreError, R> => {
    if (windows.length === 0) return send
    const [window, ...rest] = windows as readonly [Window, ...Array<Window>]
    return Effect.flatMap(
      Effect.catchTag(admit(window, operation, path), "RateLimitStoreUnavailable", ({ reason }) =>
        Effect.fail(new RateLimitStoreError({ method: operation.method, path, reason }))),
      (ticket) => Effect.ensuring(within(rest, operation, path, send), release(window, ticket))
    )
  }

  return {
    limit: (operation, path, send) =>
      options.enforce
        ? Effect.zipRight(
          Effect.catchTag(spend(operation, path), "RateLimitStoreUnavailable", ({ reason }) =>
            Effect.fail(new RateLimitStoreError({ method: operation.method, path, reason }))),
          within(windowsOf(operation), operation, path, send)
        )
        : send,
    observe: (headers, window) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const seen = readRateLimitHeaders(headers)
        if (Object.values(seen).every((value) => value === undefined)) return Effect.void
        // The burst fields describe the burst window; a search response only tells about the daily budget.
        const burst = window === "burst"
        const before = info.limit
        const reported = info.reported
        info = {
          configured: limits,
          reported: {
            limit: burst ? seen.limit ?? reported.limit : reported.limit,
            remaining: burst ? seen.remaining ?? reported.remaining : reported.remaining,
            resetAt: burst && seen.reset !== undefined ? new Date(now + seen.reset * 1000) : reported.resetAt,
            dailyLimit: seen.dailyLimit ?? reported.dailyLimit,
            dailyRemaining: seen.dailyRemaining ?? reported.dailyRemaining,
            at: new Date(now)
          },
          limit: burst ? limits.requestsPerWindow ?? seen.limit ?? info.limit : info.limit,
          dailyLimit: limits.dailyTokens ?? seen.dailyLimit ?? info.dailyLimit,
          dailyRemaining: seen.dailyRemaining ?? info.dailyRemaining
        }
        if (!options.enforce) return Effect.void
        if ((info.limit ?? 0) > (before ?? defaultLearningLimit)) {
          Deferred.unsafeDone(limitRaised, Exit.void)
          limitRaised = Deferred.unsafeMake<void>(FiberId.none)
        }
        // Pipedrive says the window is spent: nothing more until it resets — and, when the
        // window's length is known, never longer than one, whatever its whole seconds round to.
        const resetMillis = (seen.reset ?? 0) * 1000
        const holdMillis = seen.remaining !== undefined && seen.remaining <= 0
          ? limits.window === undefined ? resetMillis : Math.min(resetMillis, windowMillis)
          : 0
        return Effect.zipRight(
          holdMillis > 0 ? hold(window, now, holdMillis, "x-ratelimit-reset") : Effect.void,
          seen.dailyRemaining === undefined ? Effect.void : store.report({
            key: dailyKey,
            remaining: seen.dailyRemaining,
            now,
            resetAt: nextMidnightUtc(now).getTime()
          })
        )
      }),
    pause: (window, millis) =>
      options.enforce
        ? Effect.flatMap(Clock.currentTimeMillis, (now) => hold(window, now, millis, "Retry-After"))
        : Effect.void,
    info: Effect.sync(() => info)
  }
}
