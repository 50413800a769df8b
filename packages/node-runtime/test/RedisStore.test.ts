import { Leads, type PipedriveClient, RateLimit } from "@effect-pipedrive/core"
import { describe, expect, it } from "@effect/vitest"
import { Array as Arr, Clock, Deferred, Effect, Either, Exit, Fiber, Layer, Logger, Redacted } from "effect"
import { createHash } from "node:crypto"
import { Redis } from "ioredis"
import * as FakePipedriveServer from "../src/FakePipedriveServer.js"
import { PipedriveNode, RedisStore } from "../src/index.js"
import { freePort, type RunningRedis, startRedis } from "./support/redis.js"

/** The most times any half-open window [t, t + window) of the clock holds. */
const busiestWindow = (times: ReadonlyArray<number>, window: number): number =>
  Math.max(0, ...times.map((start) => times.filter((t) => t >= start && t < start + window).length))

/** A store of its own (its own connection, as another process would have) for the test's scope. */
const storeOn = (redis: RunningRedis, options: Partial<RedisStore.Options> = {}) =>
  RedisStore.make({ url: redis.url, ...options })

/** A plain client for looking at what the store wrote. */
const inspect = (redis: RunningRedis) =>
  Effect.acquireRelease(
    Effect.sync(() => new Redis(redis.url, { lazyConnect: true, enableOfflineQueue: false })),
    (client) => Effect.sync(() => client.disconnect())
  ).pipe(Effect.tap((client) => Effect.promise(() => client.connect())))

/** Fails the test, rather than hanging it, when `effect` takes longer than it possibly should. */
const within = <A, E, R>(effect: Effect.Effect<A, E, R>, what: string) =>
  Effect.timeoutFail(effect, { duration: "20 seconds", onTimeout: () => new Error(`did not finish: ${what}`) })

/** Log lines at warning level and above, as `LEVEL message`. */
const captureWarnings = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    if (logLevel._tag === "Warning" || logLevel._tag === "Error") {
      lines.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    }
  })
  return { lines, layer: Logger.add(logger) }
}

/**
 * How long an admitted request counts before it is answered: ten minutes, longer than any run,
 * so a ticket whose release was lost is still in the log, scored by its lease, when a run ends.
 */
const leaseMillis = 600_000

/** What the requests of a run did: when each was sent, and how many times it was told to wait first. */
interface Log {
  readonly sent: Array<number>
  readonly waits: Array<number>
}

/**
 * One request through a store as the limiter makes it: asks for a slot until admitted
 * (sleeping until the time the store names), is "sent" (its time and the waits before it
 * recorded), takes `latency` ms to be answered, and is released to count a window after its
 * answer.
 */
const request = (
  store: RateLimit.RateLimitStore["Type"],
  options: { readonly key: string; readonly limit: number; readonly window: number; readonly latency: number },
  log: Log,
  waits = 0
): Effect.Effect<void, RateLimit.RateLimitStoreUnavailable> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.flatMap(
      store.admit({ key: options.key, limit: options.limit, windowMillis: options.window, leaseMillis, now }),
      (admission) =>
        admission._tag === "Wait"
          ? Effect.flatMap(Clock.currentTimeMillis, (answered) =>
            Effect.zipRight(
              Effect.sleep(Math.max(0, admission.until - answered)),
              request(store, options, log, waits + 1)
            ))
          : Effect.gen(function*() {
            log.sent.push(yield* Clock.currentTimeMillis)
            log.waits.push(waits)
            yield* Effect.sleep(options.latency)
            const at = yield* Clock.currentTimeMillis
            yield* store.release({ key: options.key, ticket: admission.ticket, until: at + options.window })
          })
    ))

