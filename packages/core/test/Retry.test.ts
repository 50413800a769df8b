import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Option, Random } from "effect"
import { type PipedriveError, RateLimited, ServerError } from "../src/Errors.js"
import * as Leads from "../src/Leads.js"
import type * as PipedriveClient from "../src/PipedriveClient.js"
import * as Retry from "../src/Retry.js"
import { json, leadId, leadJson, transportFailure } from "./support/mockHttp.js"
import { runFor } from "./support/drive.js"
import { leadsLayer, makeScripted, type Script } from "./support/scriptedHttp.js"

const id = leadId(1)
const ok = (method: string) =>
  method === "DELETE" ? json(200, { success: true, data: { id } }) : json(method === "POST" ? 201 : 200, {
    success: true,
    data: leadJson({ id })
  })
const failure = (status: number, headers: Record<string, string> = {}) =>
  json(status, { success: false, error: `error ${status}`, error_info: "hint", data: null }, headers)

const failureOf = <A>(exit: Exit.Exit<A, PipedriveError>): PipedriveError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = Cause.failureOption(exit.cause)
  if (Option.isNone(error)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return error.value
}

/** Runs one getLead over `script`, lets an hour of TestClock pass, answers exit and requests. */
const getLeadWith = (script: Script, policies: PipedriveClient.Policies = {}) =>
  Effect.gen(function*() {
    const { client, sent } = makeScripted(script)
    const exit = yield* runFor(
      Effect.flatMap(Leads.Leads, (leads) => leads.getLead(id)).pipe(Effect.provide(leadsLayer(client, policies))),
      "1 hour"
    )
    return { exit, sent, gaps: sent.slice(1).map((request, i) => request.at - sent[i]!.at) }
  })

/** Fails the first `failures` requests with `fail`, then succeeds. */
const failing = (failures: number, fail: Script): Script => (request, index) =>
  index < failures ? fail(request, index) : ok(request.method)

describe("Retry: waits", () => {
  it.effect.each([
    ["3", 3000],
    ["1.5", 1500],
    ["0.25", 250],
    ["0", 0],
    ["Thu, 01 Jan 1970 00:00:05 GMT", 5000]
  ] as const)("429 with Retry-After: %s is retried exactly %i ms later", ([header, millis]) =>
    Effect.gen(function*() {
      const { exit, gaps, sent } = yield* getLeadWith(failing(1, () => failure(429, { "retry-after": header })))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sent).toHaveLength(2)
      expect(gaps).toEqual([millis])
    }))

  it.effect("Retry-After wins over x-ratelimit-reset", () =>
    Effect.gen(function*() {
      const { gaps } = yield* getLeadWith(
        failing(1, () => failure(429, { "retry-after": "4", "x-ratelimit-reset": "1", "x-ratelimit-remaining": "0" }))
      )
      expect(gaps).toEqual([4000])
    }))

  it.effect("without Retry-After, x-ratelimit-reset says when", () =>
    Effect.gen(function*() {
      const { exit, gaps } = yield* getLeadWith(
        failing(2, () => failure(429, { "x-ratelimit-reset": "2", "x-ratelimit-remaining": "0" }))
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(gaps).toEqual([2000, 2000])
    }))

  it.effect("the waits hold without the client-side limiter too", () =>
    Effect.gen(function*() {
      const { gaps } = yield* getLeadWith(
        failing(2, (_, index) => failure(429, index === 0 ? { "retry-after": "3" } : { "x-ratelimit-reset": "1" })),
        { rateLimit: false }
      )
      expect(gaps).toEqual([3000, 1000])
    }))

  it.effect("503 with Retry-After (maintenance) waits what it says", () =>
    Effect.gen(function*() {
      const { exit, gaps } = yield* getLeadWith(failing(1, () => failure(503, { "retry-after": "7" })))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(gaps).toEqual([7000])
    }))

  it.effect("with no hint, full-jitter backoff: each wait in [0, min(max, base·2^(n-1)))", () =>
    Effect.gen(function*() {
      const waits: Array<ReadonlyArray<number>> = []
      for (let seed = 0; seed < 20; seed++) {
        const { exit, gaps } = yield* getLeadWith(failing(6, () => failure(502)), {
          retry: { times: 6, baseDelay: "100 millis", maxDelay: "1 second" }
        }).pipe(Effect.withRandom(Random.make(seed)))
        expect(Exit.isSuccess(exit)).toBe(true)
        waits.push(gaps)
      }
      for (const gaps of waits) {
        expect(gaps).toHaveLength(6)
        gaps.forEach((gap, i) => {
          expect(gap).toBeGreaterThanOrEqual(0)
          expect(gap).toBeLessThan(Math.min(1000, 100 * 2 ** i))
        })
      }
      // Jitter, not a fixed schedule: the seeds disagree.
      expect(new Set(waits.map((gaps) => gaps.join(","))).size).toBeGreaterThan(10)
    }))

  it.effect("delayFor samples fill [0, ceiling) and never reach it", () =>
    Effect.gen(function*() {
      const error = new ServerError({ method: "GET", path: "/leads", status: 502 })
      const options = { baseDelay: Duration.millis(500), maxDelay: Duration.seconds(30) }
      for (let retry = 1; retry <= 10; retry++) {
        const ceiling = Math.min(30_000, 500 * 2 ** (retry - 1))
        const samples = yield* Effect.replicateEffect(Retry.delayFor(error, retry, options), 400)
        expect(Math.min(...samples)).toBeGreaterThanOrEqual(0)
        expect(Math.max(...samples)).toBeLessThan(ceiling)
        expect(Math.min(...samples)).toBeLessThan(ceiling * 0.1)
        expect(Math.max(...samples)).toBeGreaterThan(ceiling * 0.9)
      }
      const hinted = new RateLimited({ method: "GET", path: "/leads", status: 429, scope: "burst", retryAfterMillis: 1234 })
      expect(yield* Retry.delayFor(hinted, 9, options)).toBe(1234)
    }).pipe(Effect.withRandom(Random.make("delayFor"))))
})

