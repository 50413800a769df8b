/**
 * The client's Effect `Metric`s. They live in Effect's global metric registry, which is where
 * an OpenTelemetry exporter reads them (`@effect/opentelemetry`'s `NodeSdk` with a
 * `metricReader`, or `Metric.snapshot` for anything else). Every client records them; nothing
 * needs turning on.
 *
 * @since 0.2.0
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

/**
 * Requests sent to Pipedrive (each attempt counts), tagged `operation` (`getLead`, …) and
 * `outcome`: the HTTP status (`"200"`, `"429"`, …), or the error's tag when no response came
 * (`TransportError`, `RequestTimeout`, `ResponseTooLarge`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const requests = Metric.counter("pipedrive_requests_total", {
  description: "Requests sent to Pipedrive, by operation and outcome (HTTP status, or the error tag without a response)",
  incremental: true
})

/**
 * Retries, tagged `operation` and `reason`: what the failed attempt got, as in `requests`'
 * `outcome` (`"429"`, `"503"`, `TransportError`, …).
 *
 * @since 0.2.0
 * @category metrics
 */
export const retries = Metric.counter("pipedrive_retries_total", {
  description: "Retries of Pipedrive requests, by operation and the reason (the failed attempt's outcome)",
  incremental: true
})

/**
 * 429 answers, tagged `window`: `burst`, `search`, or `daily` (the daily token budget).
 *
 * @since 0.2.0
 * @category metrics
 */
export const rateLimited = Metric.counter("pipedrive_rate_limited_total", {
  description: "429 answers from Pipedrive, by window (burst, search, daily)",
  incremental: true
})

/**
 * Seconds each request waited for a slot in the client's rate limiter (0 when one was free),
 * tagged `operation`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const limiterWait = Metric.histogram(
  "pipedrive_limiter_wait_seconds",
  MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 14 }),
  "Seconds a request waited for a slot in the client's rate limiter"
)

/**
 * The company's daily token budget spent so far today (the budget less what is left), as
 * of the last response.
 *
 * @since 0.2.0
 * @category metrics
 */
export const dailyTokensSpent = Metric.gauge("pipedrive_daily_tokens_spent", {
  description: "Daily API tokens spent today, as of the last response"
})

/**
 * The company's daily tokens left, as Pipedrive last reported them (less what was spent
 * since).
 *
 * @since 0.2.0
 * @category metrics
 */
export const dailyTokensRemaining = Metric.gauge("pipedrive_daily_tokens_remaining", {
  description: "Daily API tokens left, as of the last response"
})