describe("RedisStore: rolling windows", () => {
  it.scopedLive("120 concurrent requests over three connections: no window of the clock admits more than the limit", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const stores = yield* Effect.all([storeOn(redis), storeOn(redis), storeOn(redis)])
      const options = { key: "pipedrive:test:burst", limit: 20, window: 300, latency: 10 }
      const log: Log = { sent: [], waits: [] }
      yield* within(
        Effect.forEach(stores.flatMap((store) => Arr.replicate(request(store, options, log), 40)), (r) => r, {
          concurrency: "unbounded"
        }),
        "120 requests"
      )
      const { sent, waits } = log
      expect(sent).toHaveLength(120)
      expect(busiestWindow(sent, options.window)).toBe(options.limit)
      // And no slower than needed, counted rather than timed: the first `limit` requests sent
      // were admitted on their first ask (a store that spreads them, one per window / limit,
      // makes the second wait), and the next waited for the first answers' windows.
      expect(waits.slice(0, options.limit)).toEqual(Arr.replicate(0, options.limit))
      const sorted = [...sent].sort((a, b) => a - b)
      expect(sorted[options.limit]! - sorted[0]!).toBeGreaterThanOrEqual(options.window)
      // Six rounds of `limit`, each a window after the previous round's answers: at least
      // 5 × 300 ms, which the store's own clock enforces.
      const rounds = sent.length / options.limit
      expect(sorted[119]! - sorted[0]!).toBeGreaterThanOrEqual((rounds - 1) * options.window)
      // Every slot was given back, counted rather than timed (a wall-clock ceiling on the run
      // failed on a machine with busy cores): what is left in the log counts until a window
      // after its answer, none until its admission's ten-minute lease.
      const end = yield* Clock.currentTimeMillis
      const client = yield* inspect(redis)
      const scores = (yield* Effect.promise(() =>
        client.zrange(`effect-pipedrive:${options.key}:log`, 0, -1, "WITHSCORES")
      )).filter((_, i) => i % 2 === 1).map(Number)
      expect(scores.length).toBeGreaterThan(0)
      expect(scores.filter((score) => score > end + options.window)).toEqual([])
    }))

  it.scopedLive("a full window admits again a window after the answers; a hold keeps a window closed", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const store = yield* storeOn(redis)
      const admit = (key: string, limit: number, now: number) =>
        store.admit({ key, limit, windowMillis: 500, leaseMillis: 5000, now })

      const now = yield* Clock.currentTimeMillis
      const admitted = yield* Effect.forEach(Arr.range(1, 3), () => admit("a:burst", 3, now))
      expect(admitted.map((a) => a._tag)).toEqual(["Admitted", "Admitted", "Admitted"])
      // All three in flight: none can free before a window from now.
      expect(yield* admit("a:burst", 3, now)).toEqual({ _tag: "Wait", until: now + 500 })
      // Answered at now + 100: they count until now + 600, and a slot frees then.
      for (const admission of admitted) {
        if (admission._tag === "Admitted") {
          yield* store.release({ key: "a:burst", ticket: admission.ticket, until: now + 600 })
        }
      }
      expect(yield* admit("a:burst", 3, now + 100)).toEqual({ _tag: "Wait", until: now + 600 })
      expect((yield* admit("a:burst", 3, now + 600))._tag).toBe("Admitted")

      // A hold closes a window with room; a shorter hold later does not shorten it.
      yield* store.hold("b:burst", now + 800)
      yield* store.hold("b:burst", now + 100)
      expect(yield* admit("b:burst", 100, now)).toEqual({ _tag: "Wait", until: now + 800 })
      // Other windows are not held.
      expect((yield* admit("c:burst", 100, now))._tag).toBe("Admitted")
    }))
})