describe("Retry: limits", () => {
  it.effect("stops at the attempt cap; the error says how many attempts were made", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* getLeadWith(() => failure(503), { retry: { times: 3, baseDelay: "10 millis" } })
      const error = failureOf(exit)
      expect(sent).toHaveLength(4)
      expect(error).toBeInstanceOf(ServerError)
      expect(error._tag === "ServerError" && error.status).toBe(503)
      expect(error._tag === "ServerError" && error.attempts).toBe(4)
      expect(error.message).toContain("after 4 attempts")
    }))

  it.effect("the default cap is 5 retries (6 attempts)", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* getLeadWith(() => failure(502))
      expect(sent).toHaveLength(6)
      expect(failureOf(exit)._tag === "ServerError" && (failureOf(exit) as ServerError).attempts).toBe(6)
    }))

  it.effect("a non-retried failure carries attempts: 1", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* getLeadWith(() => failure(404))
      expect(sent).toHaveLength(1)
      const error = failureOf(exit)
      expect(error._tag).toBe("NotFound")
      expect("attempts" in error && error.attempts).toBe(1)
    }))

  it.effect("no retry starts past the deadline", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* getLeadWith(() => failure(503, { "retry-after": "10" }), {
        retry: { times: 10, deadline: "25 seconds" }
      })
      // Attempts at 0, 10 and 20 s; one at 30 s would start past the deadline.
      expect(sent.map((request) => request.at)).toEqual([0, 10_000, 20_000])
      const error = failureOf(exit)
      expect(error._tag === "ServerError" && error.attempts).toBe(3)
    }))

  it.effect("a Retry-After beyond the deadline fails at once, without waiting", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* getLeadWith(() => failure(429, { "retry-after": "600" }), {
        retry: { deadline: "1 minute" }
      })
      expect(sent).toHaveLength(1)
      const error = failureOf(exit)
      expect(error._tag).toBe("RateLimited")
      expect(error._tag === "RateLimited" && error.retryAfterMillis).toBe(600_000)
    }))

  it.effect("retry: false sends once", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* getLeadWith(() => failure(503), { retry: false })
      expect(sent).toHaveLength(1)
      expect(failureOf(exit)._tag).toBe("ServerError")
    }))
})

