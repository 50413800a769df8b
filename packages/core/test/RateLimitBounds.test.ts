/**
 * The limiter's waits are bounded: what a response asks for is sanity-checked and clamped,
 * a request never waits past its call's deadline, and limits that cannot work are refused
 * when the layer is built.
 */
import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import {
  Array as Arr,
  Cause,
  Clock,
  ConfigProvider,
  Effect,
  Exit,
  Layer,
  Option,
  Redacted
} from "effect"
import type { PipedriveError } from "../src/Errors.js"
import type { Operation } from "../src/Operation.js"
import * as RateLimit from "../src/RateLimit.js"
import * as Leads from "../src/Leads.js"
import * as PipedriveClient from "../src/PipedriveClient.js"
import { json, leadId, leadJson } from "./support/mockHttp.js"
import { runFor } from "./support/drive.js"
import { makeScripted, runScripted } from "./support/scriptedHttp.js"

const ok = (headers: Record<string, string> = {}) => json(200, { success: true, data: leadJson() }, headers)
const tooMany = (headers: Record<string, string>) => json(429, { success: false, error: "Too many requests" }, headers)

const runWith = runScripted

const twoCalls = (leads: Leads.Leads["Type"]) =>
  Effect.zipRight(Effect.exit(leads.getLead(leadId(1))), leads.getLead(leadId(2)))

