import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import * as Conversions from "../src/Conversions.js"
import * as LeadFields from "../src/LeadFields.js"
import * as LeadLabels from "../src/LeadLabels.js"
import * as LeadSearch from "../src/LeadSearch.js"
import * as LeadSources from "../src/LeadSources.js"
import {
  type Handler,
  json,
  leadId,
  makeTestLayer,
  onlyRequest,
  pagination,
  requestCount,
  requests,
  searchItemJson,
  testToken
} from "./support/mockHttp.js"

// The expected URLs, queries and bodies are written out from the lead-domain OpenAPI excerpts
// (`../shared/reference/pipedrive-v{1,2}-lead-domain.openapi.yaml`), not read from the rows.

const services = Effect.all({
  labels: LeadLabels.LeadLabels,
  sources: LeadSources.LeadSources,
  fields: LeadFields.LeadFields,
  search: LeadSearch.LeadSearch,
  conversions: Conversions.Conversions
})
type Services = Effect.Effect.Success<typeof services>

const lead = leadId(42)
const conversionId = "4b40248b-945a-4802-b996-60fdff8c5c69"
const hot = {
  id: "f08b42a0-4e75-11ea-9643-03698ef1cfd6",
  name: "Hot",
  color: "red",
  add_time: "2020-02-13T15:31:44.000Z",
  update_time: "2020-10-14T13:11:36.000Z"
}
const cold = { ...hot, id: "f08b42a1-4e75-11ea-9643-03698ef1cfd6", name: "Cold", color: "blue" }
const field = (n: number) => ({
  id: n,
  key: n === 1 ? "title" : `${n.toString(16).padStart(2, "0")}${"c".repeat(38)}`,
  name: `Field ${n}`,
  field_type: n === 1 ? "varchar" : "enum",
  add_time: "2019-02-04 13:58:03",
  options: n === 1 ? null : [{ id: 1, label: "A" }, { id: 2, label: "B" }]
})
const hit = (n: number) => searchItemJson({ id: leadId(n), title: `Lead ${n}` })

interface Case {
  readonly name: string
  readonly call: (services: Services) => Effect.Effect<unknown, unknown>
  readonly method: "GET" | "POST" | "PATCH" | "DELETE"
  /** The full URL without its query. */
  readonly url: string
  readonly query: Record<string, string>
  readonly body: unknown
  readonly reply: unknown
  readonly result: unknown
}

