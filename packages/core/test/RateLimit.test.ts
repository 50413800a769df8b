import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import { Array as Arr, Cause, Duration, Effect, Exit, Option } from "effect"
import { all as endpoints } from "../src/Endpoints.js"
import type { PipedriveError } from "../src/Errors.js"
import * as Leads from "../src/Leads.js"
import type * as PipedriveClient from "../src/PipedriveClient.js"
import { json, leadId, leadJson, pagination, searchItemJson } from "./support/mockHttp.js"
import { leadsLayer, makeScripted, runScripted, type Script, type Sent } from "./support/scriptedHttp.js"

const isSearch = (request: Sent) => request.url.pathname.endsWith("/leads/search")

/** The most requests any half-open window [t, t + window) of the clock holds. */
const busiestWindow = (times: ReadonlyArray<number>, window = 2000): number =>
  Math.max(0, ...times.map((start) => times.filter((t) => t >= start && t < start + window).length))

const success = (request: Sent, headers: Record<string, string>) => {
  const path = request.url.pathname
  if (path.endsWith("/leads/search")) {
    return json(200, { success: true, data: { items: [searchItemJson()] }, additional_data: pagination(0, 100, undefined) }, headers)
  }
  if (/\/leads\/[^/]+\/permittedUsers$/.test(path)) return json(200, { success: true, data: [1, 2] }, headers)
  if (request.method === "GET" && (path.endsWith("/leads") || path.endsWith("/leads/archived"))) {
    return json(200, { success: true, data: [leadJson()], additional_data: pagination(0, 100, undefined) }, headers)
  }
  if (request.method === "DELETE") return json(200, { success: true, data: { id: leadId(1) } }, headers)
  return json(request.method === "POST" ? 201 : 200, { success: true, data: leadJson() }, headers)
}

/**
 * Pipedrive's limiter as the contract describes it: a rolling window per token (`limit`
 * requests), search with its own (`searchLimit`); over the limit is a 429. Responses carry
 * the `x-ratelimit-*` headers of the window the request counted against.
 */
const pipedriveLike = (options: { readonly limit: number; readonly searchLimit?: number; readonly window?: number }) => {
  const window = options.window ?? 2000
  const accepted = { burst: [] as Array<number>, search: [] as Array<number> }
  const rejected: Array<Sent> = []
  const script: Script = (request) => {
    const now = request.at
    const inWindow = (log: Array<number>) => log.filter((t) => t > now - window)
    const burst = inWindow(accepted.burst)
    const search = inWindow(accepted.search)
    const [log, limit] = isSearch(request) ? [search, options.searchLimit ?? 10] : [burst, options.limit]
    const over = burst.length >= options.limit || (isSearch(request) && search.length >= (options.searchLimit ?? 10))
    if (!over) {
      accepted.burst.push(now)
      if (isSearch(request)) accepted.search.push(now)
      log.push(now)
    }
    const headers = {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - log.length)),
      "x-ratelimit-reset": String(Math.ceil(((log[0] ?? now) + window - now) / 1000))
    }
    if (over) {
      rejected.push(request)
      return json(429, { success: false, error: "Too many requests", data: null }, headers)
    }
    return success(request, headers)
  }
  return { script, rejected }
}

const getLeads = (count: number, from = 0) => (leads: Leads.Leads["Type"]) =>
  Effect.forEach(Arr.range(from + 1, from + count), (n) => leads.getLead(leadId(n)), { concurrency: "unbounded" })

const searches = (count: number) => (leads: Leads.Leads["Type"]) =>
  Effect.forEach(Arr.range(1, count), () => leads.searchLeads({ term: "doe" }), { concurrency: "unbounded" })

const runWith = runScripted

/** Some fields of an error as a plain object (vitest's deep equality loops on yieldable errors). */
const pick = (error: PipedriveError, ...keys: ReadonlyArray<string>): Record<string, unknown> =>
  Object.fromEntries(keys.map((key) => [key, (error as unknown as Record<string, unknown>)[key]]))

const failureOf = <A>(exit: Exit.Exit<A, PipedriveError>): PipedriveError => {
  const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
  if (Option.isNone(error)) throw new Error(`expected a typed failure, got ${String(exit)}`)
  return error.value
}