type Fault =
  | { readonly status: number; readonly headers?: Record<string, string> }
  | { readonly code: "ECONNREFUSED" | "ECONNRESET" }
  | { readonly timeout: true }

const faults: ReadonlyArray<readonly [string, Fault]> = [
  ["400", { status: 400 }],
  ["401", { status: 401 }],
  ["402", { status: 402 }],
  ["403", { status: 403 }],
  ["404", { status: 404 }],
  ["422", { status: 422 }],
  ["429 burst", { status: 429, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" } }],
  ["429 daily budget", { status: 429, headers: { "x-daily-ratelimit-token-remaining": "0" } }],
  ["500", { status: 500 }],
  ["501", { status: 501 }],
  ["502", { status: 502 }],
  ["503", { status: 503 }],
  ["504", { status: 504 }],
  ["ECONNREFUSED", { code: "ECONNREFUSED" }],
  ["ECONNRESET", { code: "ECONNRESET" }],
  ["timeout", { timeout: true }]
]

const methods = ["POST", "GET", "PATCH", "DELETE"] as const
type Method = typeof methods[number]

/** Whether the design says `fault` is retried for `method`. */
const expected = (fault: string, method: Method, retryPost: boolean): boolean => {
  const replayable = method !== "POST" || retryPost
  switch (fault) {
    case "429 burst":
    case "502":
    case "503":
    case "504":
    case "ECONNREFUSED":
      return true
    case "500":
    case "ECONNRESET":
    case "timeout":
      return replayable
    default:
      return false
  }
}

const call = (leads: Leads.Leads["Type"], method: Method) => {
  switch (method) {
    case "POST":
      return leads.addLead({ title: "New lead", person_id: 1 })
    case "GET":
      return leads.getLead(id)
    case "PATCH":
      return leads.updateLead(id, { title: "Renamed" })
    case "DELETE":
      return leads.deleteLead(id)
  }
}

const rows = [false, true].flatMap((retryPost) =>
  faults.flatMap(([name, fault]) =>
    methods.map((method) => ({ name, fault, method, retryPost, retried: expected(name, method, retryPost) }))
  )
)

describe("Retry: what is retried (status × method)", () => {
  it.effect.each(rows)(
    "$name on $method (retryPost: $retryPost) → retried: $retried",
    ({ fault, method, retried, retryPost }) =>
      Effect.gen(function*() {
        const { client, sent } = makeScripted((request, index) => {
          expect(request.method).toBe(method)
          if (index > 0) return ok(request.method)
          if ("status" in fault) return failure(fault.status, fault.headers)
          if ("code" in fault) return transportFailure(request.raw, fault.code)
          return Effect.never
        })
        const exit = yield* runFor(
          Effect.flatMap(Leads.Leads, (leads) => call(leads, method)).pipe(
            Effect.provide(leadsLayer(client, {
              timeout: "5 seconds",
              retry: { times: 1, baseDelay: "10 millis", retryPost }
            }))
          ),
          "1 minute"
        )
        expect(sent).toHaveLength(retried ? 2 : 1)
        expect(Exit.isSuccess(exit)).toBe(retried)
        if (!retried) {
          const error = failureOf(exit)
          expect("attempts" in error && error.attempts).toBe(1)
          if ("timeout" in fault) expect(error._tag).toBe("RequestTimeout")
          if ("code" in fault) expect(error._tag === "TransportError" && error.code).toBe(fault.code)
          if (fault === faults[7]![1]) expect(error._tag).toBe("DailyBudgetExhausted")
        }
      })
  )

  it("isRetryable agrees with the table", () => {
    const request = { method: "POST", path: "/leads" }
    expect(Retry.isRetryable(new ServerError({ ...request, status: 500 }), "POST")).toBe(false)
    expect(Retry.isRetryable(new ServerError({ ...request, status: 500 }), "POST", true)).toBe(true)
    expect(Retry.isRetryable(new ServerError({ ...request, status: 501 }), "GET")).toBe(false)
    expect(Retry.isRetryable(new ServerError({ ...request, status: 503 }), "POST")).toBe(true)
  })
})
