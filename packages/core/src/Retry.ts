/**
 * Retrying what is safe to retry. Pipedrive has no idempotency keys, so a POST that may have
 * reached Pipedrive is never sent again unless `retryPost` says so: it could create a second
 * lead. Waits honour `Retry-After` (else `x-ratelimit-reset`), otherwise full-jitter
 * exponential backoff, within an attempt cap and an overall deadline.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import { type PipedriveError, withAttempts } from "./Errors.js"
import { currentDeadline } from "./internal/deadline.js"
import { countRetry } from "./internal/metrics.js"

/**
 * How transient failures are retried: how often, how long to wait between attempts, and for how long in all.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Retries after the first attempt (default 5). */
  readonly times?: number | undefined
  /** The backoff's first step (default 500 ms). */
  readonly baseDelay?: Duration.DurationInput | undefined
  /** The longest single backoff (default 30 s). */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** No retry starts once this much time has passed since the first attempt (default 2 min). */
  readonly deadline?: Duration.DurationInput | undefined
  /** Also retry POSTs that may have reached Pipedrive (default false: they can duplicate a lead). */
  readonly retryPost?: boolean | undefined
}

/**
 * The retry policy when none is given: 5 retries, backoff from 500 ms to 30 s, 2 minutes in all, POSTs that may have arrived not sent again.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  times: 5,
  baseDelay: Duration.millis(500),
  maxDelay: Duration.seconds(30),
  deadline: Duration.minutes(2),
  retryPost: false
} as const

/**
 * Whether an error may be retried for a request with this method.
 *
 * - 429 from the burst or search window: yes; a spent daily budget: never.
 * - 502, 503, 504, connections that never carried the request and a shared rate-limit store
 *   that did not answer (nothing was sent): yes, for every method.
 * - 500, other 5xx, timeouts and failures after the request went out: GET, PATCH and DELETE
 *   only, since a POST may already have created the lead.
 * - Anything else (4xx, invalid input, undecodable bodies): never.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable = (error: PipedriveError, method: string, retryPost = false): boolean => {
  const replayable = method !== "POST" || retryPost
  switch (error._tag) {
    case "RateLimited":
      return true
    case "ServerError":
      return error.status === 502 || error.status === 503 || error.status === 504 ||
        (error.status !== 501 && replayable)
    case "TransportError":
      return !error.requestSent || replayable
    case "RequestTimeout":
      return replayable
    case "RateLimitStoreError":
      return true
    default:
      return false
  }
}

/**
 * The wait before retry number `retry` (1 for the first): what the server asked for when it
 * said, else a uniformly random time between 0 and `min(maxDelay, baseDelay × 2^(retry-1))`.
 *
 * @since 0.1.0
 * @category getters
 */
export const delayFor = (
  error: PipedriveError,
  retry: number,
  options: { readonly baseDelay: Duration.DurationInput; readonly maxDelay: Duration.DurationInput }
): Effect.Effect<number> => {
  if ((error._tag === "RateLimited" || error._tag === "ServerError") && error.retryAfterMillis !== undefined) {
    return Effect.succeed(error.retryAfterMillis)
  }
  const ceiling = Math.min(
    Duration.toMillis(options.maxDelay),
    Duration.toMillis(options.baseDelay) * 2 ** (retry - 1)
  )
  return Effect.map(Random.next, (r) => Math.floor(r * ceiling))
}

/**
 * Runs `attempt` until it succeeds or may not be retried any more; the final error carries
 * the number of attempts made. Each attempt gets a span. The deadline covers everything from
 * the first attempt on, waiting for a rate-limit slot included.
 *
 * @since 0.1.0
 * @category combinators
 */
export const retrying = (options: Options | undefined) => {
  const times = options?.times ?? defaults.times
  const backoff = {
    baseDelay: options?.baseDelay ?? defaults.baseDelay,
    maxDelay: options?.maxDelay ?? defaults.maxDelay
  }
  const deadlineMillis = Duration.toMillis(options?.deadline ?? defaults.deadline)
  const retryPost = options?.retryPost ?? defaults.retryPost
  return <A, R>(
    attempt: Effect.Effect<A, PipedriveError, R>,
    request: { readonly method: string; readonly operation: string }
  ): Effect.Effect<A, PipedriveError, R> =>
    Effect.flatMap(Clock.currentTimeMillis, (startedAt) => {
      const run = (n: number): Effect.Effect<A, PipedriveError, R> =>
        attempt.pipe(
          Effect.withSpan(`Pipedrive.${request.operation}.attempt`, {
            attributes: { "pipedrive.attempt": n },
            captureStackTrace: false
          }),
          Effect.tap(() => Effect.annotateCurrentSpan("pipedrive.attempts", n)),
          Effect.catchAll((error) => {
            const giveUp = Effect.zipRight(
              Effect.annotateCurrentSpan("pipedrive.attempts", n),
              Effect.fail(withAttempts(error, n))
            )
            if (n > times || !isRetryable(error, request.method, retryPost)) return giveUp
            return Effect.flatMap(delayFor(error, n, backoff), (delay) =>
              Effect.flatMap(Clock.currentTimeMillis, (now) =>
                now + delay - startedAt > deadlineMillis
                  ? giveUp
                  : Effect.logDebug(`retrying ${request.operation} in ${delay} ms after ${error._tag}`).pipe(
                    Effect.annotateLogs({ attempt: n, error: error.message }),
                    Effect.zipRight(countRetry(request.operation, error)),
                    Effect.zipRight(Effect.sleep(Duration.millis(delay))),
                    Effect.zipRight(run(n + 1))
                  )))
          })
        )
      // The limiter below reads the deadline: a slot it cannot give in time fails at once.
      return Effect.locally(run(1), currentDeadline, startedAt + deadlineMillis)
    })
}
