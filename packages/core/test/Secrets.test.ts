import { describe, expect, it } from "@effect/vitest"
import { Array as Arr, Cause, Effect, Exit, Option, Logger, LogLevel, Redacted, type Tracer } from "effect"
import type { PipedriveError } from "../src/Errors.js"
import * as Leads from "../src/Leads.js"
import type * as PipedriveClient from "../src/PipedriveClient.js"
import { json, leadId, leadJson, pagination, searchItemJson, transportFailure } from "./support/mockHttp.js"
import { runFor } from "./support/drive.js"
import { leadsLayer, makeCapturingTracer, makeScripted, parentName, type Script } from "./support/scriptedHttp.js"

const token = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

/** Leads that behave differently, so one program goes through every path of the pipeline. */
const lead = {
  ok: leadId(1),
  missing: leadId(2),
  flaky: leadId(3),
  reset: leadId(4),
  hanging: leadId(5)
}

const script: Script = (request, index) => {
  const path = request.url.pathname
  const failure = (status: number, headers: Record<string, string> = {}) =>
    json(status, { success: false, error: `error ${status}`, error_info: "hint", data: null }, {
      "x-correlation-id": `corr-${index}`,
      ...headers
    })
  const okHeaders = {
    "x-ratelimit-limit": "40",
    "x-ratelimit-remaining": "39",
    "x-ratelimit-reset": "2",
    "x-daily-ratelimit-token-remaining": "50000"
  }
  if (path.endsWith("/leads/search")) {
    return tries.search++ === 0
      ? failure(429, { "retry-after": "1" })
      : json(200, { success: true, data: { items: [searchItemJson()] }, additional_data: pagination(0, 1, undefined) })
  }
  if (request.method === "POST") return failure(500)
  if (path.endsWith(lead.missing)) return failure(404)
  if (path.endsWith(lead.flaky) && tries.flaky++ < 2) return failure(503)
  if (path.endsWith(lead.reset) && tries.reset++ < 1) return transportFailure(request.raw, "ECONNRESET")
  if (path.endsWith(lead.hanging)) return Effect.never
  return json(200, { success: true, data: leadJson({ id: path.split("/").pop() }) }, okHeaders)
}
const tries = { search: 0, flaky: 0, reset: 0 }

/** Every operation the pipeline has a path for, each outcome kept. */
const program = (leads: Leads.Leads["Type"]) =>
  Effect.all(Arr.map<ReadonlyArray<Effect.Effect<unknown, PipedriveError>>, Effect.Effect<Exit.Exit<unknown, PipedriveError>>>([
    leads.getLead(lead.ok),
    leads.getLead(lead.missing),
    leads.getLead(lead.flaky),
    leads.getLead(lead.reset),
    leads.getLead(lead.hanging),
    leads.addLead({ title: "New lead", person_id: 1 }),
    leads.searchLeads({ term: "doe" }),
    leads.updateLead("not-a-uuid", { title: "x" })
  ], Effect.exit))

const runCapturing = (auth: PipedriveClient.Auth) =>
  Effect.gen(function*() {
    tries.search = 0
    tries.flaky = 0
    tries.reset = 0
    const lines: Array<string> = []
    const capture = Logger.make((options) => {
      lines.push(Logger.logfmtLogger.log(options), JSON.stringify(Logger.structuredLogger.log(options)))
    })
    const { spans, tracer } = yield* makeCapturingTracer
    const { client, sent } = makeScripted(script)
    const exit = yield* runFor(
      Effect.flatMap(Leads.Leads, program).pipe(
        Effect.provide(leadsLayer(client, { timeout: "5 seconds", retry: { baseDelay: "10 millis" } }, auth)),
        Effect.withTracer(tracer),
        Effect.provide(Logger.add(capture)),
        Logger.withMinimumLogLevel(LogLevel.All)
      ),
      "10 minutes"
    )
    if (Exit.isFailure(exit)) throw new Error(Cause.pretty(exit.cause))
    return { exits: exit.value, lines, sent, spans }
  })

const errorTexts = (exits: ReadonlyArray<Exit.Exit<unknown, unknown>>) =>
  exits.flatMap((exit) => {
    if (Exit.isSuccess(exit)) return []
    const error: unknown = Cause.squash(exit.cause)
    return [Cause.pretty(exit.cause), String(error), JSON.stringify(error), error instanceof Error ? error.message : ""]
  })

const attributeTexts = (span: Tracer.Span) =>
  [...span.attributes].map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)

const spanNamed = (spans: ReadonlyArray<Tracer.Span>, name: string, leadIdValue?: string) =>
  spans.filter((span) => span.name === name && (leadIdValue === undefined || span.attributes.get("pipedrive.id") === leadIdValue))

