import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Leads from "../src/Leads.js"
import {
  baseUrl,
  json,
  leadId,
  leadJson,
  makeTestLayer,
  onlyRequest,
  pagination,
  type RecordedRequest,
  requests,
  searchItemJson,
  testToken
} from "./support/mockHttp.js"

const id = leadId(42)
const lead = leadJson({ id })

interface Case {
  readonly name: string
  readonly call: (leads: Leads.Leads["Type"]) => Effect.Effect<unknown, unknown>
  readonly method: "GET" | "POST" | "PATCH" | "DELETE"
  readonly path: string
  readonly query: Record<string, string>
  readonly body: unknown
  readonly status: number
  readonly reply: unknown
  readonly result: unknown
}

const listPage = {
  success: true,
  data: [lead],
  additional_data: pagination(0, 100, undefined)
}

const newLead = {
  title: "Acme deal",
  person_id: 7,
  owner_id: 3,
  label_ids: ["f08b42a0-4e75-11ea-9643-03698ef1cfd6"],
  value: { amount: 1200.5, currency: "EUR" },
  expected_close_date: "2025-06-30",
  visible_to: "3",
  was_seen: false,
  origin_id: "crm-sync",
  channel: 52,
  channel_id: "Jun23 Billboards"
} as const

const cases: ReadonlyArray<Case> = [
  {
    name: "addLead",
    call: (leads) => leads.addLead(newLead),
    method: "POST",
    path: "/leads",
    query: {},
    // Every field goes out as given: nothing is renamed, dropped or defaulted.
    body: newLead,
    status: 201,
    reply: { success: true, data: lead },
    result: lead
  },
  {
    name: "getLead",
    call: (leads) => leads.getLead(id),
    method: "GET",
    path: `/leads/${id}`,
    query: {},
    body: undefined,
    status: 200,
    reply: { success: true, data: lead },
    result: lead
  },
  {
    name: "updateLead",
    call: (leads) => leads.updateLead(id, { title: "Renamed", person_id: null, value: null }),
    method: "PATCH",
    path: `/leads/${id}`,
    query: {},
    body: { title: "Renamed", person_id: null, value: null },
    status: 200,
    reply: { success: true, data: { ...lead, title: "Renamed", person_id: null, value: null } },
    result: { ...lead, title: "Renamed", person_id: null, value: null }
  },
  {
    name: "deleteLead",
    call: (leads) => leads.deleteLead(id),
    method: "DELETE",
    path: `/leads/${id}`,
    query: {},
    body: undefined,
    status: 200,
    reply: { success: true, data: { id } },
    result: { id }
  },
  {
    name: "getLeadUsers",
    call: (leads) => leads.getLeadUsers(id),
    method: "GET",
    path: `/leads/${id}/permittedUsers`,
    query: {},
    body: undefined,
    status: 200,
    reply: { success: true, data: [10100010, 22302444] },
    result: [10100010, 22302444]
  },
  {
    name: "getLeads",
    call: (leads) =>
      leads.getLeads({
        start: 100,
        limit: 50,
        owner_id: 1,
        person_id: 2,
        organization_id: 3,
        filter_id: 4,
        updated_since: "2025-01-01T12:20:00.750+02:00",
        sort: "add_time DESC, title ASC"
      }),
    method: "GET",
    path: "/leads",
    query: {
      start: "100",
      limit: "50",
      owner_id: "1",
      person_id: "2",
      organization_id: "3",
      filter_id: "4",
      updated_since: "2025-01-01T10:20:00Z",
      sort: "add_time DESC, title ASC"
    },
    body: undefined,
    status: 200,
    reply: listPage,
    result: { items: [lead], pagination: listPage.additional_data.pagination }
  },
  {
    name: "getArchivedLeads",
    call: (leads) => leads.getArchivedLeads({ limit: 10, owner_id: 9 }),
    method: "GET",
    path: "/leads/archived",
    query: { limit: "10", owner_id: "9" },
    body: undefined,
    status: 200,
    reply: { ...listPage, data: [{ ...lead, is_archived: true, archive_time: "2024-05-01T08:00:00.000Z" }] },
    result: {
      items: [{ ...lead, is_archived: true, archive_time: "2024-05-01T08:00:00.000Z" }],
      pagination: listPage.additional_data.pagination
    }
  },
  {
    name: "searchLeads",
    call: (leads) =>
      leads.searchLeads({
        term: "John Doe & Co",
        fields: ["title", "notes"],
        exact_match: true,
        person_id: 5,
        organization_id: 6,
        include_fields: ["lead.was_seen"],
        start: 0,
        limit: 20
      }),
    method: "GET",
    path: "/leads/search",
    query: {
      term: "John Doe & Co",
      fields: "title,notes",
      exact_match: "true",
      person_id: "5",
      organization_id: "6",
      include_fields: "lead.was_seen",
      start: "0",
      limit: "20"
    },
    body: undefined,
    status: 200,
    reply: {
      success: true,
      data: { items: [searchItemJson({ was_seen: true })] },
      additional_data: pagination(0, 20, undefined)
    },
    result: {
      items: [searchItemJson({ was_seen: true })],
      pagination: { start: 0, limit: 20, more_items_in_collection: false }
    }
  }
]

