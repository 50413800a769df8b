import type { Window } from "../../Operation.js"

/** The server's limits. */
export interface Limits {
  /** Requests admitted per rolling window and token (Premium API token: 100). */
  readonly requestsPerWindow: number
  /** Search requests admitted per rolling window (10 on every plan). */
  readonly searchRequestsPerWindow: number
  /** Length of the rolling windows in ms (2000). */
  readonly windowMillis: number
  /** The company's daily token budget, refilled at midnight UTC. */
  readonly dailyTokens: number
  /** Whether a burst 429 carries `Retry-After` (Pipedrive's behaviour is unconfirmed). */
  readonly retryAfter: boolean
}

export const defaultLimits: Limits = {
  requestsPerWindow: 100,
  searchRequestsPerWindow: 10,
  windowMillis: 2000,
  dailyTokens: 30_000 * 5 * 10,
  retryAfter: true
}

/** Some limits to change; the others stay (an `undefined` value too). */
export type LimitsInput = { readonly [K in keyof Limits]?: Limits[K] | undefined }

export const mergeLimits = (base: Limits, changes: LimitsInput | undefined): Limits => ({
  requestsPerWindow: changes?.requestsPerWindow ?? base.requestsPerWindow,
  searchRequestsPerWindow: changes?.searchRequestsPerWindow ?? base.searchRequestsPerWindow,
  windowMillis: changes?.windowMillis ?? base.windowMillis,
  dailyTokens: changes?.dailyTokens ?? base.dailyTokens,
  retryAfter: changes?.retryAfter ?? base.retryAfter
})

/** Admission times of a rolling window, oldest first, as a queue over an array. */
class RollingWindow {
  private times: Array<number> = []
  private head = 0
  peak = 0

  /** Requests admitted in `(now - windowMillis, now]`. */
  count(now: number, windowMillis: number): number {
    while (this.head < this.times.length && this.times[this.head]! <= now - windowMillis) this.head++
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head)
      this.head = 0
    }
    return this.times.length - this.head
  }

  /** Whole seconds, rounded up, until the oldest admitted request leaves the window (0 when empty). */
  resetSeconds(now: number, windowMillis: number): number {
    const oldest = this.times[this.head]
    return oldest === undefined ? 0 : Math.max(0, Math.ceil((oldest + windowMillis - now) / 1000))
  }

  admit(now: number, windowMillis: number): void {
    this.times.push(now)
    this.peak = Math.max(this.peak, this.count(now, windowMillis))
  }

  clear(): void {
    this.times = []
    this.head = 0
  }
}

/** The verdict on one request. */
export type Admission =
  | { readonly _tag: "Admitted"; readonly headers: Record<string, string> }
  | { readonly _tag: "RateLimited"; readonly headers: Record<string, string> }
  | { readonly _tag: "BudgetSpent"; readonly headers: Record<string, string> }

const dayMillis = 86_400_000

/**
 * Pipedrive's limits, server side: a rolling burst window, search's own window (a search
 * counts against both), and the daily token budget charged with each endpoint's cost. Every
 * verdict carries the `x-ratelimit-*` and `x-daily-ratelimit-token-*` headers, describing the
 * window the request counts against (search's for a search).
 */
export class ServerLimiter {
  private readonly burst = new RollingWindow()
  private readonly search = new RollingWindow()
  private day = Number.NaN
  private spent = 0

  constructor(public limits: Limits) {}

  private refill(now: number): void {
    const day = Math.floor(now / dayMillis)
    if (day !== this.day) {
      this.day = day
      this.spent = 0
    }
  }

  private remainingTokens(): number {
    return Math.max(0, this.limits.dailyTokens - this.spent)
  }

  private windowOf(window: Window): { readonly log: RollingWindow; readonly limit: number } {
    return window === "search"
      ? { log: this.search, limit: this.limits.searchRequestsPerWindow }
      : { log: this.burst, limit: this.limits.requestsPerWindow }
  }

  /** The headers describing `window` now, without counting anything. */
  headers(window: Window, now: number): Record<string, string> {
    this.refill(now)
    const { limit, log } = this.windowOf(window)
    const { windowMillis } = this.limits
    const used = log.count(now, windowMillis)
    return {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - used)),
      "x-ratelimit-reset": String(log.resetSeconds(now, windowMillis)),
      "x-daily-ratelimit-token-limit": String(this.limits.dailyTokens),
      "x-daily-ratelimit-token-remaining": String(this.remainingTokens())
    }
  }

  /** The headers of a burst 429 for `window`: the window's state, and `Retry-After` if configured. */
  rejection(window: Window, now: number): Record<string, string> {
    const headers = this.headers(window, now)
    const wait = Math.max(1, Number(headers["x-ratelimit-reset"]))
    return {
      ...headers,
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(wait),
      ...(this.limits.retryAfter ? { "retry-after": String(wait) } : {})
    }
  }

  /** Admits the request (counting it in its windows, spending its tokens) or says why not. */
  admit(operation: { readonly cost: number; readonly window: Window }, now: number): Admission {
    this.refill(now)
    if (this.remainingTokens() < operation.cost) {
      return { _tag: "BudgetSpent", headers: this.headers(operation.window, now) }
    }
    const { windowMillis } = this.limits
    const full = (window: Window) => {
      const { limit, log } = this.windowOf(window)
      return log.count(now, windowMillis) >= limit
    }
    if (full("burst") || (operation.window === "search" && full("search"))) {
      const window = operation.window === "search" && full("search") ? "search" : "burst"
      return { _tag: "RateLimited", headers: this.rejection(window, now) }
    }
    this.burst.admit(now, windowMillis)
    if (operation.window === "search") this.search.admit(now, windowMillis)
    this.spent += operation.cost
    return { _tag: "Admitted", headers: this.headers(operation.window, now) }
  }

  /** The most requests admitted in any one window, burst and search. */
  peaks(): { readonly burst: number; readonly search: number } {
    return { burst: this.burst.peak, search: this.search.peak }
  }

  resetPeaks(): void {
    this.burst.peak = 0
    this.search.peak = 0
  }

  /** Empties the windows and refills the daily budget. */
  reset(): void {
    this.burst.clear()
    this.search.clear()
    this.spent = 0
  }
}