describe("RedisStore: daily budget", () => {
  // Times of the caller's choosing: the budget's day is the caller's.
  const evening = Date.UTC(2025, 5, 30, 23, 59, 0)
  const nextDay = Date.UTC(2025, 6, 1, 0, 0, 1)

  it.scopedLive("spends, refuses what is not left, refills at midnight UTC, takes Pipedrive's report", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const store = yield* storeOn(redis)
      // The caller says when the day ends: midnight UTC after `now`.
      const midnightAfter = (now: number) => {
        const date = new Date(now)
        return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1)
      }
      const spend = (cost: number, now = evening, limit: number | undefined = 10, key = "p:daily") =>
        store.spend({ key, cost, limit, now, resetAt: midnightAfter(now) })
      const unlimited = (cost: number) =>
        store.spend({ key: "q:daily", cost, limit: undefined, now: evening, resetAt: midnightAfter(evening) })
      const report = (key: string, remaining: number, now: number) =>
        store.report({ key, remaining, now, resetAt: midnightAfter(now) })

      expect(yield* spend(4)).toEqual({ spent: true, remaining: 6 })
      expect(yield* spend(4)).toEqual({ spent: true, remaining: 2 })
      expect(yield* spend(4)).toEqual({ spent: false, remaining: 2 })
      expect(yield* spend(4, nextDay)).toEqual({ spent: true, remaining: 6 })
      yield* report("p:daily", 7, nextDay)
      expect(yield* spend(3, nextDay)).toEqual({ spent: true, remaining: 4 })

      // No configured limit: unknown (and not enforced) until Pipedrive reports one.
      expect(yield* unlimited(1)).toEqual({ spent: true, remaining: undefined })
      yield* report("q:daily", 5, evening)
      expect(yield* unlimited(2)).toEqual({ spent: true, remaining: 3 })
      expect(yield* unlimited(4)).toEqual({ spent: false, remaining: 3 })

      // The key lives until a little after the caller's midnight, no longer.
      const client = yield* inspect(redis)
      const ttl = yield* Effect.promise(() => client.pttl("effect-pipedrive:q:daily:budget"))
      expect(ttl).toBeGreaterThan(60_000)
      expect(ttl).toBeLessThanOrEqual(nextDay - evening + 60_000)
    }))

  it.scopedLive("200 concurrent spends from two connections: exactly the budget is spent", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const stores = yield* Effect.all([storeOn(redis), storeOn(redis)])
      const results = yield* Effect.forEach(
        Arr.range(1, 200),
        (n) => stores[n % 2]!.spend({ key: "r:daily", cost: 1, limit: 150, now: evening, resetAt: nextDay }),
        { concurrency: "unbounded" }
      )
      expect(results.filter((result) => result.spent)).toHaveLength(150)
      expect(results.filter((result) => !result.spent).every((result) => result.remaining === 0)).toBe(true)
    }))
})