describe("RateLimit bounds: what a response asks for", () => {
  it.effect.each([
    ["Retry-After: 999999", { "retry-after": "999999" }],
    ["Retry-After: an HTTP date in 2099", { "retry-after": "Thu, 01 Jan 2099 00:00:00 GMT" }],
    ["x-ratelimit-reset: 999999999", { "x-ratelimit-reset": "999999999" }]
  ] as const)("a 429 with %s holds the window 3 windows at most, warned once", ([, headers]) =>
    Effect.gen(function*() {
      const { exit, times, warnings } = yield* runWith(
        (_, index) => index < 2 ? tooMany(headers) : ok(),
        { rateLimit: { requestsPerWindow: 40, window: "2 seconds" }, retry: false },
        (leads) => Effect.zipRight(Effect.exit(leads.getLead(leadId(1))), twoCalls(leads))
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      // Each 429 holds the window for 3 × 2 s, not for days.
      expect(times).toEqual([0, 6000, 12_000])
      expect(warnings.filter((line) => line.includes("holding 6000 ms"))).toHaveLength(1)
    }))

  it.effect("x-ratelimit-remaining: 0 with x-ratelimit-reset: 999999999 holds 3 windows at most", () =>
    Effect.gen(function*() {
      const { exit, times } = yield* runWith(
        (_, index) => ok(index === 0 ? { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "999999999" } : {}),
        // No window configured: the reset is believed up to 3 × the default 2 s.
        { rateLimit: { requestsPerWindow: 40 } },
        twoCalls
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(times).toEqual([0, 6000])
    }))

  it.effect.each(["0", "-1", "abc", ""])("x-ratelimit-limit: %j is ignored, traffic goes on at 20 per 2 s", (limit) =>
    Effect.gen(function*() {
      const { exit, times } = yield* runWith(
        () => ok({ "x-ratelimit-limit": limit, "x-ratelimit-remaining": "5" }),
        {},
        (leads) =>
          Effect.forEach(Arr.range(1, 30), (n) => leads.getLead(leadId(n)), { concurrency: "unbounded" })
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(times.filter((t) => t === 0)).toHaveLength(20)
      expect(Math.max(...times)).toBe(2000)
    }))
})

describe("RateLimit bounds: waiting counts toward the deadline", () => {
  /** Each call's end time and outcome. */
  const timed = (leads: Leads.Leads["Type"], count: number) =>
    Effect.forEach(
      Arr.range(1, count),
      (n) => Effect.zip(Effect.exit(leads.getLead(leadId(n))), Clock.currentTimeMillis),
      { concurrency: "unbounded" }
    )

  const rateLimitedOf = (exit: Exit.Exit<unknown, PipedriveError>) => {
    const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
    return Option.isSome(error) && error.value._tag === "RateLimited" ? error.value : undefined
  }

  it.effect("a call that cannot get a slot before its deadline fails at once, sending nothing", () =>
    Effect.gen(function*() {
      // 1 per 2 s and a 10 s deadline: slots at 0, 2, 4, 6, 8 and 10 s; the 94 others cannot make it.
      const { exit, sent } = yield* runWith(
        () => ok(),
        { rateLimit: { requestsPerWindow: 1, window: "2 seconds" }, retry: { deadline: "10 seconds" } },
        (leads) => timed(leads, 100),
        "5 minutes"
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      const results = Exit.isSuccess(exit) ? exit.value : []
      expect(sent.map((request) => request.at)).toEqual([0, 2000, 4000, 6000, 8000, 10_000])
      const refused = results.filter(([result]) => Exit.isFailure(result))
      expect(refused).toHaveLength(94)
      for (const [result, endedAt] of refused) {
        const error = rateLimitedOf(result)
        expect(error?.status).toBeUndefined()
        expect(error?.attempts).toBe(1)
        // At once, saying when it could have gone: after the deadline.
        expect(endedAt).toBe(0)
        expect(error?.retryAfterMillis).toBeGreaterThan(10_000)
      }
    }))

  it.effect("with a learned limit, no call waits in the limiter past its deadline", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* runWith(
        () => ok({ "x-ratelimit-limit": "1" }),
        { retry: { deadline: "10 seconds" } },
        (leads) => Effect.zipRight(leads.getLead(leadId(1)), timed(leads, 50)),
        "5 minutes"
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      const results = Exit.isSuccess(exit) ? exit.value : []
      expect(Math.max(...results.map(([, endedAt]) => endedAt))).toBeLessThanOrEqual(12_000)
      const refused = results.filter(([result]) => rateLimitedOf(result) !== undefined)
      expect(refused.length + sent.length - 1).toBe(50)
      expect(refused.length).toBeGreaterThan(40)
    }))

  it.effect("a hold past the deadline fails the next call at once, saying when it could go", () =>
    Effect.gen(function*() {
      const { exit, times } = yield* runWith(
        (_, index) => index === 0 ? tooMany({ "retry-after": "5" }) : ok(),
        { rateLimit: { requestsPerWindow: 40, window: "2 seconds" }, retry: { deadline: "3 seconds" } },
        (leads) =>
          Effect.all([
            Effect.zip(Effect.exit(leads.getLead(leadId(1))), Clock.currentTimeMillis),
            Effect.zip(Effect.exit(leads.getLead(leadId(2))), Clock.currentTimeMillis)
          ])
      )
      if (!Exit.isSuccess(exit)) throw new Error(`expected both calls to end, got ${String(exit)}`)
      const [[first, firstEnded], [second, secondEnded]] = exit.value
      // The 429 itself: its Retry-After is past the deadline, so it is not retried.
      expect(rateLimitedOf(first)?.status).toBe(429)
      expect(firstEnded).toBe(0)
      // The next call is not sent into the 5 s hold: it could go at 5 s, after its deadline.
      expect(rateLimitedOf(second)?.status).toBeUndefined()
      expect(rateLimitedOf(second)?.retryAfterMillis).toBe(5000)
      expect(secondEnded).toBe(0)
      expect(times).toEqual([0])
    }))
})

describe("RateLimit bounds: limits that cannot work are a ConfigError", () => {
  const build = (options: Partial<PipedriveClient.Policies>) => {
    const { client } = makeScripted(() => ok())
    return Effect.exit(Effect.scoped(Layer.build(
      PipedriveClient.layer({ apiToken: Redacted.make("t"), companyDomain: "acme", ...options }).pipe(
        Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
      )
    )))
  }
  const messageOf = (exit: Exit.Exit<unknown, unknown>) =>
    Exit.isFailure(exit) ? Option.getOrElse(Option.map(Cause.failureOption(exit.cause), String), () => "") : ""

  it.effect.each([
    ["rateLimit.requestsPerWindow", { rateLimit: { requestsPerWindow: 0 } }],
    ["rateLimit.requestsPerWindow", { rateLimit: { requestsPerWindow: -5 } }],
    ["rateLimit.requestsPerWindow", { rateLimit: { requestsPerWindow: Number.NaN } }],
    ["rateLimit.requestsPerWindow", { rateLimit: { requestsPerWindow: 2.5 } }],
    ["rateLimit.searchRequestsPerWindow", { rateLimit: { searchRequestsPerWindow: 0 } }],
    ["rateLimit.dailyTokens", { rateLimit: { dailyTokens: -1 } }],
    ["rateLimit.window", { rateLimit: { window: "0 millis" } }],
    ["rateLimit.window", { rateLimit: { window: Number.NaN } }],
    ["plan", { plan: "grwoth" as never }],
    ["seats", { plan: "growth", seats: 0 }]
  ] as const)("%s: %j", ([field, options]) =>
    Effect.gen(function*() {
      const exit = yield* build(options)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(messageOf(exit)).toContain(field)
    }))

  it.effect("valid limits build", () =>
    Effect.gen(function*() {
      const exit = yield* build({ plan: "growth", seats: 3, rateLimit: { requestsPerWindow: 10, window: "1 second" } })
      expect(Exit.isSuccess(exit)).toBe(true)
    }))

  it.effect("an unknown PIPEDRIVE_PLAN is a ConfigError naming it", () =>
    Effect.gen(function*() {
      const { client } = makeScripted(() => ok())
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(
        PipedriveClient.layerConfig().pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, client)))
      ))).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(
        new Map([["PIPEDRIVE_API_TOKEN", "t"], ["PIPEDRIVE_COMPANY_DOMAIN", "acme"], ["PIPEDRIVE_PLAN", "grwoth"]])
      )))
      expect(messageOf(exit)).toContain("PIPEDRIVE_PLAN")
    }))
})

