import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Stream, TestClock } from "effect"
import * as Errors from "../src/Errors.js"
import * as Leads from "../src/Leads.js"
import {
  type Handler,
  json,
  leadId,
  leadJson,
  makeTestLayer,
  pagination,
  requestCount,
  testToken,
  text,
  transportFailure
} from "./support/mockHttp.js"

const id = leadId(7)
const leadPath = `/api/v1/leads/${id}`

/** Every error names its request and never carries the token, in its message or its fields. */
const expectSafe = (error: Errors.PipedriveError, method: string, path: string) => {
  expect(Errors.isPipedriveError(error)).toBe(true)
  expect(error.method).toBe(method)
  expect(error.path).toBe(path)
  expect(error.message).toContain(`${method} ${path}`)
  expect(error.message).not.toContain(testToken)
  expect(JSON.stringify(error)).not.toContain(testToken)
  expect(String(error)).not.toContain(testToken)
  expect(JSON.stringify(Object.values(error))).not.toContain(testToken)
}

/** The error `getLead` fails with when the mock answers with `handler`. */
const getLeadError = (handler: Handler) =>
  Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const error = yield* Effect.flip(leads.getLead(id))
    expectSafe(error, "GET", leadPath)
    expect(yield* requestCount).toBe(1)
    return error
  }).pipe(Effect.provide(makeTestLayer(handler)))

const errorBody = (error: string, errorInfo?: string) => ({
  success: false,
  error,
  ...(errorInfo === undefined ? {} : { error_info: errorInfo }),
  data: null,
  additional_data: null
})

describe("status codes", () => {
  it.effect("400 with error_info → BadRequest carrying error and errorInfo", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() =>
        json(400, errorBody("provided dataset is not valid", "\"title\" is required"), {
          "x-correlation-id": "corr-400"
        })
      )
      expect(error).toBeInstanceOf(Errors.BadRequest)
      expect(error).toMatchObject({
        _tag: "BadRequest",
        status: 400,
        error: "provided dataset is not valid",
        errorInfo: "\"title\" is required",
        correlationId: "corr-400"
      })
      expect(error.message).toContain("\"title\" is required")
    }))

  it.effect("401 with errorCode → Unauthorized", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() =>
        json(401, { success: false, error: "unauthorized access", errorCode: 401 })
      )
      expect(error).toBeInstanceOf(Errors.Unauthorized)
      expect(error).toMatchObject({ status: 401, error: "unauthorized access" })
      expect(error._tag === "Unauthorized" && error.errorInfo).toContain("401")
    }))

  it.effect("402 → PaymentRequired", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() => json(402, errorBody("Company account is not open")))
      expect(error).toBeInstanceOf(Errors.PaymentRequired)
      expect(error).toMatchObject({ status: 402, error: "Company account is not open" })
    }))

  it.effect("403 JSON → Forbidden, not blocked", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() => json(403, errorBody("scope mismatch", "leads:full needed")))
      expect(error).toBeInstanceOf(Errors.Forbidden)
      expect(error).toMatchObject({ status: 403, blocked: false, error: "scope mismatch" })
    }))

  it.effect("403 HTML page → Forbidden, blocked", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() =>
        text(403, "<!DOCTYPE html><html><head><title>Access denied</title></head><body>blocked</body></html>", {
          "content-type": "text/html; charset=UTF-8"
        })
      )
      expect(error).toBeInstanceOf(Errors.Forbidden)
      expect(error).toMatchObject({ status: 403, blocked: true })
      expect(error.message).toContain("blocked")
    }))

  it.effect("404 → NotFound with Pipedrive's texts", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() =>
        json(404, errorBody("requested lead not found", "Object was not found."), { "x-correlation-id": "c-404" })
      )
      expect(error).toBeInstanceOf(Errors.NotFound)
      expect(error).toMatchObject({
        status: 404,
        error: "requested lead not found",
        errorInfo: "Object was not found.",
        correlationId: "c-404"
      })
    }))

  it.effect("429 with Retry-After → RateLimited (burst) with retryAfterMillis", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() =>
        json(429, errorBody("Too many requests"), {
          "retry-after": "3",
          "x-ratelimit-limit": "20",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": "1",
          "x-daily-ratelimit-token-remaining": "5000"
        })
      )
      expect(error).toBeInstanceOf(Errors.RateLimited)
      expect(error).toMatchObject({ status: 429, scope: "burst", retryAfterMillis: 3000 })
    }))

  it.effect("429 with only x-ratelimit-reset → RateLimited with retryAfterMillis from it", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() =>
        json(429, errorBody("Too many requests"), { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2" })
      )
      expect(error).toBeInstanceOf(Errors.RateLimited)
      expect(error).toMatchObject({ scope: "burst", retryAfterMillis: 2000 })
    }))

  it.effect("429 on search → RateLimited in the search scope", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const error = yield* Effect.flip(leads.searchLeads({ term: "acme" }))
      expectSafe(error, "GET", "/api/v1/leads/search")
      expect(error).toMatchObject({ _tag: "RateLimited", scope: "search", retryAfterMillis: 1000 })
    }).pipe(Effect.provide(makeTestLayer(() => json(429, errorBody("Too many requests"), { "retry-after": "1" })))))

  it.effect("429 with no daily tokens left → DailyBudgetExhausted", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() =>
        json(429, errorBody("Daily limit reached"), {
          "x-daily-ratelimit-token-limit": "30000",
          "x-daily-ratelimit-token-remaining": "0",
          "retry-after": "1"
        })
      )
      expect(error).toBeInstanceOf(Errors.DailyBudgetExhausted)
      expect(error).toMatchObject({ status: 429, remaining: 0, cost: 2 })
    }))

  it.effect.each([500, 502, 503, 504])("%i → ServerError", (status) =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() => json(status, errorBody("Internal server error")))
      expect(error).toBeInstanceOf(Errors.ServerError)
      expect(error).toMatchObject({ status, error: "Internal server error" })
    }))

  it.effect("503 during maintenance keeps Retry-After", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() => text(503, "maintenance", { "retry-after": "120" }))
      expect(error).toMatchObject({ _tag: "ServerError", status: 503, retryAfterMillis: 120_000 })
    }))

  it.effect("a 5xx without Retry-After asks for no wait, whatever x-ratelimit-reset says", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() =>
        json(503, errorBody("Service unavailable"), {
          "x-ratelimit-limit": "100",
          "x-ratelimit-remaining": "97",
          "x-ratelimit-reset": "2"
        })
      )
      expect(error).toBeInstanceOf(Errors.ServerError)
      expect(error._tag === "ServerError" && error.retryAfterMillis).toBeUndefined()
    }))

  it.effect.each([405, 410, 422])("%i → UnexpectedStatus", (status) =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() => json(status, errorBody("not possible", "some hint")))
      expect(error).toBeInstanceOf(Errors.UnexpectedStatus)
      expect(error).toMatchObject({ status, error: "not possible", errorInfo: "some hint" })
    }))

  it.effect("errors of other endpoints name their own method and path", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const add = yield* Effect.flip(leads.addLead({ title: "x", person_id: 1 }))
      expectSafe(add, "POST", "/api/v1/leads")
      const update = yield* Effect.flip(leads.updateLead(id, { title: "y" }))
      expectSafe(update, "PATCH", leadPath)
      const del = yield* Effect.flip(leads.deleteLead(id))
      expectSafe(del, "DELETE", leadPath)
      const list = yield* Effect.flip(leads.getLeads({ limit: 5, updated_since: "2025-01-01T00:00:00Z" }))
      expectSafe(list, "GET", "/api/v1/leads")
      // The path of an error never carries the query.
      expect(list.path).not.toContain("?")
    }).pipe(Effect.provide(makeTestLayer(() => json(400, errorBody("bad"))))))
})