const cases: ReadonlyArray<Case> = [
  {
    name: "getLeadLabels",
    call: ({ labels }) => labels.getLeadLabels(),
    method: "GET",
    url: "https://acme.pipedrive.com/api/v1/leadLabels",
    query: {},
    body: undefined,
    reply: { success: true, data: [hot, cold] },
    result: [hot, cold]
  },
  {
    name: "getLeadLabels (data: null is no labels)",
    call: ({ labels }) => labels.getLeadLabels(),
    method: "GET",
    url: "https://acme.pipedrive.com/api/v1/leadLabels",
    query: {},
    body: undefined,
    reply: { success: true, data: null },
    result: []
  },
  {
    name: "addLeadLabel",
    call: ({ labels }) => labels.addLeadLabel({ name: "Hot", color: "red" }),
    method: "POST",
    url: "https://acme.pipedrive.com/api/v1/leadLabels",
    query: {},
    body: { name: "Hot", color: "red" },
    reply: { success: true, data: hot },
    result: hot
  },
  {
    name: "updateLeadLabel",
    call: ({ labels }) => labels.updateLeadLabel(hot.id, { color: "blue" }),
    method: "PATCH",
    url: "https://acme.pipedrive.com/api/v1/leadLabels/f08b42a0-4e75-11ea-9643-03698ef1cfd6",
    query: {},
    body: { color: "blue" },
    reply: { success: true, data: { ...hot, color: "blue" } },
    result: { ...hot, color: "blue" }
  },
  {
    name: "deleteLeadLabel",
    call: ({ labels }) => labels.deleteLeadLabel(hot.id),
    method: "DELETE",
    url: "https://acme.pipedrive.com/api/v1/leadLabels/f08b42a0-4e75-11ea-9643-03698ef1cfd6",
    query: {},
    body: undefined,
    reply: { success: true, data: { id: hot.id } },
    result: { id: hot.id }
  },
  {
    name: "getLeadSources",
    call: ({ sources }) => sources.getLeadSources(),
    method: "GET",
    url: "https://acme.pipedrive.com/api/v1/leadSources",
    query: {},
    body: undefined,
    reply: { success: true, data: [{ name: "API" }, { name: "Web forms" }] },
    result: [{ name: "API" }, { name: "Web forms" }]
  },
  {
    name: "getLeadFields",
    call: ({ fields }) => fields.getLeadFields({ start: 2, limit: 2 }),
    method: "GET",
    url: "https://acme.pipedrive.com/api/v1/leadFields",
    query: { start: "2", limit: "2" },
    body: undefined,
    reply: { success: true, data: [field(3), field(4)], additional_data: pagination(2, 2, 4) },
    result: {
      items: [field(3), field(4)],
      pagination: { start: 2, limit: 2, more_items_in_collection: true, next_start: 4 }
    }
  },
  {
    name: "getLeadFields (no parameters, no query)",
    call: ({ fields }) => fields.getLeadFields(),
    method: "GET",
    url: "https://acme.pipedrive.com/api/v1/leadFields",
    query: {},
    body: undefined,
    reply: { success: true, data: [field(1)], additional_data: pagination(0, 100, undefined) },
    result: { items: [field(1)], pagination: { start: 0, limit: 100, more_items_in_collection: false } }
  },
  {
    name: "searchLeadsV2",
    call: ({ search }) =>
      search.searchLeadsV2({
        term: "John Doe & Co",
        fields: ["title", "notes", "custom_fields"],
        exact_match: true,
        person_id: 5,
        organization_id: 6,
        include_fields: ["lead.was_seen"],
        limit: 50,
        cursor: "eyJmaWVsZCI6ImlkIn0"
      }),
    method: "GET",
    url: "https://acme.pipedrive.com/api/v2/leads/search",
    query: {
      term: "John Doe & Co",
      fields: "title,notes,custom_fields",
      exact_match: "true",
      person_id: "5",
      organization_id: "6",
      include_fields: "lead.was_seen",
      limit: "50",
      cursor: "eyJmaWVsZCI6ImlkIn0"
    },
    body: undefined,
    reply: { success: true, data: { items: [hit(1)] }, additional_data: { next_cursor: "eyJuZXh0Ijo3fQ" } },
    result: { items: [hit(1)], nextCursor: "eyJuZXh0Ijo3fQ" }
  },
  {
    name: "searchLeadsV2 (last page: next_cursor null)",
    call: ({ search }) => search.searchLeadsV2({ term: "acme" }),
    method: "GET",
    url: "https://acme.pipedrive.com/api/v2/leads/search",
    query: { term: "acme" },
    body: undefined,
    reply: { success: true, data: { items: [] }, additional_data: { next_cursor: null } },
    result: { items: [], nextCursor: null }
  },
  {
    name: "convertLeadToDeal",
    call: ({ conversions }) => conversions.convertLeadToDeal(lead, { stage_id: 7 }),
    method: "POST",
    url: `https://acme.pipedrive.com/api/v2/leads/${lead}/convert/deal`,
    query: {},
    body: { stage_id: 7 },
    reply: { success: true, data: { conversion_id: conversionId }, additional_data: null },
    result: { conversion_id: conversionId }
  },
  {
    name: "convertLeadToDeal (no placement: an empty body, the default pipeline)",
    call: ({ conversions }) => conversions.convertLeadToDeal(lead),
    method: "POST",
    url: `https://acme.pipedrive.com/api/v2/leads/${lead}/convert/deal`,
    query: {},
    body: {},
    reply: { success: true, data: { conversion_id: conversionId }, additional_data: null },
    result: { conversion_id: conversionId }
  },
  {
    name: "getLeadConversionStatus",
    call: ({ conversions }) => conversions.getLeadConversionStatus(lead, conversionId),
    method: "GET",
    url: `https://acme.pipedrive.com/api/v2/leads/${lead}/convert/status/${conversionId}`,
    query: {},
    body: undefined,
    reply: { success: true, data: { deal_id: 33, conversion_id: conversionId, status: "completed" }, additional_data: null },
    result: { deal_id: 33, conversion_id: conversionId, status: "completed" }
  },
  {
    name: "convertDealToLead",
    call: ({ conversions }) => conversions.convertDealToLead(33),
    method: "POST",
    url: "https://acme.pipedrive.com/api/v2/deals/33/convert/lead",
    query: {},
    body: undefined,
    reply: { success: true, data: { conversion_id: conversionId }, additional_data: null },
    result: { conversion_id: conversionId }
  },
  {
    name: "getDealConversionStatus",
    call: ({ conversions }) => conversions.getDealConversionStatus(33, conversionId),
    method: "GET",
    url: `https://acme.pipedrive.com/api/v2/deals/33/convert/status/${conversionId}`,
    query: {},
    body: undefined,
    reply: { success: true, data: { lead_id: lead, conversion_id: conversionId, status: "completed" }, additional_data: null },
    result: { lead_id: lead, conversion_id: conversionId, status: "completed" }
  }
]

