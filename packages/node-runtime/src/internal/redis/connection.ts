/**
 * One ioredis connection for the rate-limit store, set up so that nothing waits unbounded:
 * no offline queue (a command while disconnected fails at once), no re-sending of commands
 * after a reconnect, a timeout on connecting and on every command — and, on top, an Effect
 * timeout on every call in case a promise never settles.
 */
import { RateLimit } from "@effect-pipedrive/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Redis, type RedisOptions } from "ioredis"
import type { Script } from "./scripts.js"

/** What the store needs of a connection. */
export interface Connection {
  /** Runs a script (by its SHA, loading it on first use) within the call timeout. */
  readonly run: (script: Script, keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>) => Effect.Effect<
    unknown,
    RateLimit.RateLimitStoreUnavailable
  >
  /** Whether the connection is up now. */
  readonly ready: () => boolean
  /** Host and port, for messages: never the URL, which may hold a password. */
  readonly target: string
}

export interface ConnectOptions {
  readonly url: string | Redacted.Redacted
  readonly timeout: Duration.Duration
  readonly connectTimeout: Duration.Duration
  /** Whether an unreachable Redis fails the connection (else it keeps trying in the background). */
  readonly required: boolean
  /** Loaded once connected, so that the first calls need no second round trip. */
  readonly scripts: ReadonlyArray<Script>
  readonly redis: RedisOptions | undefined
}

const messageOf = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

const targetOf = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.hostname}${parsed.port === "" ? "" : `:${parsed.port}`}`
  } catch {
    return "redis"
  }
}

/**
 * Connects, waiting for the connection to be ready at most `connectTimeout`; when `required`,
 * failing if it is not. Closing the scope quits (bounded) and disconnects, which also stops
 * reconnecting.
 */
export const connect = (
  options: ConnectOptions
): Effect.Effect<Connection, RateLimit.RateLimitStoreUnavailable, Scope.Scope> =>
  Effect.gen(function*() {
    const url = Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url
    const target = targetOf(url)
    const timeoutMillis = Duration.toMillis(options.timeout)
    const unavailable = (reason: string) => new RateLimit.RateLimitStoreUnavailable({ reason: `${target}: ${reason}` })
    let lastError = "not connected"

    const redis = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const client = new Redis(url, {
          ...options.redis,
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: Duration.toMillis(options.connectTimeout),
          commandTimeout: timeoutMillis
        })
        // Without a listener ioredis prints every failed reconnect; the last one explains failures.
        client.on("error", (error: Error) => {
          lastError = error.message
        })
        return client
      }),
      (client) =>
        Effect.tryPromise(() => client.quit()).pipe(
          Effect.when(() => client.status === "ready"),
          Effect.timeout(options.timeout),
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => client.disconnect()))
        )
    )

    const becameReady = Effect.async<void>((resume) => {
      const onReady = () => resume(Effect.void)
      redis.once("ready", onReady)
      redis.connect().catch(() => {
        // ioredis keeps reconnecting; "ready" or the timeout below ends the wait.
      })
      return Effect.sync(() => redis.off("ready", onReady))
    })
    yield* becameReady.pipe(
      Effect.timeoutFail({
        duration: options.connectTimeout,
        onTimeout: () =>
          unavailable(`could not connect within ${Duration.format(options.connectTimeout)} (${lastError})`)
      }),
      // Not required: the store falls back to local counting, and says so, until Redis is up.
      options.required ? (effect) => effect : Effect.ignore
    )
    // Best effort: a script missing later (Redis restarted) is sent in full on first use.
    yield* Effect.forEach(options.scripts, (script) => Effect.tryPromise(() => redis.script("LOAD", script.lua)), {
      discard: true
    }).pipe(Effect.timeout(options.timeout), Effect.ignore, Effect.when(() => redis.status === "ready"))

    const attempt = (script: Script, keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>) =>
      redis.evalsha(script.sha, script.keys, ...keys, ...args).catch((error: unknown) =>
        messageOf(error).startsWith("NOSCRIPT")
          ? redis.eval(script.lua, script.keys, ...keys, ...args)
          : Promise.reject(error)
      )

    return {
      target,
      ready: () => redis.status === "ready",
      run: (script, keys, args) =>
        Effect.tryPromise({
          try: () => attempt(script, keys, args),
          catch: (cause) => unavailable(`${script.name} failed: ${messageOf(cause)}`)
        }).pipe(
          // ioredis' commandTimeout should answer first; this bounds what it might not.
          Effect.timeoutFail({
            duration: Duration.millis(timeoutMillis + 100),
            onTimeout: () => unavailable(`${script.name} got no answer within ${timeoutMillis} ms`)
          })
        )
    }
  })