describe("transport failures and timeouts", () => {
  it.effect("connection refused → TransportError, request not sent", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError((_, { raw }) => transportFailure(raw, "ECONNREFUSED"))
      expect(error).toBeInstanceOf(Errors.TransportError)
      expect(error).toMatchObject({ requestSent: false, code: "ECONNREFUSED" })
    }))

  it.effect("connection reset → TransportError, request may have been sent", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError((_, { raw }) => transportFailure(raw, "ECONNRESET"))
      expect(error).toBeInstanceOf(Errors.TransportError)
      expect(error).toMatchObject({ requestSent: true, code: "ECONNRESET" })
    }))

  it.effect("a server that never answers → RequestTimeout after the configured timeout", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const fiber = yield* Effect.fork(Effect.flip(leads.getLead(id)))
      yield* TestClock.adjust("4999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      expectSafe(error, "GET", leadPath)
      expect(error).toBeInstanceOf(Errors.RequestTimeout)
      expect(error).toMatchObject({ timeoutMillis: 5000 })
    }).pipe(Effect.provide(makeTestLayer(() => Effect.never, { timeout: "5 seconds" }))))
})

describe("bodies that break the contract", () => {
  it.effect("a 200 with a bad field → ResponseDecodeError at the path into the JSON", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const error = yield* Effect.flip(leads.getLeads())
      expectSafe(error, "GET", "/api/v1/leads")
      expect(error).toBeInstanceOf(Errors.ResponseDecodeError)
      expect(error).toMatchObject({ status: 200, at: "data[1].visible_to" })
      expect(error.message).toContain("data[1].visible_to")
    }).pipe(Effect.provide(makeTestLayer(() =>
      json(200, {
        success: true,
        data: [leadJson({ id: leadId(1) }), leadJson({ id: leadId(2), visible_to: 3 })],
        additional_data: pagination(0, 100, undefined)
      })
    ))))

  it.effect("a missing required field is reported at its path", () =>
    Effect.gen(function*() {
      const { title: _, ...withoutTitle } = leadJson({ id })
      const error = yield* getLeadError(() => json(200, { success: true, data: withoutTitle }))
      expect(error).toMatchObject({ _tag: "ResponseDecodeError", at: "data.title" })
    }))

  it.effect("a 200 with truncated JSON → ResponseDecodeError", () =>
    Effect.gen(function*() {
      const full = JSON.stringify({ success: true, data: leadJson({ id }) })
      const error = yield* getLeadError(() =>
        text(200, full.slice(0, full.length / 2), { "content-type": "application/json" })
      )
      expect(error).toBeInstanceOf(Errors.ResponseDecodeError)
      expect(error).toMatchObject({ status: 200, at: "" })
    }))

  describe("a 200 that says success: false → UnsuccessfulResponse with Pipedrive's texts, sent once", () => {
    const refusal = { success: false, error: "Lead is archived", error_info: "Archived leads cannot be edited", data: [] }
    const answer = makeTestLayer(() => json(200, refusal, { "x-correlation-id": "corr-7" }), { retry: {} })
    it.effect.each([
      ["getLeads (not an empty page)", "GET", "/api/v1/leads", (leads: Leads.Leads["Type"]) => leads.getLeads()],
      ["a stream of leads", "GET", "/api/v1/leads", (leads: Leads.Leads["Type"]) => Stream.runDrain(leads.streamLeads())],
      ["getLead", "GET", leadPath, (leads: Leads.Leads["Type"]) => leads.getLead(id)],
      ["updateLead", "PATCH", leadPath, (leads: Leads.Leads["Type"]) => leads.updateLead(id, { title: "New" })],
      ["searchLeads", "GET", "/api/v1/leads/search", (leads: Leads.Leads["Type"]) => leads.searchLeads({ term: "acme" })]
    ] as const)("%s", ([, method, path, call]) =>
      Effect.gen(function*() {
        const leads = yield* Leads.Leads
        const error = yield* Effect.flip(call(leads))
        expectSafe(error, method, path)
        expect(error).toBeInstanceOf(Errors.UnsuccessfulResponse)
        expect(error).toMatchObject({
          status: 200,
          error: "Lead is archived",
          errorInfo: "Archived leads cannot be edited",
          correlationId: "corr-7"
        })
        expect(error.message).toContain("Lead is archived")
        expect(yield* requestCount).toBe(1)
      }).pipe(Effect.provide(answer)))
  })

  it.effect("x-correlation-id is kept on a 5xx error", () =>
    Effect.gen(function*() {
      const error = yield* getLeadError(() => json(500, errorBody("oops"), { "x-correlation-id": "abc-123" }))
      expect(error).toMatchObject({ _tag: "ServerError", correlationId: "abc-123" })
      expect(JSON.stringify(error)).toContain("abc-123")
    }))
})

