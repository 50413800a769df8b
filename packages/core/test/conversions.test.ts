import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, Schedule, TestClock } from "effect"
import * as Conversions from "../src/Conversions.js"
import * as PipedriveTest from "../src/PipedriveTest.js"
import { runFor, someoneSleeps, until } from "./support/drive.js"
import {
  type Handler,
  json,
  leadId,
  makeTestLayer,
  MockHttp,
  requestCount,
  requests,
  type TestLayerOptions
} from "./support/mockHttp.js"

const lead = leadId(7)
const deal = 33
const conversionId = "4b40248b-945a-4802-b996-60fdff8c5c69"
const leadUrl = `https://acme.pipedrive.com/api/v2/leads/${lead}/convert`
const dealUrl = `https://acme.pipedrive.com/api/v2/deals/${deal}/convert`

type Status = Record<string, unknown> | "404"

/**
 * Answers a conversion POST with the job id and the n-th status poll with `statuses[n]` (the
 * last one again once they run out).
 */
const job = (statuses: ReadonlyArray<Status>): Handler => {
  let polls = 0
  return (request) => {
    if (request.method === "POST") return json(200, { success: true, data: { conversion_id: conversionId }, additional_data: null })
    const status = statuses[Math.min(polls++, statuses.length - 1)]!
    return status === "404"
      ? json(404, { success: false, error: "Entity was not found", error_info: "Object was not found.", data: null })
      : json(200, { success: true, data: { conversion_id: conversionId, ...status }, additional_data: null })
  }
}
const notStarted = { status: "not_started" }
const running = { status: "running" }

const withJob = (statuses: ReadonlyArray<Status>, options?: TestLayerOptions) =>
  Effect.provide(makeTestLayer(job(statuses), options))

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
  if (Option.isNone(failure)) throw new Error(`expected a failure, got ${String(exit)}`)
  return failure.value
}

/** Lets other fibers run (the clock still) until at least `n` requests were sent. */
const untilSent = (n: number) => Effect.flatMap(MockHttp, ({ count }) => until(() => Effect.map(count, (sent) => sent >= n)))

const sent = Effect.map(requests, (all) => all.map((request) => `${request.method} ${request.path}`))
const polls = (url: string, n: number) => Array.from({ length: n }, () => `GET ${url}/status/${conversionId}`)

