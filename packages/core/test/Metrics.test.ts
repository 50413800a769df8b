import { Leads, Metrics } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Metric, TestClock } from "effect"
import * as Fs from "node:fs"

const { Fault, Trigger } = PipedriveTest

/** A metric with its tags. */
const tagged = <Type, In, Out>(metric: Metric.Metric<Type, In, Out>, tags: Record<string, string>) =>
  Object.entries(tags).reduce((tagged, [key, value]) => Metric.tagged(tagged, key, value), metric)

/** A counter's count now. */
const count = (metric: Metric.Metric.Counter<number>, tags: Record<string, string>) =>
  Effect.map(Metric.value(tagged(metric, tags)), (state) => state.count)

/** Runs `program` forked, advancing the TestClock until it is done (retries and limiter waits pass). */
const withTime = <A, E, R>(program: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(program)
    yield* TestClock.adjust("2 minutes")
    return yield* Fiber.join(fiber)
  })

const firstActive = Effect.flatMap(PipedriveTest.PipedriveTest, (model) =>
  Effect.map(model.leads, (leads) => leads.find((lead) => !lead.is_archived)!))

describe("Metrics", () => {
  it.effect("requests by operation and outcome, retries by reason, 429s by window, after a scripted run", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const lead = yield* firstActive
      // The metrics are global: the test reads how much each moved.
      const counters = {
        getLead200: [Metrics.requests, { operation: "getLead", outcome: "200" }],
        getLead503: [Metrics.requests, { operation: "getLead", outcome: "503" }],
        getLead404: [Metrics.requests, { operation: "getLead", outcome: "404" }],
        getLeads200: [Metrics.requests, { operation: "getLeads", outcome: "200" }],
        getLeads429: [Metrics.requests, { operation: "getLeads", outcome: "429" }],
        getLeadsTimeout: [Metrics.requests, { operation: "getLeads", outcome: "RequestTimeout" }],
        retryGetLead503: [Metrics.retries, { operation: "getLead", reason: "503" }],
        retryGetLeads429: [Metrics.retries, { operation: "getLeads", reason: "429" }],
        retryGetLeadsTimeout: [Metrics.retries, { operation: "getLeads", reason: "RequestTimeout" }],
        burst429: [Metrics.rateLimited, { window: "burst" }]
      } as const
      const read = Effect.forEach(Object.values(counters), ([metric, tags]) => count(metric, tags))
      const before = yield* read

      yield* withTime(Effect.gen(function*() {
        yield* leads.getLead(lead.id) // 503, retried, 200
        yield* leads.getLeads({ limit: 1 }) // 429, retried, 200
        yield* leads.getLeads({ limit: 1 }) // no answer within the timeout, retried, 200
        yield* Effect.flip(leads.getLead("4a3d1c2e-0000-4000-8000-000000000000")) // 404, not retried
      }))

      const after = yield* read
      const moved = Object.fromEntries(Object.keys(counters).map((name, i) => [name, after[i]! - before[i]!]))
      expect(moved).toEqual({
        getLead200: 1,
        getLead503: 1,
        getLead404: 1,
        getLeads200: 2,
        getLeads429: 1,
        getLeadsTimeout: 1,
        retryGetLead503: 1,
        retryGetLeads429: 1,
        retryGetLeadsTimeout: 1,
        burst429: 1
      })
    }).pipe(Effect.provide(PipedriveTest.layer({
      leads: 5,
      faults: [
        // Latency rules come first: a rule after the one that decides a request is not consulted.
        { fault: Fault.Latency({ millis: 5_000 }), endpoints: ["getLeads"], when: Trigger.EveryNth({ n: 3 }) },
        { fault: Fault.ServerError({ status: 503 }), endpoints: ["getLead"], when: Trigger.Next({ count: 1 }) },
        { fault: Fault.RateLimited(), endpoints: ["getLeads"], when: Trigger.Next({ count: 1 }) }
      ],
      client: { timeout: "1 second" }
    }))))

  it.effect("time waiting in the limiter, by operation", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const lead = yield* firstActive
      const waits = Metric.tagged(Metrics.limiterWait, "operation", "getLead")
      const before = yield* Metric.value(waits)
      // Two slots per 2 s: the first two go at once, the other two wait for the window.
      yield* withTime(Effect.forEach([1, 2, 3, 4], () => leads.getLead(lead.id), { concurrency: 4 }))
      const after = yield* Metric.value(waits)
      expect(after.count - before.count).toBe(4)
      expect(after.sum - before.sum).toBeGreaterThanOrEqual(4)
      expect(after.sum - before.sum).toBeLessThan(8)
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 5, client: { rateLimit: { requestsPerWindow: 2 } } }))))

  it.effect("daily tokens spent and left, as of the last response; a spent budget's 429 counts as daily", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const lead = yield* firstActive
      const daily429 = Metric.tagged(Metrics.rateLimited, "window", "daily")
      const before = yield* Metric.value(daily429)
      yield* leads.getLead(lead.id)
      yield* leads.getLead(lead.id)
      yield* leads.getLead(lead.id)
      expect((yield* Metric.value(Metrics.dailyTokensRemaining)).value).toBe(4)
      expect((yield* Metric.value(Metrics.dailyTokensSpent)).value).toBe(6)
      yield* leads.getLead(lead.id)
      yield* leads.getLead(lead.id)
      expect(yield* Effect.flip(leads.getLead(lead.id))).toMatchObject({ _tag: "DailyBudgetExhausted" })
      expect((yield* Metric.value(Metrics.dailyTokensRemaining)).value).toBe(0)
      expect((yield* Metric.value(Metrics.dailyTokensSpent)).value).toBe(10)
      expect((yield* Metric.value(daily429)).count - before.count).toBe(1)
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 5, limits: { dailyTokens: 10 }, client: { rateLimit: false } }))))

  it.effect("the README's metrics table lists every metric the module exports, and nothing else", () =>
    Effect.gen(function*() {
      // Reading a metric registers it: the registry then names exactly the module's metrics.
      // A metric is a function (it applies to an effect) carrying the Metric type id.
      const exported = Object.values(Metrics).filter((value: unknown) =>
        (typeof value === "function" || typeof value === "object") && value !== null && Metric.MetricTypeId in value
      )
      yield* Effect.forEach(exported, (metric) => Metric.value(metric as Metric.Metric<unknown, unknown, unknown>))
      const registered = new Set((yield* Metric.snapshot).map((pair) => pair.metricKey.name))
      const names = [...registered].filter((name) => name.startsWith("pipedrive_")).sort()
      const readme = Fs.readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
      const listed = [...readme.matchAll(/^\| `(pipedrive_\w+)` \|/gm)].map((match) => match[1]).sort()
      expect(exported.length).toBeGreaterThan(0)
      expect(names).toHaveLength(exported.length)
      expect(listed).toEqual(names)
    }))
})
