/**
 * Several processes behind one token: four worker processes, each firing 150 concurrent
 * getLead at a fake Pipedrive, each configured for exactly the fake's limit. Counting in
 * Redis they keep to it together (40 per rolling 400 ms window); each counting alone, they
 * do not (40 per hour, so the whole run falls in one window of the server's clock).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import * as FakePipedriveServer from "../src/FakePipedriveServer.js"
import { busyCores } from "./support/busy.js"
import { runFleet } from "./support/fleet.js"
import { startRedis } from "./support/redis.js"

const workers = 4
const callsPerWorker = 150

const runAgainstFake = (
  redisUrl: string | null,
  beforeGo?: Effect.Effect<void, never, Scope.Scope>,
  windowMillis = 400
) =>
  Effect.gen(function*() {
    const server = yield* FakePipedriveServer.make({
      leads: callsPerWorker,
      limits: { requestsPerWindow: 40, windowMillis }
    })
    const ids = (yield* server.model.leads).map((lead) => lead.id)
    const { millis, reports } = yield* runFleet(workers, {
      baseUrl: server.url,
      token: server.token,
      ids,
      rateLimit: { requestsPerWindow: 40, window: `${windowMillis} millis` },
      redisUrl
    }, beforeGo)
    const stats = yield* server.model.stats
    const ok = reports.reduce((sum, report) => sum + report.ok, 0)
    const failures: Record<string, number> = {}
    for (const report of reports) {
      for (const [tag, count] of Object.entries(report.failures)) failures[tag] = (failures[tag] ?? 0) + count
    }
    // The measurements, for the record (CI logs, the scale-out notes).
    console.log(
      `${workers} workers × ${callsPerWorker} getLead, ${redisUrl === null ? "memory store" : "Redis store"}: ` +
        `${ok} ok, failures ${JSON.stringify(failures)}, ${stats.rateLimited} × 429, ` +
        `peak ${stats.peakPerWindow} per window, ${stats.requests} requests, ${millis} ms from go to the last report`
    )
    return { ok, failures, stats }
  })

describe("scale-out: four processes behind one token", () => {
  it.scopedLive("sharing the Redis store: every call succeeds, no 429, never more than 40 in a window", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const { failures, ok, stats } = yield* runAgainstFake(redis.url)
      expect(failures).toEqual({})
      expect(ok).toBe(workers * callsPerWorker)
      expect(stats.rateLimited).toBe(0)
      expect(stats.peakPerWindow).toBeLessThanOrEqual(40)
      expect(stats.requests).toBe(workers * callsPerWorker)
    }), { timeout: 300_000 })

  it.scopedLive("sharing the Redis store with every core kept busy by other processes: still no failure, no 429", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const { failures, ok, stats } = yield* runAgainstFake(redis.url, busyCores())
      expect(failures).toEqual({})
      expect(ok).toBe(workers * callsPerWorker)
      expect(stats.rateLimited).toBe(0)
      expect(stats.peakPerWindow).toBeLessThanOrEqual(40)
    }), { timeout: 300_000 })

  it.scopedLive("each counting in its own memory: each keeps to the limit, together they go over and meet 429s", () =>
    Effect.gen(function*() {
      // An hour's window, longer than any run: the server counts every request the fleet sends
      // in one window however slowly a loaded machine sends them (over a 400 ms window, a
      // fleet slowed below 100 requests a second never overran it). Each process sends its own
      // 40 as soon as it is told to go, so together they send more than 40 whatever the speed;
      // the 429s' Retry-After (an hour) is past the retry deadline, so nothing waits for it.
      const { failures, ok, stats } = yield* runAgainstFake(null, undefined, 3_600_000)
      expect(ok).toBe(40)
      expect(stats.rateLimited).toBeGreaterThan(0)
      expect(stats.requests).toBe(40 + stats.rateLimited)
      // Each process kept to its own count: no more than 40 each reached the server.
      expect(stats.requests).toBeLessThanOrEqual(workers * 40)
      expect(Object.keys(failures)).toEqual(["RateLimited"])
    }), { timeout: 300_000 })
})