const expectNoTokenInUrl = (request: RecordedRequest) => {
  expect(request.url).not.toContain("api_token")
  expect(request.url).not.toContain(testToken)
}

describe("endpoints", () => {
  it.effect.each(cases)("$name: method, path, query, headers, body and decoded response", (c) =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const result = yield* c.call(leads)
      expect(result).toStrictEqual(c.result)

      const request = yield* onlyRequest
      expect(request.method).toBe(c.method)
      expect(request.path).toBe(`${baseUrl}${c.path}`)
      expect(request.query).toStrictEqual(c.query)
      expect(request.search === "").toBe(Object.keys(c.query).length === 0)
      expect(request.headers["x-api-token"]).toBe(testToken)
      expect(request.headers["authorization"]).toBeUndefined()
      expect(request.headers["accept"]).toBe("application/json")
      expectNoTokenInUrl(request)
      if (c.body === undefined) {
        expect(request.bodyText).toBeUndefined()
        expect(request.headers["content-type"]).toBeUndefined()
      } else {
        expect(request.headers["content-type"]).toBe("application/json")
        expect(JSON.parse(request.bodyText ?? "null")).toStrictEqual(c.body)
      }
    }).pipe(Effect.provide(makeTestLayer(() => json(c.status, c.reply)))))

  it.effect("updateLead sends exactly the keys given: null kept, absent keys absent", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      yield* leads.updateLead(id, {
        organization_id: null,
        expected_close_date: null,
        channel: null,
        channel_id: null,
        label_ids: []
      })
      const request = yield* onlyRequest
      expect(request.bodyText).toBeDefined()
      const body = JSON.parse(request.bodyText ?? "{}") as Record<string, unknown>
      expect(Object.keys(body).sort()).toStrictEqual(
        ["channel", "channel_id", "expected_close_date", "label_ids", "organization_id"]
      )
      expect(body).toStrictEqual({
        organization_id: null,
        expected_close_date: null,
        channel: null,
        channel_id: null,
        label_ids: []
      })
      expect("person_id" in body).toBe(false)
      expect("value" in body).toBe(false)
      expect("title" in body).toBe(false)
    }).pipe(Effect.provide(makeTestLayer(() => json(200, { success: true, data: lead })))))

  it.effect("updateLead with only title sends only title", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      yield* leads.updateLead(id, { title: "Only this" })
      const request = yield* onlyRequest
      expect(request.bodyText).toBe(JSON.stringify({ title: "Only this" }))
    }).pipe(Effect.provide(makeTestLayer(() => json(200, { success: true, data: lead })))))

  it.effect("getLeads without params sends no query string", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const page = yield* leads.getLeads()
      expect(page.items).toHaveLength(1)
      const request = yield* onlyRequest
      expect(request.url).toBe(`${baseUrl}/leads`)
    }).pipe(Effect.provide(makeTestLayer(() => json(200, listPage)))))

  it.effect("an OAuth token travels as Authorization: Bearer, and no API token is sent", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      yield* leads.getLead(id)
      yield* leads.addLead({ title: "With OAuth", organization_id: 9 })
      const all = yield* requests
      expect(all).toHaveLength(2)
      for (const request of all) {
        expect(request.headers["authorization"]).toBe("Bearer oauth-access-token")
        expect(request.headers["x-api-token"]).toBeUndefined()
        expect(request.url).not.toContain("api_token")
        expect(request.url).not.toContain("oauth-access-token")
      }
    }).pipe(Effect.provide(makeTestLayer(
      (request) => json(request.method === "POST" ? 201 : 200, { success: true, data: lead }),
      { auth: { oauthToken: Redacted.make("oauth-access-token") } }
    ))))

  it.effect("a configured base URL replaces the company domain", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      yield* leads.getLead(id)
      const request = yield* onlyRequest
      expect(request.url).toBe(`https://api.pipedrive.com/v1/leads/${id}`)
    }).pipe(Effect.provide(makeTestLayer(() => json(200, { success: true, data: lead }), {
      location: { baseUrl: "https://api.pipedrive.com/v1/" }
    }))))

  it.effect("custom field keys in an addLead body are sent as given", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const hash = "d4de1c1518b4531717c676029a45911c340390a6"
      yield* leads.addLead({ title: "Custom", person_id: 1, [hash]: 1500, [`${hash}_currency`]: "EUR" })
      const request = yield* onlyRequest
      expect(JSON.parse(request.bodyText ?? "null")).toStrictEqual({
        title: "Custom",
        person_id: 1,
        [hash]: 1500,
        [`${hash}_currency`]: "EUR"
      })
    }).pipe(Effect.provide(makeTestLayer(() => json(201, { success: true, data: lead })))))
})