describe("RateLimit: K requests in flight reach the window's ceiling", () => {
  it.effect("4 in flight, 100 ms each, at 40 per 2 s: ≥ 90 % of 20 per s, never over 40 in a window", () =>
    Effect.gen(function*() {
      const limiter = RateLimit.makeLimiter({
        key: "k",
        limits: { requestsPerWindow: 40, window: "2 seconds" },
        store: RateLimit.makeMemoryStore(),
        leaseMillis: 30_000,
        enforce: true
      })
      const operation: Operation = { name: "getLeads", method: "GET", cost: 20, window: "burst", api: "v1" }
      // Pipedrive counts a page when it arrives: 50 ms after it leaves, answered 50 ms later.
      const arrivals: Array<number> = []
      const page = limiter.limit(
        operation,
        "/api/v1/leads",
        Effect.zipRight(
          Effect.zipRight(Effect.sleep("50 millis"), Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => arrivals.push(t)))),
          Effect.sleep("50 millis")
        )
      )
      const exit = yield* runFor(Effect.forEach(Arr.range(1, 130), () => page, { concurrency: 4, discard: true }), "8 seconds")
      expect(Exit.isSuccess(exit)).toBe(true)
      // Each slot is taken from admission until a window after the answer (2.1 s), so 40 per
      // 2.1 s (95 %) is the ceiling of a limiter that never lets Pipedrive see more than 40.
      const busiest = Math.max(...arrivals.map((start) => arrivals.filter((t) => t >= start && t < start + 2000).length))
      expect(busiest).toBeLessThanOrEqual(40)
      const inSixSeconds = arrivals.filter((t) => t < 6000).length
      console.log(`4 in flight, 100 ms a page, 40 per 2 s: ${inSixSeconds} pages in the first 6 s (${(inSixSeconds / 6).toFixed(1)}/s of 20)`)
      expect(inSixSeconds).toBeGreaterThanOrEqual(0.9 * 20 * 6)
    }))
})