describe("lead-domain endpoints against a capturing HttpClient", () => {
  it.effect.each(cases)("$name: method, URL (v1 or v2), query, headers, body and decoded result", (c) =>
    Effect.gen(function*() {
      const result = yield* c.call(yield* services)
      expect(result).toStrictEqual(c.result)

      const request = yield* onlyRequest
      expect(request.method).toBe(c.method)
      expect(request.path).toBe(c.url)
      expect(request.query).toStrictEqual(c.query)
      expect(request.search === "").toBe(Object.keys(c.query).length === 0)
      expect(request.headers["x-api-token"]).toBe(testToken)
      expect(request.url).not.toContain(testToken)
      if (c.body === undefined) {
        expect(request.bodyText).toBeUndefined()
      } else {
        expect(request.headers["content-type"]).toBe("application/json")
        expect(JSON.parse(request.bodyText ?? "null")).toStrictEqual(c.body)
      }
    }).pipe(Effect.provide(makeTestLayer(() => json(200, c.reply)))))

  it.effect("a base URL ending in /api/v1 gives v2 beside it", () =>
    Effect.gen(function*() {
      const { conversions, labels } = yield* services
      yield* labels.getLeadLabels()
      yield* conversions.getLeadConversionStatus(lead, conversionId)
      expect((yield* requests).map((request) => request.path)).toStrictEqual([
        "https://api.example.test/api/v1/leadLabels",
        `https://api.example.test/api/v2/leads/${lead}/convert/status/${conversionId}`
      ])
    }).pipe(Effect.provide(makeTestLayer(
      (request) =>
        json(200, {
          success: true,
          data: request.path.endsWith("leadLabels") ? [] : { conversion_id: conversionId, status: "running" }
        }),
      { location: { baseUrl: "https://api.example.test/api/v1" } }
    ))))
})

/** Serves `fields` by `start`/`limit`, as Pipedrive pages them. */
const pagedFields = (all: ReadonlyArray<unknown>): Handler => (request) => {
  const start = Number(request.query.start ?? "0")
  const limit = Number(request.query.limit ?? "100")
  const next = start + limit < all.length ? start + limit : undefined
  return json(200, { success: true, data: all.slice(start, start + limit), additional_data: pagination(start, limit, next) })
}

/** Serves `hits` in pages of `limit`, the cursor an opaque token naming where the next page starts. */
const cursorPages = (hits: ReadonlyArray<unknown>): Handler => (request) => {
  const start = request.query.cursor === undefined ? 0 : Number(atob(request.query.cursor).slice("at:".length))
  const limit = Number(request.query.limit ?? "100")
  const next = start + limit < hits.length ? btoa(`at:${start + limit}`) : null
  return json(200, { success: true, data: { items: hits.slice(start, start + limit) }, additional_data: { next_cursor: next } })
}