describe("Conversions: waiting for the outcome (TestClock)", () => {
  it.effect("a lead converts: not_started, running, completed → the new deal's id, one POST and three polls", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(conversions.convertLeadToDealAndWait(lead, { pipeline_id: 2 }), "1 minute")
      expect(exit).toStrictEqual(Exit.succeed(deal))
      expect(yield* sent).toStrictEqual([`POST ${leadUrl}/deal`, ...polls(leadUrl, 3)])
      expect(JSON.parse((yield* requests)[0]!.bodyText!)).toStrictEqual({ pipeline_id: 2 })
    }).pipe(withJob([notStarted, running, { status: "completed", deal_id: deal }])))

  it.effect("polls on the schedule: none before its first delay, the next only after the next", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const fiber = yield* Effect.fork(conversions.awaitLeadConversion(lead, conversionId))
      yield* untilSent(1)
      yield* someoneSleeps
      yield* TestClock.adjust("499 millis")
      expect(yield* requestCount).toBe(1)
      yield* TestClock.adjust("1 millis")
      yield* untilSent(2)
      expect(yield* Fiber.join(fiber)).toBe(deal)
    }).pipe(withJob([running, { status: "completed", deal_id: deal }])))

  it.effect("a deal converts to a lead → the new lead's id", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(conversions.convertDealToLeadAndWait(deal), "1 minute")
      expect(exit).toStrictEqual(Exit.succeed(lead))
      expect(yield* sent).toStrictEqual([`POST ${dealUrl}/lead`, ...polls(dealUrl, 2)])
    }).pipe(withJob([running, { status: "completed", lead_id: lead }])))

  it.effect("a completed status without the deal id yet is still waited on", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(conversions.awaitLeadConversion(lead, conversionId), "1 minute")
      expect(exit).toStrictEqual(Exit.succeed(deal))
      expect(yield* requestCount).toBe(2)
    }).pipe(withJob([{ status: "completed", deal_id: null }, { status: "completed", deal_id: deal }])))

  it.effect.each([
    ["failed", "ConversionFailed", Conversions.ConversionFailed],
    ["rejected", "ConversionRejected", Conversions.ConversionRejected]
  ] as const)("ending %s fails with %s, naming the job, and stops polling", ([status, tag, type]) =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(conversions.convertLeadToDealAndWait(lead), "1 minute")
      const error = failureOf(exit)
      expect(error).toBeInstanceOf(type)
      expect(error).toMatchObject({ _tag: tag, direction: "leadToDeal", source: lead, conversionId })
      expect(yield* sent).toStrictEqual([`POST ${leadUrl}/deal`, ...polls(leadUrl, 2)])
      yield* TestClock.adjust("1 hour")
      expect(yield* requestCount).toBe(3)
    }).pipe(withJob([running, { status }])))

  it.effect("a conversion the status endpoint does not know (expired or wrong id) → ConversionNotFound", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(conversions.awaitDealConversion(deal, conversionId), "1 minute")
      expect(failureOf(exit)).toMatchObject({ _tag: "ConversionNotFound", direction: "dealToLead", source: deal, conversionId })
      expect(yield* sent).toStrictEqual(polls(dealUrl, 2))
    }).pipe(withJob([running, "404"])))

  it.effect("a state Pipedrive adds later counts as pending", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(conversions.awaitLeadConversion(lead, conversionId), "1 minute")
      expect(exit).toStrictEqual(Exit.succeed(deal))
      expect(yield* requestCount).toBe(3)
    }).pipe(withJob([{ status: "queued" }, running, { status: "completed", deal_id: deal }])))

  it.effect("the schedule ends first → ConversionPending with the last state and the polls made", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const schedule = Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(2)))
      const exit = yield* runFor(conversions.awaitLeadConversion(lead, conversionId, { schedule }), "1 minute")
      expect(failureOf(exit)).toMatchObject({ _tag: "ConversionPending", status: "running", polls: 3, conversionId })
      expect(yield* requestCount).toBe(3)
    }).pipe(withJob([running])))

  it.effect("the default schedule is bounded: 31 polls, about two minutes, then ConversionPending", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const fiber = yield* Effect.fork(conversions.awaitLeadConversion(lead, conversionId))
      yield* TestClock.adjust("100 seconds")
      yield* untilSent(2)
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 minute")
      yield* until(() => fiber.unsafePoll() !== null)
      expect(failureOf(fiber.unsafePoll()!)).toMatchObject({ _tag: "ConversionPending", polls: 31 })
      yield* TestClock.adjust("1 hour")
      expect(yield* requestCount).toBe(31)
    }).pipe(withJob([notStarted, running])))

  it.effect("interrupted mid-wait: no poll is sent after the interruption, however long the clock runs", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const fiber = yield* Effect.fork(conversions.convertLeadToDealAndWait(lead))
      yield* TestClock.adjust("3 seconds")
      // The POST and at least one poll went out, and the wait sleeps before the next poll.
      yield* untilSent(2)
      yield* someoneSleeps
      const before = yield* requestCount
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      yield* TestClock.adjust("1 hour")
      yield* TestClock.adjust("1 day")
      expect(yield* requestCount).toBe(before)
      expect(yield* TestClock.sleeps()).toHaveLength(0)
    }).pipe(withJob([running])))
})