describe("RedisStore: with the client", () => {
  const token = "9f8e7d6c5b4a39281706f5e4d3c2b1a0fedcba98"
  const limits = { requestsPerWindow: 40, window: "400 millis", dailyTokens: 100_000 } as const

  it.scopedLive("keys are the prefix and a digest of the token, every one expiring; the token is nowhere", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const server = yield* FakePipedriveServer.make({ leads: 5, token })
      const ids = (yield* server.model.leads).map((lead) => lead.id)
      yield* Effect.gen(function*() {
        const leads = yield* Leads.Leads
        yield* Effect.forEach(ids, (id) => leads.getLead(id), { concurrency: "unbounded" })
        yield* leads.searchLeads({ term: "lead" })
      }).pipe(
        // A window of a minute: every ticket is still counted when the test reads the log, however
        // slow the machine (with 400 ms, a later admission may already have pruned the first).
        Effect.provide(
          PipedriveNode.layer({
            apiToken: Redacted.make(token),
            baseUrl: server.url,
            rateLimit: { ...limits, window: "1 minute" }
          }).pipe(
            Layer.provide(RedisStore.layer({ url: redis.url, prefix: "fleet:" }))
          )
        )
      )
      const client = yield* inspect(redis)
      const keys = (yield* Effect.promise(() => client.keys("*"))).sort()
      const digest = createHash("sha256").update(token).digest("hex").slice(0, 32)
      expect(keys).toEqual([
        `fleet:pipedrive:${digest}:burst:log`,
        `fleet:pipedrive:${digest}:burst:seq`,
        `fleet:pipedrive:${digest}:daily:budget`,
        `fleet:pipedrive:${digest}:search:log`,
        `fleet:pipedrive:${digest}:search:seq`
      ])
      for (const key of keys) {
        expect(key).not.toContain(token)
        expect(yield* Effect.promise(() => client.pttl(key))).toBeGreaterThan(0)
      }
      const [burstLog, budget, searchLog] = yield* Effect.promise(() =>
        Promise.all([
          client.zrange(`fleet:pipedrive:${digest}:burst:log`, 0, -1, "WITHSCORES"),
          client.hgetall(`fleet:pipedrive:${digest}:daily:budget`),
          client.zrange(`fleet:pipedrive:${digest}:search:log`, 0, -1, "WITHSCORES")
        ])
      )
      expect(JSON.stringify([burstLog, budget, searchLog])).not.toContain(token)
      // Five getLead and a search still counted in the burst window (ticket, until), the
      // search in its own; the budget as Pipedrive last reported it (the fake's 1,500,000
      // less what was spent).
      expect(burstLog).toHaveLength(2 * 6)
      expect(searchLog).toHaveLength(2 * 1)
      expect(Object.keys(budget).sort()).toEqual(["remaining", "resetAt"])
      expect(Number(budget.remaining)).toBeLessThan(1_500_000)
    }))

  /** Two quick retries: a store that stays down fails the calls after them. */
  const briefRetry = { times: 2, baseDelay: "50 millis" } as const

  /** 200 concurrent getLead; once 50 have succeeded, `disrupt` runs. Answers every outcome. */
  const disruptedRun = (
    redis: RunningRedis,
    disrupt: Effect.Effect<void>,
    storeOptions: Partial<RedisStore.Options>,
    retry: PipedriveClient.Policies["retry"] = briefRetry
  ) =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({
        leads: 200,
        token,
        limits: { requestsPerWindow: 40, windowMillis: 400 }
      })
      const ids = (yield* server.model.leads).map((lead) => lead.id)
      const halfway = yield* Deferred.make<void>()
      let succeeded = 0
      const run = Effect.gen(function*() {
        const leads = yield* Leads.Leads
        return yield* Effect.forEach(
          ids,
          (id) =>
            leads.getLead(id).pipe(
              Effect.tap(() => ++succeeded === 50 ? Deferred.succeed(halfway, undefined) : Effect.void),
              Effect.either
            ),
          { concurrency: "unbounded" }
        )
      }).pipe(
        Effect.provide(
          PipedriveNode.layer({ apiToken: Redacted.make(token), baseUrl: server.url, rateLimit: limits, retry }).pipe(
            Layer.provide(RedisStore.layer({ url: redis.url, ...storeOptions }))
          )
        )
      )
      const fiber = yield* Effect.fork(run)
      yield* Deferred.await(halfway)
      yield* disrupt
      const outcomes = yield* within(Fiber.join(fiber), "the run after the disruption")
      return { outcomes, stats: yield* server.model.stats }
    })

  const failuresOf = <A, E>(outcomes: ReadonlyArray<Either.Either<A, E>>): ReadonlyArray<E> =>
    outcomes.filter(Either.isLeft).map((outcome) => outcome.left)

  it.scopedLive("Redis killed mid-run: the calls without a slot fail with RateLimitStoreError after the retries, and the run ends", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const { outcomes, stats } = yield* disruptedRun(redis, redis.kill, {})
      const failures = failuresOf(outcomes)
      expect(outcomes.length - failures.length).toBeGreaterThanOrEqual(50)
      expect(failures.length).toBeGreaterThan(0)
      for (const failure of failures) {
        expect(failure._tag).toBe("RateLimitStoreError")
        expect(failure).toMatchObject({ method: "GET", path: expect.stringMatching(/^\/api\/v1\/leads\/[0-9a-f-]+$/) })
        expect(failure.message).toContain("the shared rate-limit store is unavailable (redis://127.0.0.1:")
        expect(failure.message).toContain("the request was not sent")
        expect(failure).toMatchObject({ attempts: 3 })
      }
      // Nothing went out without a slot: every request the server saw either succeeded or
      // was a 429 retried later (a cold process's first burst may meet a few).
      expect(stats.requests).toBe(outcomes.length - failures.length + stats.rateLimited)
    }))

  it.scopedLive("Redis that stops answering for a moment (frozen 1.5 s): every call succeeds, retried", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const { outcomes, stats } = yield* disruptedRun(
        redis,
        Effect.zipRight(redis.freeze, Effect.fork(Effect.delay(redis.thaw, "1500 millis"))),
        { timeout: "300 millis" },
        {}
      )
      expect(failuresOf(outcomes)).toEqual([])
      expect(outcomes).toHaveLength(200)
      expect(stats.requests).toBe(200 + stats.rateLimited)
    }))

  it.scopedLive("Redis that stops answering mid-run: each call gives up after the store's timeout and the retries", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const { outcomes } = yield* disruptedRun(redis, redis.freeze, { timeout: "300 millis" })
      const failures = failuresOf(outcomes)
      expect(failures.length).toBeGreaterThan(0)
      for (const failure of failures) {
        expect(failure._tag).toBe("RateLimitStoreError")
        expect(failure.message).toMatch(/timed out|no answer within 300 ms/i)
      }
    }))

  it.scopedLive("Redis killed mid-run with onUnavailable: \"countLocally\": every call succeeds, with one warning", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const warnings = captureWarnings()
      const { outcomes } = yield* disruptedRun(redis, redis.kill, { onUnavailable: "countLocally" }).pipe(
        Effect.provide(warnings.layer)
      )
      expect(failuresOf(outcomes)).toEqual([])
      expect(outcomes).toHaveLength(200)
      const fallbacks = warnings.lines.filter((line) => line.includes("counting rate limits in this process"))
      expect(fallbacks).toHaveLength(1)
      expect(fallbacks[0]).toMatch(/^WARN rate-limit store unavailable: redis:\/\/127\.0\.0\.1:\d+: /)
    }))
})

