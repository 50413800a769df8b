/**
 * A rate-limit store in Redis, for several processes behind one Pipedrive token: Pipedrive
 * counts per token (the rolling burst and search windows) and per company (the daily budget),
 * not per process. Provide it below the client's layer and every client that sees it, in
 * every process, draws from one set of limits:
 *
 * ```ts
 * PipedriveNode.layer(options).pipe(Layer.provide(RedisStore.layer({ url: Redacted.make(redisUrl) })))
 * ```
 *
 * Why not `@effect/experimental`'s `RateLimiter` over its Redis store: Pipedrive admits at
 * most N requests in *any* window of its clock, and neither of its algorithms keeps to that.
 * With N = 10 per 1000 ms (measured over Redis 7, every variant answering 19):
 * - "fixed-window" keeps a counter whose time to live grows by window/N per request. Send 9
 *   at t = 0; the counter lapses at 900 ms; 10 more at 905 ms start a fresh period and pass
 *   at once: 19 in 905 ms ("delay" and "fail" alike). In "delay" mode it also releases each
 *   batch of N at the same instant, aligned to the start of the busy period.
 * - "token-bucket" starts full (N) and refills one token per window/N. Spend 10 at t = 0;
 *   by 905 ms 9 tokens are back: 19 in 905 ms. A bucket holds to N per window only with its
 *   capacity plus a window's refill at most N (capacity 1 at (N - 1) per window: no bursts;
 *   or half of each: half the throughput), which `consume` cannot express (capacity and rate
 *   both come from `limit`), and it has no way to hold a window until a time after a 429 nor
 *   a budget that refills at midnight.
 * So this store keeps the memory store's window (core's `RateLimit.makeMemoryStore`) in Redis:
 * each admitted request is a ticket in a sorted set, counted while in flight and until a
 * window after its answer, and a request is admitted only while fewer than N are counted —
 * updated by Lua scripts, so every read-modify-write is atomic across processes.
 *
 * @since 0.1.0
 */
import { RateLimit } from "@effect-pipedrive/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { RedisOptions } from "ioredis"
import { withLocalFallback } from "./internal/localFallback.js"
import { connect } from "./internal/redis/connection.js"
import * as RedisState from "./internal/redis/store.js"

/**
 * Where Redis is and how the store behaves when it is slow or down.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. A `Redacted` keeps
   * a password out of logs; messages name only the host and port either way.
   */
  readonly url: Redacted.Redacted | string
  /** Put before every key (default `effect-pipedrive:`); keys then read `<prefix>pipedrive:<token digest>:…`. */
  readonly prefix?: string | undefined
  /** The longest one store call may take, then it counts as unavailable (default 1 second). */
  readonly timeout?: Duration.DurationInput | undefined
  /** The longest to wait for the connection when the layer is built (default 5 seconds). */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /**
   * What happens while Redis cannot be reached (at start, or any time after):
   * - `"fail"` (default): building the layer fails, and so does every request that needs a
   *   slot, with `RateLimitStoreError` — nothing is sent without the fleet's agreement.
   * - `"countLocally"`: each process counts the limits on its own (a warning is logged when
   *   that starts, and an info line when Redis is back). The processes together may then
   *   exceed Pipedrive's limits and meet 429s, which the client backs off from and retries.
   */
  readonly onUnavailable?: "fail" | "countLocally" | undefined
  /**
   * Further ioredis options (TLS settings, `family`, …). Those that bound waiting
   * (`enableOfflineQueue`, `maxRetriesPerRequest`, `connectTimeout`, `commandTimeout`,
   * `lazyConnect`) are this store's and cannot be overridden.
   */
  readonly redis?: RedisOptions | undefined
}

/**
 * The store, connected; closing the scope quits the connection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<RateLimit.RateLimitStore["Type"], RateLimit.RateLimitStoreUnavailable, Scope.Scope> =>
  Effect.gen(function*() {
    const countLocally = options.onUnavailable === "countLocally"
    const connection = yield* connect({
      url: options.url,
      timeout: Duration.decode(options.timeout ?? Duration.seconds(1)),
      connectTimeout: Duration.decode(options.connectTimeout ?? Duration.seconds(5)),
      required: !countLocally,
      redis: options.redis,
      scripts: RedisState.scripts
    })
    const store = RedisState.make(connection, options.prefix ?? "effect-pipedrive:")
    return countLocally
      ? yield* withLocalFallback(store, {
        name: `Redis rate-limit store (${connection.target})`,
        up: connection.ready()
      })
      : store
  })

/**
 * The store as core's `RateLimitStore`: provide it below `PipedriveNode.layer` (or any layer
 * that builds a `PipedriveClient`) to share the limits through Redis.
 *
 * @example
 * ```ts
 * import { PipedriveNode, RedisStore } from "@effect-pipedrive/node-runtime"
 * import { Layer, Redacted } from "effect"
 *
 * // Every worker behind one token shares its limits; while Redis is down, each counts alone.
 * const PipedriveLive = PipedriveNode.layerConfig().pipe(
 *   Layer.provide(RedisStore.layer({ url: Redacted.make("redis://127.0.0.1:6379"), onUnavailable: "countLocally" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<RateLimit.RateLimitStore, RateLimit.RateLimitStoreUnavailable> =>
  Layer.scoped(RateLimit.RateLimitStore, make(options))
