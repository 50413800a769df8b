/**
 * Testing a user's program by swapping the layer under it: once over an in-memory Pipedrive
 * (seed a store, run, read the store back), once over a hand-made mock `HttpClient` under the
 * real client (answer requests, check exactly what was sent).
 */
import { Lead, Leads, Pagination, PipedriveClient } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, TestClock } from "effect"
import { archiveStaleLeads } from "../src/testing.js"

const dayMillis = 86_400_000
const now = Date.UTC(2025, 5, 1, 12)

/** Twelve leads, none archived, the i-th last updated 20·i days before `now`. */
const twelveLeads: ReadonlyArray<Lead.Lead> = PipedriveTest.generateLeads(12, { seed: 3 }).map((lead, i) => ({
  ...lead,
  is_archived: false,
  archive_time: null,
  update_time: new Date(now - i * 20 * dayMillis).toISOString()
}))
const staleAfter90Days = twelveLeads.slice(5)

describe("archiveStaleLeads over PipedriveTest.layer", () => {
  it.effect("archives exactly the leads not updated in 90 days, and a second run finds none", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const model = yield* PipedriveTest.PipedriveTest

      const report = yield* archiveStaleLeads({ olderThanDays: 90 })
      expect(report.scanned).toBe(12)
      expect(report.stale.map((lead) => lead.id)).toEqual(staleAfter90Days.map((lead) => lead.id))
      expect([...report.archived].sort()).toEqual(staleAfter90Days.map((lead) => lead.id).sort())
      expect(report.skipped).toEqual([])

      const stored = yield* model.leads
      for (const [i, lead] of twelveLeads.entries()) {
        const after = stored.find((candidate) => candidate.id === lead.id)!
        if (i < 5) {
          expect(after).toEqual(lead)
        } else {
          expect(after.is_archived).toBe(true)
          expect(after.archive_time).toBe(new Date(now).toISOString())
          // Nothing else about the lead changed: custom fields included.
          const { archive_time: _, is_archived: __, update_time: ___, ...rest } = after
          const { archive_time: _a, is_archived: _b, update_time: _c, ...restBefore } = lead
          expect(rest).toEqual(restBefore)
          expect(Lead.extraFields(after)).toEqual(Lead.extraFields(lead))
        }
      }

      const again = yield* archiveStaleLeads({ olderThanDays: 90 })
      expect(again).toEqual({ scanned: 5, stale: [], archived: [], skipped: [] })
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: twelveLeads }))))

  it.effect("a dry run reads the leads and changes nothing", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const model = yield* PipedriveTest.PipedriveTest
      const report = yield* archiveStaleLeads({ olderThanDays: 90, dryRun: true })
      expect(report.stale.length).toBe(7)
      expect(report.archived).toEqual([])
      expect(yield* model.leads).toEqual(twelveLeads)
      expect((yield* model.stats).byEndpoint).toEqual({ getLeads: 1 })
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: twelveLeads }))))

  it.effect("walks every page: 1,200 leads, three pages of 500", () =>
    Effect.gen(function*() {
      const leads = PipedriveTest.generateLeads(1200)
      const model = yield* PipedriveTest.PipedriveTest
      // As of the newest lead's update time plus a day, everything older than a week is stale.
      const newest = Math.max(...leads.map((lead) => Date.parse(lead.update_time!)))
      yield* TestClock.setTime(newest + dayMillis)
      const report = yield* archiveStaleLeads({ olderThanDays: 7, dryRun: true })
      const open = leads.filter((lead) => !lead.is_archived)
      expect(report.scanned).toBe(open.length)
      expect(report.stale.length).toBe(
        open.filter((lead) => Date.parse(lead.update_time!) < newest + dayMillis - 7 * dayMillis).length
      )
      // One request per page, and at most K − 1 requested ahead past the last one.
      const pages = Math.ceil(open.length / 500)
      const { getLeads, ...others } = (yield* model.stats).byEndpoint
      expect(others).toEqual({})
      expect(getLeads).toBeGreaterThanOrEqual(pages)
      expect(getLeads).toBeLessThanOrEqual(pages + Pagination.defaultConcurrency - 1)
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 1200 }))))
})