describe("deleteLead under retries", () => {
  const retrying = { retry: { times: 3, baseDelay: "100 millis" } } as const

  /** deleteLead with retries on, run to its end on the TestClock. */
  const deleteWithRetries = Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const fiber = yield* Effect.fork(Effect.either(leads.deleteLead(id)))
    yield* TestClock.adjust("1 minute")
    return yield* Fiber.join(fiber)
  })

  it.effect("a retry that finds the lead gone succeeds: the first attempt deleted it, its answer was lost", () =>
    Effect.gen(function*() {
      const result = yield* deleteWithRetries
      expect(result).toStrictEqual(Either.right({ id }))
      expect(yield* requestCount).toBe(2)
    }).pipe(Effect.provide(makeTestLayer((_, { index }) =>
      index === 0
        ? json(503, errorBody("Service unavailable"))
        : json(404, errorBody("requested lead not found"))
    , retrying))))

  it.effect("a first-attempt 404 is NotFound, retries on or not: there was no such lead", () =>
    Effect.gen(function*() {
      const result = yield* deleteWithRetries
      expect(Either.isLeft(result) && result.left).toBeInstanceOf(Errors.NotFound)
      expect(Either.isLeft(result) && result.left).toMatchObject({ status: 404, attempts: 1 })
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(makeTestLayer(() => json(404, errorBody("requested lead not found")), retrying))))

  it.effect("a retried 404 is not mistaken for success on other operations: getLead stays NotFound", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const fiber = yield* Effect.fork(Effect.flip(leads.getLead(id)))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "NotFound", attempts: 2 })
    }).pipe(Effect.provide(makeTestLayer((_, { index }) =>
      index === 0
        ? json(503, errorBody("Service unavailable"))
        : json(404, errorBody("requested lead not found"))
    , retrying))))
})
