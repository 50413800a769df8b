import type * as Headers from "@effect/platform/Headers"

const numberHeader = (headers: Headers.Headers, name: string): number | undefined => {
  const raw = headers[name]
  if (raw === undefined || raw === "") return undefined
  const value = Number(raw)
  return Number.isFinite(value) ? value : undefined
}

/** The rate-limit headers of one response, each absent when Pipedrive did not send it. */
export interface RateLimitHeaders {
  readonly limit: number | undefined
  readonly remaining: number | undefined
  /** Seconds until the burst window resets. */
  readonly reset: number | undefined
  readonly dailyLimit: number | undefined
  readonly dailyRemaining: number | undefined
}

/** A limit of zero or less would stop all traffic: it is a broken header, not a limit. */
const positive = (value: number | undefined) => value !== undefined && value > 0 ? value : undefined

/** A count or a time cannot be negative; a negative one says "none left" / "now". */
const nonNegative = (value: number | undefined) => value === undefined ? undefined : Math.max(0, value)

/**
 * The rate-limit headers of a response, sanity-checked: what is not a number is absent, a
 * limit that is not positive is absent, and counts and times below zero are zero.
 */
export const readRateLimitHeaders = (headers: Headers.Headers): RateLimitHeaders => ({
  limit: positive(numberHeader(headers, "x-ratelimit-limit")),
  remaining: nonNegative(numberHeader(headers, "x-ratelimit-remaining")),
  reset: nonNegative(numberHeader(headers, "x-ratelimit-reset")),
  dailyLimit: positive(numberHeader(headers, "x-daily-ratelimit-token-limit")),
  dailyRemaining: nonNegative(numberHeader(headers, "x-daily-ratelimit-token-remaining"))
})

/** `Retry-After` (seconds, possibly fractional, or an HTTP date) in milliseconds, when sent. */
export const retryAfterHeaderMillis = (headers: Headers.Headers, now: number): number | undefined => {
  const retryAfter = headers["retry-after"]
  if (retryAfter === undefined || retryAfter === "") return undefined
  const seconds = Number(retryAfter)
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000))
  const date = Date.parse(retryAfter)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * How long a 429 asks us to wait: `Retry-After`, else `x-ratelimit-reset` (seconds). Only for
 * 429s: Pipedrive sends `x-ratelimit-reset` on every response, and on any other status it tells
 * when the burst window resets, not when to try again.
 */
export const retryAfterMillis = (headers: Headers.Headers, now: number): number | undefined => {
  const retryAfter = retryAfterHeaderMillis(headers, now)
  if (retryAfter !== undefined) return retryAfter
  const reset = numberHeader(headers, "x-ratelimit-reset")
  return reset === undefined ? undefined : Math.max(0, Math.round(reset * 1000))
}

/**
 * The longest a response can hold a burst or search window, in windows. Pipedrive's windows
 * reset within one; a `Retry-After` or `x-ratelimit-reset` asking for more is a broken proxy
 * or gateway, and believing it would stop every request of every process sharing the store.
 */
export const maxHoldWindows = 3

/** Midnight after `now`, in UTC: when a client-counted daily budget starts again. */
export const nextMidnightUtc = (now: number): Date => {
  const date = new Date(now)
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1))
}