describe("RateLimit: burst window", () => {
  it.effect("100 concurrent getLead at 40 per 2 s: no window holds more than 40, all succeed", () =>
    Effect.gen(function*() {
      const server = pipedriveLike({ limit: 40 })
      const { exit, sent, times } = yield* runWith(
        server.script,
        { rateLimit: { requestsPerWindow: 40, window: "2 seconds" }, retry: false },
        getLeads(100)
      )
      expect(Exit.isSuccess(exit) && exit.value).toHaveLength(100)
      expect(sent).toHaveLength(100)
      expect(server.rejected).toHaveLength(0)
      expect(busiestWindow(times)).toBeLessThanOrEqual(40)
      // And no slower than the window allows: the mock answers at once, so 40 now, 40 at 2 s,
      // 20 at 4 s.
      expect(times.filter((t) => t === 0)).toHaveLength(40)
      expect(times.filter((t) => t === 2000)).toHaveLength(40)
      expect(Math.max(...times)).toBe(4000)
    }))

  it.effect("a plan gives the window: growth with an API token is 40 per 2 s", () =>
    Effect.gen(function*() {
      const server = pipedriveLike({ limit: 40 })
      const { times } = yield* runWith(server.script, { plan: "growth", retry: false }, getLeads(100))
      expect(server.rejected).toHaveLength(0)
      expect(busiestWindow(times)).toBe(40)
    }))

  it.effect("after x-ratelimit-remaining: 0 and x-ratelimit-reset: 2 the next request waits 2 s", () =>
    Effect.gen(function*() {
      const { exit, times } = yield* runWith(
        (request, index) =>
          success(request, index === 0 ? { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2" } : {}),
        { rateLimit: { requestsPerWindow: 40 } },
        (leads) => Effect.zipRight(leads.getLead(leadId(1)), leads.getLead(leadId(2)))
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(times).toEqual([0, 2000])
    }))

  it.effect("an unknown plan learns x-ratelimit-limit (40) from the first response", () =>
    Effect.gen(function*() {
      const server = pipedriveLike({ limit: 40 })
      const { exit, times } = yield* runWith(
        server.script,
        { retry: false },
        (leads) => Effect.zipRight(leads.getLead(leadId(1)), getLeads(80, 1)(leads))
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(server.rejected).toHaveLength(0)
      expect(busiestWindow(times)).toBe(40)
      // Not the cautious 20 it starts with.
      expect(times.filter((t) => t === 0)).toHaveLength(40)
    }))

  it.effect("an unknown plan learns a lower limit (10) and stays under it", () =>
    Effect.gen(function*() {
      const server = pipedriveLike({ limit: 10 })
      const { exit, times } = yield* runWith(
        server.script,
        { retry: false },
        (leads) => Effect.zipRight(leads.getLead(leadId(1)), getLeads(30, 1)(leads))
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(server.rejected).toHaveLength(0)
      expect(busiestWindow(times)).toBeLessThanOrEqual(10)
    }))

  it.effect("after a 429 the window waits what Pipedrive asked, for every later request", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* runWith(
        (request, index) =>
          index === 0 ? json(429, { success: false, data: null }, { "retry-after": "3" }) : success(request, {}),
        { rateLimit: { requestsPerWindow: 40 }, retry: false },
        (leads) => Effect.zipRight(Effect.exit(leads.getLead(leadId(1))), leads.getLead(leadId(2)))
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sent.map((request) => request.at)).toEqual([0, 3000])
    }))
})

describe("RateLimit: search window", () => {
  it.effect("30 searches and 30 getLead at once: search ≤ 10 per window, getLead not slowed", () =>
    Effect.gen(function*() {
      const server = pipedriveLike({ limit: 40, searchLimit: 10 })
      const { exit, sent } = yield* runWith(
        server.script,
        { rateLimit: { requestsPerWindow: 40 }, retry: false },
        (leads) => Effect.all([searches(30)(leads), getLeads(30)(leads)], { concurrency: "unbounded" })
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(server.rejected).toHaveLength(0)
      const searchTimes = sent.filter(isSearch).map((request) => request.at)
      const otherTimes = sent.filter((request) => !isSearch(request)).map((request) => request.at)
      expect(searchTimes).toHaveLength(30)
      expect(busiestWindow(searchTimes)).toBe(10)
      expect(busiestWindow(sent.map((request) => request.at))).toBeLessThanOrEqual(40)
      expect(otherTimes).toEqual(Arr.replicate(0, 30))
    }))

  it.effect("a spent search window does not hold back other calls", () =>
    Effect.gen(function*() {
      const server = pipedriveLike({ limit: 40, searchLimit: 10 })
      const { exit, sent } = yield* runWith(
        server.script,
        { rateLimit: { requestsPerWindow: 40 } },
        (leads) =>
          Effect.gen(function*() {
            for (let i = 0; i < 10; i++) yield* leads.searchLeads({ term: "doe" })
            yield* leads.getLead(leadId(1))
            yield* leads.searchLeads({ term: "doe" })
          })
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(server.rejected).toHaveLength(0)
      expect(sent.map((request) => [isSearch(request) ? "search" : "get", request.at])).toEqual([
        ...Arr.replicate(["search", 0], 10),
        ["get", 0],
        ["search", 2000]
      ])
    }))

  it.effect("a search response saying its window is spent holds later searches only", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* runWith(
        (request, index) =>
          success(request, index === 0 ? { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "3" } : {}),
        { rateLimit: { requestsPerWindow: 40 } },
        (leads) =>
          Effect.gen(function*() {
            yield* leads.searchLeads({ term: "doe" })
            yield* leads.getLead(leadId(1))
            yield* leads.searchLeads({ term: "doe" })
          })
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sent.map((request) => [isSearch(request) ? "search" : "get", request.at])).toEqual([
        ["search", 0],
        ["get", 0],
        ["search", 3000]
      ])
    }))

  it.effect("a search 429 holds the search window only", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* runWith(
        (request) =>
          isSearch(request) && request.at === 0
            ? json(429, { success: false, data: null }, { "retry-after": "5" })
            : success(request, {}),
        { rateLimit: { requestsPerWindow: 40 } },
        (leads) =>
          Effect.all([
            leads.searchLeads({ term: "doe" }),
            Effect.zipRight(Effect.yieldNow(), leads.getLead(leadId(1)))
          ], { concurrency: "unbounded" })
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sent.map((request) => [isSearch(request) ? "search" : "get", request.at])).toEqual([
        ["search", 0],
        ["get", 0],
        ["search", 5000]
      ])
    }))
})

describe("RateLimit: daily budget", () => {
  const operations: ReadonlyArray<
    readonly [keyof typeof endpoints, (leads: Leads.Leads["Type"]) => Effect.Effect<unknown, PipedriveError>]
  > = [
    ["addLead", (leads) => leads.addLead({ title: "New", person_id: 1 })],
    ["getLead", (leads) => leads.getLead(leadId(1))],
    ["updateLead", (leads) => leads.updateLead(leadId(1), { title: "Renamed" })],
    ["deleteLead", (leads) => leads.deleteLead(leadId(1))],
    ["getLeadUsers", (leads) => leads.getLeadUsers(leadId(1))],
    ["getLeads", (leads) => leads.getLeads()],
    ["getArchivedLeads", (leads) => leads.getArchivedLeads()],
    ["searchLeads", (leads) => leads.searchLeads({ term: "doe" })]
  ]

  it.effect("the costs are the contract's", () =>
    Effect.sync(() => {
      expect(Object.fromEntries(Object.entries(endpoints).map(([name, e]) => [name, e.cost]))).toEqual({
        addLead: 10,
        getLead: 2,
        updateLead: 10,
        deleteLead: 6,
        getLeadUsers: 10,
        getLeads: 20,
        getArchivedLeads: 40,
        searchLeads: 40,
        // The rest of the lead domain (issue #12's table).
        getLeadFields: 20,
        getLeadLabels: 10,
        addLeadLabel: 10,
        updateLeadLabel: 10,
        deleteLeadLabel: 6,
        getLeadSources: 2,
        searchLeadsV2: 20,
        convertLeadToDeal: 40,
        getLeadConversionStatus: 1,
        convertDealToLead: 40,
        getDealConversionStatus: 1
      })
    }))

  it.effect.each(operations)("%s is charged its cost: a budget of exactly that allows one call", ([name, call]) =>
    Effect.gen(function*() {
      const cost = endpoints[name].cost
      const { exit, sent } = yield* runWith(
        (request) => success(request, {}),
        { rateLimit: { dailyTokens: cost } },
        (leads) => Effect.zipRight(call(leads), call(leads))
      )
      expect(sent).toHaveLength(1)
      const error = failureOf(exit)
      expect(error._tag).toBe("DailyBudgetExhausted")
      expect(error._tag === "DailyBudgetExhausted" && [error.cost, error.remaining, error.status]).toEqual([
        cost,
        0,
        undefined
      ])
      const short = yield* runWith((request) => success(request, {}), { rateLimit: { dailyTokens: cost - 1 } }, call)
      expect(short.sent).toHaveLength(0)
      expect(failureOf(short.exit)._tag).toBe("DailyBudgetExhausted")
    }))

  it.effect("a spent budget fails fast with resetsAt, sends nothing, and is not retried", () =>
    Effect.gen(function*() {
      const { client, sent } = makeScripted((request) => success(request, {}))
      const results = yield* Effect.gen(function*() {
        const leads = yield* Leads.Leads
        yield* leads.getLeads() // 20, 30 left
        const search = yield* Effect.exit(leads.searchLeads({ term: "doe" })) // 40: refused
        yield* leads.getLead(leadId(1)) // 2, 28 left
        yield* leads.getLeads() // 20, 8 left
        const list = yield* Effect.exit(leads.getLeads()) // refused
        const info = yield* leads.rateLimitInfo
        return { search, list, info }
      }).pipe(Effect.provide(leadsLayer(client, { rateLimit: { dailyTokens: 50 } })))
      expect(sent.map((request) => request.url.pathname)).toEqual([
        "/api/v1/leads",
        `/api/v1/leads/${leadId(1)}`,
        "/api/v1/leads"
      ])
      const search = failureOf(results.search)
      expect(pick(search, "_tag", "cost", "remaining", "attempts", "resetsAt")).toEqual({
        _tag: "DailyBudgetExhausted",
        cost: 40,
        remaining: 30,
        attempts: 1,
        resetsAt: new Date("1970-01-02T00:00:00.000Z")
      })
      expect(pick(failureOf(results.list), "_tag", "cost", "remaining")).toEqual({
        _tag: "DailyBudgetExhausted",
        cost: 20,
        remaining: 8
      })
      expect(search.message).toContain("1970-01-02T00:00:00.000Z")
      expect(results.info.dailyLimit).toBe(50)
      expect(results.info.dailyRemaining).toBe(8)
    }))

  it.effect("a budget Pipedrive reports as spent fails the next call without sending it", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* runWith(
        (request) => success(request, { "x-daily-ratelimit-token-remaining": "1" }),
        {},
        (leads) => Effect.zipRight(leads.getLead(leadId(1)), leads.getLead(leadId(2)))
      )
      expect(sent).toHaveLength(1)
      expect(pick(failureOf(exit), "_tag", "cost", "remaining")).toEqual({
        _tag: "DailyBudgetExhausted",
        cost: 2,
        remaining: 1
      })
    }))

  it.effect("a 429 with no daily tokens left stops every later call, no retry", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* runWith(
        () => json(429, { success: false, data: null }, { "x-daily-ratelimit-token-remaining": "0" }),
        {},
        (leads) =>
          Effect.zipRight(Effect.exit(leads.getLead(leadId(1))), Effect.exit(leads.getLead(leadId(2)))).pipe(
            Effect.flatten
          )
      )
      expect(sent).toHaveLength(1)
      expect(pick(failureOf(exit), "_tag", "status", "remaining")).toEqual({
        _tag: "DailyBudgetExhausted",
        status: undefined,
        remaining: 0
      })
    }))
})