describe("lead-domain streams", () => {
  const sevenFields = Array.from({ length: 7 }, (_, i) => field(i + 1))
  const sevenHits = Array.from({ length: 7 }, (_, i) => hit(i + 1))

  it.effect("streamLeadFields walks every page to the end: each field once, in order, one request a page", () =>
    Effect.gen(function*() {
      const { fields } = yield* services
      const all = yield* Stream.runCollect(fields.streamLeadFields({ limit: 3 }, { concurrency: 1 }))
      expect(Chunk.toReadonlyArray(all)).toStrictEqual(sevenFields)
      const sent = yield* requests
      expect(sent.map((request) => [request.path, request.query])).toStrictEqual([
        ["https://acme.pipedrive.com/api/v1/leadFields", { start: "0", limit: "3" }],
        ["https://acme.pipedrive.com/api/v1/leadFields", { start: "3", limit: "3" }],
        ["https://acme.pipedrive.com/api/v1/leadFields", { start: "6", limit: "3" }]
      ])
    }).pipe(Effect.provide(makeTestLayer(pagedFields(sevenFields)))))

  it.effect("streamLeadFields asks for 500 a page unless told", () =>
    Effect.gen(function*() {
      const { fields } = yield* services
      const all = yield* Stream.runCollect(fields.streamLeadFields())
      expect(Chunk.size(all)).toBe(7)
      expect((yield* onlyRequest).query).toStrictEqual({ start: "0", limit: "500" })
    }).pipe(Effect.provide(makeTestLayer(pagedFields(sevenFields)))))

  it.effect("streamLeadFields with Stream.take(1) sends one request", () =>
    Effect.gen(function*() {
      const { fields } = yield* services
      const first = yield* Stream.runCollect(Stream.take(fields.streamLeadFields({ limit: 3 }), 1))
      expect(Chunk.toReadonlyArray(first)).toStrictEqual([sevenFields[0]])
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(makeTestLayer(pagedFields(sevenFields)))))

  it.effect("streamSearchLeadsV2 walks every cursor page to the end: each hit once, in order, each cursor sent back", () =>
    Effect.gen(function*() {
      const { search } = yield* services
      const all = yield* Stream.runCollect(search.streamSearchLeadsV2({ term: "lead", limit: 3 }))
      expect(Chunk.toReadonlyArray(all)).toStrictEqual(sevenHits)
      const sent = yield* requests
      expect(sent.map((request) => [request.path, request.query])).toStrictEqual([
        ["https://acme.pipedrive.com/api/v2/leads/search", { term: "lead", limit: "3" }],
        ["https://acme.pipedrive.com/api/v2/leads/search", { term: "lead", limit: "3", cursor: btoa("at:3") }],
        ["https://acme.pipedrive.com/api/v2/leads/search", { term: "lead", limit: "3", cursor: btoa("at:6") }]
      ])
    }).pipe(Effect.provide(makeTestLayer(cursorPages(sevenHits)))))

  it.effect("streamSearchLeadsV2 asks for 500 a page unless told, and starts from a given cursor", () =>
    Effect.gen(function*() {
      const { search } = yield* services
      const rest = yield* Stream.runCollect(search.streamSearchLeadsV2({ term: "lead", cursor: btoa("at:5") }))
      expect(Chunk.toReadonlyArray(rest)).toStrictEqual(sevenHits.slice(5))
      expect((yield* onlyRequest).query).toStrictEqual({ term: "lead", limit: "500", cursor: btoa("at:5") })
    }).pipe(Effect.provide(makeTestLayer(cursorPages(sevenHits)))))

  it.effect("streamSearchLeadsV2 with Stream.take(1) sends one request", () =>
    Effect.gen(function*() {
      const { search } = yield* services
      const first = yield* Stream.runCollect(Stream.take(search.streamSearchLeadsV2({ term: "lead", limit: 3 }), 1))
      expect(Chunk.toReadonlyArray(first)).toStrictEqual([sevenHits[0]])
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(makeTestLayer(cursorPages(sevenHits)))))
})
