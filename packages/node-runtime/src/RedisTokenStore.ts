/**
 * An OAuth `TokenStore` in Redis, for several processes of one app installation: they read
 * the same tokens, and when the access token expires (or Pipedrive rejects it) one of them
 * refreshes under a short lock while the others wait for the lock and then read the tokens it
 * stored — one refresh between them, and a rotated refresh token is never used twice.
 *
 * ```ts
 * PipedriveNode.layerOAuth(options).pipe(
 *   Layer.provide(RedisTokenStore.layer({ url: Redacted.make(redisUrl), installation: "acme" }))
 * )
 * ```
 *
 * The tokens are kept in clear in Redis (they must be usable by every process): protect
 * Redis as you would the tokens (a password, TLS with `rediss://`, no public port).
 *
 * @since 0.1.0
 */
import { TokenStore } from "@effect-pipedrive/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { RedisOptions } from "ioredis"
import { randomUUID } from "node:crypto"
import { connect } from "./internal/redis/connection.js"
import * as Scripts from "./internal/redis/tokenScripts.js"

/**
 * Where Redis is, the installation whose tokens it keeps, and how long its calls may take.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  readonly url: Redacted.Redacted | string
  /** Put before every key (default `effect-pipedrive:`). */
  readonly prefix?: string | undefined
  /**
   * Which installation (company) the tokens are for, when one Redis serves several (default
   * `default`). Keys read `<prefix>oauth:<installation>:tokens` and `…:lock`.
   */
  readonly installation?: string | undefined
  /** The longest one store call may take (default 1 second). */
  readonly timeout?: Duration.DurationInput | undefined
  /** The longest to wait for the connection when the layer is built (default 5 seconds). */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /**
   * How long the refresh lock holds if its holder never releases it (a crash); keep it above
   * the OAuth request timeout (default 35 seconds). Waiting for it longer fails with
   * `TokenStoreUnavailable`.
   */
  readonly lockTtl?: Duration.DurationInput | undefined
  /** Further ioredis options (TLS settings, …); those that bound waiting are this store's. */
  readonly redis?: RedisOptions | undefined
}

/** How often a process waiting for the refresh lock asks again. */
const lockPollMillis = 25

/**
 * The store, connected; closing the scope quits the connection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<TokenStore.TokenStoreShape, TokenStore.TokenStoreUnavailable, Scope.Scope> =>
  Effect.gen(function*() {
    const connection = yield* connect({
      url: options.url,
      timeout: Duration.decode(options.timeout ?? Duration.seconds(1)),
      connectTimeout: Duration.decode(options.connectTimeout ?? Duration.seconds(5)),
      required: true,
      redis: options.redis,
      scripts: Scripts.all
    }).pipe(Effect.mapError(({ reason }) => new TokenStore.TokenStoreUnavailable({ operation: "get", reason })))
    const base = `${options.prefix ?? "effect-pipedrive:"}oauth:${options.installation ?? "default"}`
    const keys = { tokens: `${base}:tokens`, lock: `${base}:lock` }
    const lockTtlMillis = Duration.toMillis(options.lockTtl ?? Duration.seconds(35))

    const run = (
      operation: TokenStore.TokenStoreUnavailable["operation"],
      script: (typeof Scripts.all)[number],
      key: string,
      args: ReadonlyArray<string | number>
    ) =>
      Effect.mapError(
        connection.run(script, [key], args),
        ({ reason }) => new TokenStore.TokenStoreUnavailable({ operation, reason })
      )

    const get = Effect.flatMap(
      run("get", Scripts.read, keys.tokens, []),
      (reply) => typeof reply === "string" ? Effect.asSome(TokenStore.decodeJson(reply)) : Effect.succeedNone
    )

    const lock = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(
        Effect.gen(function*() {
          const owner = randomUUID()
          const taken = run("lock", Scripts.lock, keys.lock, [owner, lockTtlMillis]).pipe(
            Effect.filterOrFail((reply) => reply === 1, () => "held" as const)
          )
          yield* taken.pipe(
            Effect.retry({
              schedule: Schedule.spaced(Duration.millis(lockPollMillis)),
              while: (error) => error === "held"
            }),
            Effect.timeoutFail({
              duration: Duration.millis(lockTtlMillis),
              onTimeout: () => "held" as const
            }),
            Effect.catchIf((error) => error === "held", () =>
              Effect.fail(
                new TokenStore.TokenStoreUnavailable({
                  operation: "lock",
                  reason: `${connection.target}: the refresh lock stayed held for ${lockTtlMillis} ms`
                })
              ))
          )
          return owner
        }),
        () => effect,
        (owner) => Effect.ignore(run("lock", Scripts.unlock, keys.lock, [owner]))
      )

    return yield* TokenStore.make({
      get,
      set: (tokens) => Effect.asVoid(run("set", Scripts.write, keys.tokens, [TokenStore.encodeJson(tokens)])),
      lock
    })
  })

/**
 * The store as core's `TokenStore`: provide it below an OAuth client layer
 * (`PipedriveNode.layerOAuth`, `PipedriveClient.layerOAuth`).
 *
 * @example
 * ```ts
 * import { PipedriveNode, RedisTokenStore } from "@effect-pipedrive/node-runtime"
 * import { Layer, Redacted } from "effect"
 *
 * // One installation's tokens, shared by every worker: one refresh between them at expiry.
 * const TokensLive = RedisTokenStore.layer({ url: Redacted.make("redis://127.0.0.1:6379") })
 * const PipedriveLive = PipedriveNode.layerOAuthConfig().pipe(Layer.provide(TokensLive))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<TokenStore.TokenStore, TokenStore.TokenStoreUnavailable> =>
  Layer.scoped(TokenStore.TokenStore, make(options))