describe("Secrets", () => {
  it.effect.each([
    ["an API token", { apiToken: Redacted.make(token) }, "x-api-token"],
    ["an OAuth token", { oauthToken: Redacted.make(token) }, "authorization"]
  ] as const)("%s appears in no URL, log line, error or span attribute", ([, auth, header]) =>
    Effect.gen(function*() {
      const { exits, lines, sent, spans } = yield* runCapturing(auth)

      // The program went everywhere: successes, typed failures, retries, a timeout, logs.
      expect(exits.map((exit) => Exit.isSuccess(exit) ? "ok" : Cause.failureOption(exit.cause).pipe(Option.map((e) => e._tag), Option.getOrElse(() => "defect")))).toEqual([
        "ok",
        "NotFound",
        "ok",
        "ok",
        "RequestTimeout",
        "ServerError",
        "ok",
        "InvalidInput"
      ])
      expect(lines.some((line) => line.includes("retrying getLead"))).toBe(true)
      expect(spans.length).toBeGreaterThan(20)

      // It travels in its header, and only there.
      for (const request of sent) {
        expect(request.headers[header]).toBe(header === "authorization" ? `Bearer ${token}` : token)
        expect(request.url.toString()).not.toContain(token)
        expect(request.url.searchParams.has("api_token")).toBe(false)
      }
      for (const line of lines) expect(line).not.toContain(token)
      for (const text of errorTexts(exits)) expect(text).not.toContain(token)
      for (const span of spans) {
        for (const text of attributeTexts(span)) expect(text).not.toContain(token)
        // What an exporter records of a failed span (a successful one exports no value).
        if (span.status._tag === "Ended" && Exit.isFailure(span.status.exit)) {
          expect(Cause.pretty(span.status.exit.cause)).not.toContain(token)
        }
      }

      // The HttpClient's own header attributes are there, redacted.
      const httpSpans = spans.filter((span) => span.kind === "client")
      expect(httpSpans.length).toBe(sent.length)
      for (const span of httpSpans) {
        expect(span.attributes.get(`http.request.header.${header}`)).toBe("<redacted>")
      }
    }))
})

describe("Spans", () => {
  it.effect("one per operation (its path parameters, status, attempts), one per attempt, the HTTP span inside", () =>
    Effect.gen(function*() {
      const { spans } = yield* runCapturing({ apiToken: Redacted.make(token) })

      const [ok] = spanNamed(spans, "Leads.getLead", lead.ok)
      expect(ok?.attributes.get("http.response.status_code")).toBe(200)
      expect(ok?.attributes.get("pipedrive.attempts")).toBe(1)

      const [missing] = spanNamed(spans, "Leads.getLead", lead.missing)
      expect(missing?.attributes.get("http.response.status_code")).toBe(404)
      expect(missing?.attributes.get("pipedrive.attempts")).toBe(1)
      expect(missing?.status._tag === "Ended" && Exit.isFailure(missing.status.exit)).toBe(true)

      const [flaky] = spanNamed(spans, "Leads.getLead", lead.flaky)
      expect(flaky?.attributes.get("http.response.status_code")).toBe(200)
      expect(flaky?.attributes.get("pipedrive.attempts")).toBe(3)
      const attempts = spans.filter((span) => span.name === "Pipedrive.getLead.attempt" && span.parent._tag === "Some" &&
        span.parent.value.spanId === flaky?.spanId
      )
      expect(attempts.map((span) => span.attributes.get("pipedrive.attempt"))).toEqual([1, 2, 3])
      for (const attempt of attempts) {
        const http = spans.filter((span) =>
          span.kind === "client" && span.parent._tag === "Some" && span.parent.value.spanId === attempt.spanId
        )
        expect(http).toHaveLength(1)
        expect(http[0]?.attributes.get("url.path")).toBe(`/api/v1/leads/${lead.flaky}`)
      }

      const [posted] = spanNamed(spans, "Leads.addLead")
      expect(posted?.attributes.get("http.response.status_code")).toBe(500)
      expect(posted?.attributes.get("pipedrive.attempts")).toBe(1)

      const [timedOut] = spanNamed(spans, "Leads.getLead", lead.hanging)
      expect(timedOut?.attributes.get("pipedrive.attempts")).toBe(6)

      const searchAttempts = spans.filter((span) => span.name === "Pipedrive.searchLeads.attempt")
      expect(searchAttempts).toHaveLength(2)
      expect(searchAttempts.every((span) => parentName(span) === "Leads.searchLeads")).toBe(true)
    }))
})

describe("RateLimitInfo through Leads", () => {
  it.effect("Leads.rateLimitInfo reflects the last response", () =>
    Effect.gen(function*() {
      const { client } = makeScripted(() =>
        json(200, { success: true, data: leadJson() }, {
          "x-ratelimit-limit": "100",
          "x-ratelimit-remaining": "97",
          "x-ratelimit-reset": "1.5",
          "x-daily-ratelimit-token-limit": "150000",
          "x-daily-ratelimit-token-remaining": "149000"
        })
      )
      const info = yield* Effect.flatMap(Leads.Leads, (leads) =>
        Effect.zipRight(leads.getLead(lead.ok), leads.rateLimitInfo)).pipe(
          Effect.provide(leadsLayer(client, { plan: "premium" }))
        )
      expect(info).toMatchObject({
        configured: { requestsPerWindow: 100 },
        reported: {
          limit: 100,
          remaining: 97,
          resetAt: new Date(1500),
          dailyLimit: 150_000,
          dailyRemaining: 149_000,
          at: new Date(0)
        },
        limit: 100,
        dailyLimit: 150_000,
        dailyRemaining: 149_000
      })
    }))
})