describe("RedisStore: unreachable at start", () => {
  it.scopedLive("fails the layer with RateLimitStoreUnavailable, naming host and port but no password", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const exit = yield* Effect.exit(
        Effect.scoped(
          RedisStore.make({
            url: Redacted.make(`redis://:hunter2@127.0.0.1:${port}`),
            connectTimeout: "500 millis"
          })
        )
      )
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isSuccess(exit)) return
      const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error).toBeInstanceOf(RateLimit.RateLimitStoreUnavailable)
      expect(error?.message).toContain(`redis://127.0.0.1:${port}: could not connect within 500ms`)
      expect(error?.message).toContain("ECONNREFUSED")
      expect(error?.message).not.toContain("hunter2")
    }))

  it.scopedLive("with onUnavailable: \"countLocally\" the client works, counting alone, and says so", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const server = yield* FakePipedriveServer.make({ leads: 3 })
      const ids = (yield* server.model.leads).map((lead) => lead.id)
      const warnings = captureWarnings()
      const leads = yield* Effect.gen(function*() {
        const leads = yield* Leads.Leads
        return yield* Effect.forEach(ids, (id) => leads.getLead(id))
      }).pipe(
        Effect.provide(
          PipedriveNode.layer({ apiToken: Redacted.make(server.token), baseUrl: server.url, rateLimit: {} }).pipe(
            Layer.provide(
              RedisStore.layer({
                url: `redis://127.0.0.1:${port}`,
                connectTimeout: "300 millis",
                onUnavailable: "countLocally"
              })
            )
          )
        ),
        Effect.provide(warnings.layer)
      )
      expect(leads.map((lead) => lead.id)).toEqual(ids)
      expect(warnings.lines).toEqual([
        `WARN Redis rate-limit store (redis://127.0.0.1:${port}) unreachable: counting rate limits in this process until it is back`
      ])
    }))
})
