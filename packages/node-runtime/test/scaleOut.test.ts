/**
 * Several processes behind one token: four worker processes, each firing 150 concurrent
 * getLead at a fake Pipedrive that admits 40 per rolling 400 ms window, each configured for
 * exactly that limit. Counting in Redis they keep to it together; each counting alone, they
 * do not.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import * as FakePipedriveServer from "../src/FakePipedriveServer.js"
import { busyCores } from "./support/busy.js"
import { runFleet } from "./support/fleet.js"
import { startRedis } from "./support/redis.js"

const workers = 4
const callsPerWorker = 150

const runAgainstFake = (redisUrl: string | null, beforeGo?: Effect.Effect<void, never, Scope.Scope>) =>
  Effect.gen(function*() {
    const server = yield* FakePipedriveServer.make({
      leads: callsPerWorker,
      limits: { requestsPerWindow: 40, windowMillis: 400 }
    })
    const ids = (yield* server.model.leads).map((lead) => lead.id)
    const { millis, reports } = yield* runFleet(workers, {
      baseUrl: server.url,
      token: server.token,
      ids,
      rateLimit: { requestsPerWindow: 40, window: "400 millis" },
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

  it.scopedLive("each counting in its own memory: the processes together go over and meet 429s", () =>
    Effect.gen(function*() {
      const { stats } = yield* runAgainstFake(null)
      expect(stats.rateLimited).toBeGreaterThan(0)
      expect(stats.requests).toBeGreaterThan(workers * callsPerWorker)
    }), { timeout: 300_000 })
})