describe("RateLimit: RateLimitInfo", () => {
  it.effect("reflects limit, remaining, reset and daily budget after calls", () =>
    Effect.gen(function*() {
      let remaining = 40
      let daily = 60_000
      const { client } = makeScripted((request) => {
        remaining -= 1
        daily -= 2
        return success(request, {
          "x-ratelimit-limit": "40",
          "x-ratelimit-remaining": String(remaining),
          "x-ratelimit-reset": "2",
          "x-daily-ratelimit-token-limit": "60000",
          "x-daily-ratelimit-token-remaining": String(daily)
        })
      })
      const { after, before } = yield* Effect.gen(function*() {
        const leads = yield* Leads.Leads
        const before = yield* leads.rateLimitInfo
        yield* leads.getLead(leadId(1))
        yield* leads.getLead(leadId(2))
        const after = yield* leads.rateLimitInfo
        return { before, after }
      }).pipe(Effect.provide(leadsLayer(client)))
      expect(before).toMatchObject({ limit: undefined, dailyRemaining: undefined, reported: { remaining: undefined } })
      expect(after).toEqual({
        configured: { requestsPerWindow: undefined, searchRequestsPerWindow: undefined, window: undefined, dailyTokens: undefined },
        reported: {
          limit: 40,
          remaining: 38,
          resetAt: new Date(2000),
          dailyLimit: 60_000,
          dailyRemaining: 59_996,
          at: new Date(0)
        },
        limit: 40,
        dailyLimit: 60_000,
        dailyRemaining: 59_996
      })
    }))

  it.effect("keeps what was configured apart from what Pipedrive said", () =>
    Effect.gen(function*() {
      // Configured for 40; the server says its window is 100 with 99 left.
      const { client } = makeScripted((request) =>
        success(request, { "x-ratelimit-limit": "100", "x-ratelimit-remaining": "99", "x-ratelimit-reset": "2" })
      )
      const info = yield* Effect.flatMap(Leads.Leads, (leads) => Effect.zipRight(leads.getLead(leadId(1)), leads.rateLimitInfo))
        .pipe(Effect.provide(leadsLayer(client, { rateLimit: { requestsPerWindow: 40 } })))
      expect(info.configured.requestsPerWindow).toBe(40)
      expect(info.limit).toBe(40)
      expect(info.reported).toMatchObject({ limit: 100, remaining: 99 })
    }))

  it.effect("is kept with rateLimit: false too (observed, not enforced)", () =>
    Effect.gen(function*() {
      const { client } = makeScripted((request) =>
        success(request, { "x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" })
      )
      const info = yield* Effect.flatMap(Leads.Leads, (leads) =>
        Effect.zipRight(Effect.zipRight(leads.getLead(leadId(1)), leads.getLead(leadId(2))), leads.rateLimitInfo)).pipe(
          Effect.provide(leadsLayer(client, { rateLimit: false }))
        )
      expect(info).toMatchObject({ limit: 20, reported: { limit: 20, remaining: 0, resetAt: new Date(1000) } })
    }))
})


