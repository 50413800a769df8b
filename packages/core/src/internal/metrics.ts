/**
 * Recording the client's metrics (defined in `Metrics.ts`) from the policies pipeline.
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import type { PipedriveError } from "../Errors.js"
import * as Metrics from "../Metrics.js"
import type { RateLimitInfo } from "../RateLimit.js"

/** What an attempt came to: the HTTP status when a response came, else the error's tag. */
export const outcomeOf = (error: PipedriveError): string =>
  "status" in error && error.status !== undefined ? String(error.status) : error._tag

/** The window a 429 from Pipedrive was about, if the error is one. */
const windowOf = (error: PipedriveError): string | undefined =>
  error._tag === "RateLimited" && error.status !== undefined
    ? error.scope
    : error._tag === "DailyBudgetExhausted" && error.status !== undefined
    ? "daily"
    : undefined

/**
 * A metric tagged with one or two values, built once per value pair and with its labels in one
 * array: Effect finds a tagged metric's registry entry through a cache keyed by that array, so
 * the same array each time skips building and hashing the key again on every request. Nested
 * `Metric.tagged` calls would hand it a new array on each update.
 */
const taggedOnce = <Type, In, Out>(metric: Metric.Metric<Type, In, Out>, first: string, second?: string) => {
  const cache = new Map<string, Metric.Metric<Type, In, Out>>()
  return (a: string, b = ""): Metric.Metric<Type, In, Out> => {
    const key = `${a}\u0000${b}`
    let tagged = cache.get(key)
    if (tagged === undefined) {
      const labels = [MetricLabel.make(first, a)]
      if (second !== undefined) labels.push(MetricLabel.make(second, b))
      tagged = Metric.taggedWithLabels(metric, labels)
      cache.set(key, tagged)
    }
    return tagged
  }
}

const requests = taggedOnce(Metrics.requests, "operation", "outcome")
const rateLimited = taggedOnce(Metrics.rateLimited, "window")
const retries = taggedOnce(Metrics.retries, "operation", "reason")
const limiterWait = taggedOnce(Metrics.limiterWait, "operation")

const countRequest = (operation: string, outcome: string) => Metric.increment(requests(operation, outcome))

/** Counts an attempt that was sent, by its outcome, and a 429 by its window. */
export const countAttempt = <A extends { readonly status: number }, R>(
  operation: string,
  attempt: Effect.Effect<A, PipedriveError, R>
): Effect.Effect<A, PipedriveError, R> =>
  Effect.tapBoth(attempt, {
    onSuccess: (response) => countRequest(operation, String(response.status)),
    onFailure: (error) => {
      const window = windowOf(error)
      return Effect.zipRight(
        countRequest(operation, outcomeOf(error)),
        window === undefined ? Effect.void : Metric.increment(rateLimited(window))
      )
    }
  })

/** Counts a retry of `operation` after `error`. */
export const countRetry = (operation: string, error: PipedriveError): Effect.Effect<void> =>
  Metric.increment(retries(operation, outcomeOf(error)))

/** Records how long `operation` waited for its limiter slot: from `queuedAt` (epoch ms) until `now`. */
export const recordWait = (operation: string, queuedAt: number, now: number): Effect.Effect<void> =>
  Metric.update(limiterWait(operation), (now - queuedAt) / 1000)

/** Sets the daily-budget gauges from the limiter's state, when it knows the budget. */
export const recordBudget = (info: RateLimitInfo): Effect.Effect<void> =>
  info.dailyLimit === undefined || info.dailyRemaining === undefined
    ? Effect.void
    : Effect.zipRight(
      Metric.set(Metrics.dailyTokensRemaining, info.dailyRemaining),
      Metric.set(Metrics.dailyTokensSpent, Math.max(0, info.dailyLimit - info.dailyRemaining))
    )