/** What the mock saw of a request. */
interface Seen {
  readonly method: string
  /** The URL without its query. */
  readonly url: string
  readonly query: Readonly<Record<string, string>>
  readonly token: string | undefined
  readonly body: unknown
}

/**
 * A Pipedrive of a few lines: `GET /leads` answers one page of `leads`; `PATCH /leads/{id}`
 * answers the lead with the body applied, or 404 for an id in `gone`.
 */
const mockPipedrive = (leads: ReadonlyArray<Lead.Lead>, gone: ReadonlySet<string>) => {
  const seen: Array<Seen> = []
  const json = (request: Parameters<typeof HttpClientResponse.fromWeb>[0], status: number, body: unknown) =>
    HttpClientResponse.fromWeb(
      request,
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })
    )
  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      const text = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : undefined
      const body: unknown = text === undefined ? undefined : JSON.parse(text)
      seen.push({
        method: request.method,
        url: `${url.origin}${url.pathname}`,
        query: Object.fromEntries(url.searchParams),
        token: request.headers["x-api-token"],
        body
      })
      const id = /\/leads\/([^/]+)$/.exec(url.pathname)?.[1]
      if (request.method === "GET" && url.pathname.endsWith("/leads")) {
        return json(request, 200, {
          success: true,
          data: leads,
          additional_data: { pagination: { start: 0, limit: 500, more_items_in_collection: false } }
        })
      }
      const lead = leads.find((candidate) => candidate.id === id)
      if (request.method === "PATCH" && lead !== undefined && !gone.has(lead.id)) {
        return json(request, 200, { success: true, data: { ...lead, ...(body as object) } })
      }
      return json(request, 404, {
        success: false,
        error: "requested lead not found",
        error_info: "Object was not found.",
        data: null
      })
    })
  )
  return { client, seen }
}

/** The real `Leads` and `PipedriveClient` over a given `HttpClient`: the layer a user swaps. */
const overHttpClient = (client: HttpClient.HttpClient) =>
  Leads.layer.pipe(
    Layer.provide(PipedriveClient.layer({
      apiToken: Redacted.make("mock-token"),
      companyDomain: "acme",
      retry: false,
      rateLimit: false
    })),
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
  )

describe("archiveStaleLeads over a mock HttpClient", () => {
  it.effect("sends exactly one PATCH {is_archived: true} per stale lead, and skips a lead deleted meanwhile", () => {
    const [fresh, stale, deleted] = twelveLeads.slice(0, 3).map((lead, i) => ({
      ...lead,
      update_time: new Date(now - [1, 400, 500][i]! * dayMillis).toISOString()
    }))
    const { client, seen } = mockPipedrive([fresh!, stale!, deleted!], new Set([deleted!.id]))
    return Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const report = yield* archiveStaleLeads({ olderThanDays: 90, concurrency: 1 })
      expect(report).toMatchObject({ scanned: 3, archived: [stale!.id], skipped: [deleted!.id] })
      expect(seen).toEqual([
        {
          method: "GET",
          url: "https://acme.pipedrive.com/api/v1/leads",
          query: { start: "0", limit: "500" },
          token: "mock-token",
          body: undefined
        },
        {
          method: "PATCH",
          url: `https://acme.pipedrive.com/api/v1/leads/${stale!.id}`,
          query: {},
          token: "mock-token",
          body: { is_archived: true }
        },
        {
          method: "PATCH",
          url: `https://acme.pipedrive.com/api/v1/leads/${deleted!.id}`,
          query: {},
          token: "mock-token",
          body: { is_archived: true }
        }
      ])
    }).pipe(Effect.provide(overHttpClient(client)))
  })

  it.effect("fails with the typed error when Pipedrive refuses the token", () =>
    Effect.gen(function*() {
      const client = HttpClient.make((request) =>
        Effect.succeed(HttpClientResponse.fromWeb(
          request,
          new Response(JSON.stringify({ success: false, error: "unauthorized access", errorCode: 401 }), {
            status: 401,
            headers: { "content-type": "application/json" }
          })
        ))
      )
      const error = yield* Effect.flip(
        archiveStaleLeads({ olderThanDays: 90 }).pipe(Effect.provide(overHttpClient(client)))
      )
      expect(error._tag).toBe("Unauthorized")
      expect(error.message).not.toContain("mock-token")
    }))
})