describe("Conversions: status polls against the daily budget", () => {
  // One POST (40 tokens) and three polls (1 token each).
  const statuses = [notStarted, running, { status: "completed", deal_id: deal }]

  it.effect("a budget of exactly 40 + 3 tokens converts and waits to the end", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(conversions.convertLeadToDealAndWait(lead), "1 minute")
      expect(exit).toStrictEqual(Exit.succeed(deal))
      expect(yield* requestCount).toBe(4)
    }).pipe(withJob(statuses, { rateLimit: { dailyTokens: 43 } })))

  it.effect("one token less: the third poll is refused with DailyBudgetExhausted (cost 1), not sent", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(conversions.convertLeadToDealAndWait(lead), "1 minute")
      expect(failureOf(exit)).toMatchObject({ _tag: "DailyBudgetExhausted", cost: 1, remaining: 0 })
      expect(yield* sent).toStrictEqual([`POST ${leadUrl}/deal`, ...polls(leadUrl, 2)])
    }).pipe(withJob(statuses, { rateLimit: { dailyTokens: 42 } })))
})

describe("Conversions: a POST is never sent twice", () => {
  const retry = { times: 5, baseDelay: "10 millis" } as const
  const starts = [
    ["convertLeadToDeal", (c: Conversions.Service) => c.convertLeadToDeal(lead)],
    ["convertDealToLead", (c: Conversions.Service) => c.convertDealToLead(deal)]
  ] as const

  it.effect.each(starts)("%s answered 500: ServerError after one request, with retries on", ([, start]) =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(start(conversions), "10 minutes")
      expect(failureOf(exit)).toMatchObject({ _tag: "ServerError", status: 500 })
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(makeTestLayer(() => json(500, { success: false, error: "boom" }), { retry }))))

  it.effect.each(starts)("%s that times out: RequestTimeout after one request, with retries on", ([, start]) =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(start(conversions), "10 minutes")
      expect(failureOf(exit)).toMatchObject({ _tag: "RequestTimeout" })
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(makeTestLayer(() => Effect.never, { retry, timeout: "5 seconds" }))))

  it.effect("a status poll (a GET) answered 500 is retried", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const exit = yield* runFor(conversions.getLeadConversionStatus(lead, conversionId), "10 minutes")
      expect(exit).toStrictEqual(Exit.succeed({ conversion_id: conversionId, status: "running" }))
      expect(yield* requestCount).toBe(2)
    }).pipe(Effect.provide(makeTestLayer(
      (_, { index }) =>
        index === 0
          ? json(500, { success: false, error: "boom" })
          : json(200, { success: true, data: { conversion_id: conversionId, status: "running" } }),
      { retry }
    ))))
})

describe("Conversions: Pipedrive's refusals come back typed (in-memory Pipedrive)", () => {
  const refusal = (exit: Exit.Exit<unknown, unknown>) => {
    const error = failureOf(exit) as { readonly _tag: string; readonly status?: number; readonly error?: string }
    return { tag: error._tag, status: error.status, error: error.error }
  }

  it.effect("converting a lead twice: in progress is a BadRequest, after completion the lead is gone (NotFound)", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const model = yield* PipedriveTest.PipedriveTest
      const open = (yield* model.leads).find((lead) => !lead.is_archived)!
      const first = yield* conversions.convertLeadToDeal(open.id)

      const again = yield* Effect.exit(conversions.convertLeadToDeal(open.id))
      expect(refusal(again)).toEqual({ tag: "BadRequest", status: 400, error: "Conversion in progress" })

      const waiting = yield* Effect.fork(conversions.awaitLeadConversion(open.id, first.conversion_id))
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(waiting)
      const afterwards = yield* Effect.exit(conversions.convertLeadToDeal(open.id))
      expect(refusal(afterwards)).toMatchObject({ tag: "NotFound", status: 404 })
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 20 }))))

  it.effect("an archived lead is refused with Pipedrive's answer, and stays a lead", () =>
    Effect.gen(function*() {
      const conversions = yield* Conversions.Conversions
      const model = yield* PipedriveTest.PipedriveTest
      const archived = (yield* model.leads).find((lead) => lead.is_archived)!

      const exit = yield* Effect.exit(conversions.convertLeadToDeal(archived.id))
      expect(refusal(exit)).toEqual({ tag: "BadRequest", status: 400, error: "Archived leads cannot be converted" })
      expect(Option.isSome(yield* model.lead(archived.id))).toBe(true)
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 40 }))))
})