describe("RateLimit: a request counts until a window after its answer", () => {
  /** Delays the n-th request on its way (the transport's latency), per `latency(n)`. */
  const slowTransport = (latency: (n: number) => number): PipedriveClient.Policies["transformClient"] => {
    let n = 0
    return HttpClient.transform((effect) => Effect.zipRight(Effect.sleep(Duration.millis(latency(n++))), effect))
  }

  it.effect("with 300 ms on the way, the next request of a full window goes 2 s after the answer", () =>
    Effect.gen(function*() {
      const { exit, times } = yield* runWith(
        (request) => success(request, {}),
        { rateLimit: { requestsPerWindow: 1, window: "2 seconds" }, transformClient: slowTransport(() => 300) },
        getLeads(2)
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      // Pipedrive saw them 2.3 s apart: the first counted until 2 s after it was answered.
      expect(times).toEqual([300, 2600])
    }))

  it.effect("a cold first burst that reaches the server late causes no 429 (20 per 200 ms)", () =>
    Effect.gen(function*() {
      const server = pipedriveLike({ limit: 20, window: 200 })
      const { exit, sent } = yield* runWith(
        server.script,
        {
          rateLimit: { requestsPerWindow: 20, window: "200 millis" },
          retry: false,
          // The first 20 take 50 ms to arrive (new connections), the rest none.
          transformClient: slowTransport((n) => n < 20 ? 50 : 0)
        },
        getLeads(40)
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sent).toHaveLength(40)
      expect(server.rejected).toHaveLength(0)
      expect(busiestWindow(sent.map((request) => request.at), 200)).toBe(20)
    }))

  it.effect("a learned limit that grows lets the waiting requests go at once", () =>
    Effect.gen(function*() {
      // Nothing configured: the client starts at 20 and learns 100 from the first answer.
      const server = pipedriveLike({ limit: 100 })
      const { exit, times } = yield* runWith(server.script, {}, getLeads(300))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(server.rejected).toHaveLength(0)
      expect(times.filter((t) => t === 0)).toHaveLength(100)
      expect(Math.max(...times)).toBe(4000)
    }))
})
