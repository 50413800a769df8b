import { TokenStore } from "@effect-pipedrive/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { Redis } from "ioredis"
import * as RedisTokenStore from "../src/RedisTokenStore.js"
import { freePort, startRedis } from "./support/redis.js"

const tokens = (n: number) =>
  new TokenStore.Tokens({
    accessToken: Redacted.make(`access-${n}`),
    refreshToken: Redacted.make(`refresh-${n}`),
    expiresAt: 1_000 * n,
    scope: "base",
    apiDomain: "https://acme.pipedrive.com"
  })

describe("RedisTokenStore", () => {
  it.scopedLive("stores the tokens as one value, per installation", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const acme = yield* RedisTokenStore.make({ url: redis.url, installation: "acme" })
      const other = yield* RedisTokenStore.make({ url: redis.url, installation: "other" })
      expect(yield* acme.get).toEqual(Option.none())
      yield* acme.set(tokens(1))
      const read = yield* acme.get
      expect(Option.map(read, (t) => Redacted.value(t.refreshToken))).toEqual(Option.some("refresh-1"))
      expect(yield* other.get).toEqual(Option.none())
      const raw = new Redis(redis.url)
      yield* Effect.addFinalizer(() => Effect.sync(() => raw.disconnect()))
      expect(JSON.parse((yield* Effect.promise(() => raw.get("effect-pipedrive:oauth:acme:tokens")))!)).toMatchObject({
        accessToken: "access-1",
        expiresAt: 1000
      })
    }))

  it.scopedLive("two connections renewing the same stale tokens at once: one refresh, the other reads its result", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const [a, b] = yield* Effect.all([
        RedisTokenStore.make({ url: redis.url }),
        RedisTokenStore.make({ url: redis.url })
      ])
      yield* a.set(tokens(1))
      let refreshes = 0
      const refresh = () =>
        Effect.sync(() => ++refreshes).pipe(
          // Long enough that the other store certainly asks for the lock meanwhile.
          Effect.zipLeft(Effect.sleep("200 millis")),
          Effect.map((n) => tokens(n + 1))
        )
      const [fromA, fromB] = yield* Effect.all([
        a.renew(Option.some(tokens(1)), refresh),
        Effect.zipRight(Effect.sleep("20 millis"), b.renew(Option.some(tokens(1)), refresh))
      ], { concurrency: "unbounded" })
      expect(refreshes).toBe(1)
      expect(Redacted.value(fromA.accessToken)).toBe("access-2")
      expect(Redacted.value(fromB.accessToken)).toBe("access-2")
      expect(Option.map(yield* b.get, (t) => Redacted.value(t.refreshToken))).toEqual(Option.some("refresh-2"))
    }))

  it.scopedLive("a lock nobody releases lapses after its time to live; a refresh that fails releases it", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const store = yield* RedisTokenStore.make({ url: redis.url, lockTtl: "300 millis" })
      const raw = new Redis(redis.url)
      yield* Effect.addFinalizer(() => Effect.sync(() => raw.disconnect()))
      // A crashed holder: its lock stays until the time to live. The clock starts before the
      // lock is set, so a slow machine between the two cannot shorten the measured wait.
      const started = Date.now()
      yield* Effect.promise(() => raw.set("effect-pipedrive:oauth:default:lock", "crashed", "PX", 200))
      const renewed = yield* store.renew(Option.none(), () => Effect.succeed(tokens(1)))
      expect(Date.now() - started).toBeGreaterThanOrEqual(150)
      expect(Redacted.value(renewed.accessToken)).toBe("access-1")

      const failed = yield* Effect.flip(store.renew(Option.some(tokens(1)), () => Effect.fail("refused" as const)))
      expect(failed).toBe("refused")
      expect(yield* Effect.promise(() => raw.exists("effect-pipedrive:oauth:default:lock"))).toBe(0)
    }))

  it.scopedLive("an unreachable Redis fails building the store with TokenStoreUnavailable, URL password withheld", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const error = yield* Effect.flip(
        RedisTokenStore.make({ url: Redacted.make(`redis://:hunter2@127.0.0.1:${port}`), connectTimeout: "300 millis" })
      )
      expect(error._tag).toBe("TokenStoreUnavailable")
      expect(error.reason).toContain(`127.0.0.1:${port}`)
      expect(JSON.stringify(error)).not.toContain("hunter2")
    }))
})
