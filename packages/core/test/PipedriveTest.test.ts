import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Lead, Leads, PipedriveClient } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Effect, Fiber, Option, Redacted, Schema, Stream, TestClock } from "effect"
import { enums } from "../src/internal/fake/contract.js"

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** Runs a program against a fresh in-memory Pipedrive. */
const against = (options: PipedriveTest.LayerOptions = {}) =>
<A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, PipedriveTest.layer(options))

interface Sent {
  readonly query?: Record<string, string>
  readonly body?: unknown
  readonly headers?: Record<string, string>
  readonly now?: number
}

/**
 * Sends one request straight to the model (no client, no transport): what it says to do. A path
 * without an API prefix goes below `/api/v1`.
 */
const send = (model: PipedriveTest.Service, method: string, path: string, options: Sent = {}): PipedriveTest.Outcome =>
  model.handle({
    method,
    path: /^\/(api\/)?v\d\//.test(path) ? path : `/api/v1${path}`,
    query: options.query ?? {},
    headers: options.headers ?? { "x-api-token": model.token },
    body: options.body === undefined ? undefined : JSON.stringify(options.body)
  }, options.now ?? 0)

/** Sends one request straight to the model and expects a normal response. */
const call = (model: PipedriveTest.Service, method: string, path: string, options: Sent = {}): PipedriveTest.Response => {
  const outcome = send(model, method, path, options)
  if (outcome._tag !== "Respond") throw new Error(`expected a response, got ${outcome._tag}`)
  return outcome.response
}

const json = (response: PipedriveTest.Response): unknown => JSON.parse(response.body)

const firstActive = Effect.map(PipedriveTest.PipedriveTest, (model) => model.leads).pipe(
  Effect.flatten,
  Effect.map((leads) => leads.find((lead) => !lead.is_archived)!)
)

describe("PipedriveTest: seeding", () => {
  it.effect("seeds realistic leads deterministically from a seed", () =>
    Effect.gen(function*() {
      const leads = PipedriveTest.generateLeads(10_000, { seed: 42 })
      expect(leads).toHaveLength(10_000)
      expect(PipedriveTest.generateLeads(10_000, { seed: 42 })).toEqual(leads)
      expect(PipedriveTest.generateLeads(3, { seed: 43 })[0]!.id).not.toBe(leads[0]!.id)

      // Every seeded lead is a valid Pipedrive lead.
      Schema.decodeUnknownSync(Schema.Array(Lead.Lead))(leads)
      expect(new Set(leads.map((lead) => lead.id)).size).toBe(10_000)
      for (const lead of leads) {
        expect(lead.id).toMatch(uuid)
        expect(lead.person_id !== null || lead.organization_id !== null).toBe(true)
        expect(lead.update_time! >= lead.add_time!).toBe(true)
        expect(lead.archive_time !== null).toBe(lead.is_archived!)
      }
      const addTimes = leads.map((lead) => lead.add_time)
      expect([...addTimes].sort()).toEqual(addTimes)
      expect(Date.parse(addTimes.at(-1)!) - Date.parse(addTimes[0]!)).toBeGreaterThan(365 * 86_400_000)

      const share = (predicate: (lead: Lead.Lead) => boolean) => leads.filter(predicate).length / leads.length
      expect(share((lead) => lead.is_archived!)).toBeGreaterThan(0.05)
      expect(share((lead) => lead.is_archived!)).toBeLessThan(0.15)
      expect(share((lead) => Object.keys(Lead.extraFields(lead)).length > 0)).toBeGreaterThan(0.3)
      expect(share((lead) => lead.label_ids!.length > 0)).toBeGreaterThan(0.3)
      expect(share((lead) => lead.value !== null)).toBeGreaterThan(0.5)
      expect(new Set(leads.flatMap((lead) => lead.value == null ? [] : [lead.value.currency])).size).toBeGreaterThan(3)
      expect(new Set(leads.map((lead) => lead.owner_id)).size).toBe(20)
      const budget = PipedriveTest.customFields.budget.key
      const monetary = leads.filter((lead) => lead[budget] !== undefined)
      expect(monetary.length).toBeGreaterThan(0)
      expect(monetary.every((lead) => typeof lead[`${budget}_currency`] === "string")).toBe(true)
    }))

  it.effect("the layer seeds the store and reads it back", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const leads = yield* model.leads
      expect(leads.map((lead) => lead.id)).toEqual(PipedriveTest.generateLeads(250, { seed: 7 }).map((lead) => lead.id))
      expect(yield* model.lead(leads[3]!.id)).toEqual(Option.some(leads[3]))
      expect(yield* model.lead("00000000-0000-4000-8000-000000000000")).toEqual(Option.none())
    }).pipe(against({ leads: 250, seed: 7 })))
})

describe("PipedriveTest: leads through the Leads service", () => {
  it.effect("creates, reads, updates and deletes a lead", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2025-03-01T10:00:00.123Z"))
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      const created = yield* leads.addLead({
        title: "Conference booth",
        person_id: 7,
        value: { amount: 1200, currency: "EUR" },
        label_ids: [PipedriveTest.labels[0].id]
      })
      expect(created.id).toMatch(uuid)
      expect(created).toMatchObject({
        title: "Conference booth",
        person_id: 7,
        organization_id: null,
        value: { amount: 1200, currency: "EUR" },
        label_ids: [PipedriveTest.labels[0].id],
        source_name: "API",
        origin: "API",
        is_archived: false,
        owner_id: 1,
        creator_id: 1,
        visible_to: "3",
        add_time: "2025-03-01T10:00:00.123Z",
        update_time: "2025-03-01T10:00:00.123Z"
      })
      expect((yield* model.stats).byStatus).toEqual({ "201": 1 })
      expect(yield* leads.getLead(created.id)).toEqual(created)

      yield* TestClock.adjust("90 seconds")
      const updated = yield* leads.updateLead(created.id, { title: "Conference booth, hall B" })
      expect(updated).toMatchObject({
        title: "Conference booth, hall B",
        add_time: "2025-03-01T10:00:00.123Z",
        update_time: "2025-03-01T10:01:30.123Z"
      })
      expect(yield* model.lead(created.id)).toEqual(Option.some(updated))

      expect(yield* leads.deleteLead(created.id)).toEqual({ id: created.id })
      expect(yield* model.lead(created.id)).toEqual(Option.none())
      const missing = yield* Effect.flip(leads.getLead(created.id))
      expect(missing).toMatchObject({
        _tag: "NotFound",
        status: 404,
        error: "requested lead not found",
        errorInfo: "Object was not found."
      })
      expect(yield* Effect.flip(leads.deleteLead(created.id))).toMatchObject({ _tag: "NotFound" })
    }).pipe(against()))

  it.effect("PATCH: an absent key stays, null unsets", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const lead = yield* leads.addLead({
        title: "Nulls",
        person_id: 3,
        organization_id: 4,
        value: { amount: 10, currency: "USD" },
        expected_close_date: "2025-06-30",
        channel: 2,
        channel_id: "spring"
      })
      const unchanged = {
        person_id: 3,
        organization_id: 4,
        expected_close_date: "2025-06-30",
        channel: 2,
        channel_id: "spring"
      }

      const valueUnset = yield* leads.updateLead(lead.id, { value: null })
      expect(valueUnset).toMatchObject({ ...unchanged, title: "Nulls", value: null })

      const titleOnly = yield* leads.updateLead(lead.id, { title: "Only the title" })
      expect(titleOnly).toMatchObject({ ...unchanged, title: "Only the title", value: null })

      const unset = { organization_id: null, expected_close_date: null, channel: null }
      const several = yield* leads.updateLead(lead.id, unset)
      expect(several).toMatchObject({ ...unset, person_id: 3, channel_id: "spring" })

      // A lead keeps a person or an organization.
      const orphan = yield* Effect.flip(leads.updateLead(lead.id, { person_id: null }))
      expect(orphan).toMatchObject({ _tag: "BadRequest", status: 400 })
      expect((yield* leads.getLead(lead.id)).person_id).toBe(3)
    }).pipe(against()))

  it.effect("400 in Pipedrive's envelope for a body the contract rejects", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const response = call(model, "POST", "/leads", { body: { person_id: 1 } })
      expect(response.status).toBe(400)
      expect(json(response)).toEqual({
        success: false,
        error: "provided dataset is not valid",
        error_info: "\"title\" is required",
        data: null,
        additional_data: null
      })
      const infoOf = (body: unknown) =>
        (json(call(model, "POST", "/leads", { body })) as { readonly error_info: string }).error_info
      expect(infoOf({ title: "x" })).toBe("\"value\" must contain at least one of [person_id, organization_id]")
      expect(infoOf({ title: "x", person_id: 1, is_archived: true })).toBe("\"is_archived\" is not allowed")
      expect(infoOf({ title: "x", person_id: 1, value: { amount: 5 } })).toBe("\"value.currency\" is required")
      expect(infoOf({ title: "x", person_id: 999_999 })).toBe("Person with id 999999 was not found")
      expect(infoOf({ title: "x", person_id: 1, visible_to: "2" })).toBe("\"visible_to\" must be one of [1, 3, 5, 7]")

      // Through the real client: the typed error carries Pipedrive's hint.
      const { httpClient } = yield* PipedriveClient.PipedriveClient
      const error = yield* Effect.flip(
        httpClient.execute(HttpClientRequest.post("/leads").pipe(HttpClientRequest.bodyUnsafeJson({ person_id: 1 })))
      )
      expect(error).toMatchObject({
        _tag: "BadRequest",
        status: 400,
        error: "provided dataset is not valid",
        errorInfo: "\"title\" is required"
      })
    }).pipe(against()))

  it.effect("custom fields survive a read-modify-write round trip", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const { budget, industry } = PipedriveTest.customFields
      const created = yield* leads.addLead({
        title: "Custom",
        organization_id: 5,
        [industry.key]: "Retail",
        [budget.key]: 5000,
        [`${budget.key}_currency`]: "EUR"
      })
      const custom = { [industry.key]: "Retail", [budget.key]: 5000, [`${budget.key}_currency`]: "EUR" }
      expect(Lead.extraFields(created)).toEqual(custom)

      const fetched = yield* leads.getLead(created.id)
      expect(Lead.extraFields(fetched)).toEqual(custom)
      const rewritten = yield* leads.updateLead(created.id, { ...Lead.extraFields(fetched), title: "Custom, renamed" })
      expect(Lead.extraFields(rewritten)).toEqual(custom)

      // Unsetting a monetary field drops its currency too.
      const unset = yield* leads.updateLead(created.id, { [budget.key]: null })
      expect(Lead.extraFields(unset)).toEqual({ [industry.key]: "Retail" })
    }).pipe(against()))

  it.effect("getLeadUsers: the owner first, then a stable set of users", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const all = yield* Effect.flatMap(PipedriveTest.PipedriveTest, (model) => model.leads)
      const sizes = new Set<number>()
      for (const lead of all.slice(0, 30)) {
        const users = yield* leads.getLeadUsers(lead.id)
        expect(users[0]).toBe(lead.owner_id)
        expect(new Set(users).size).toBe(users.length)
        expect(users.every((user) => Number.isInteger(user) && user >= 1 && user <= 20)).toBe(true)
        expect(yield* leads.getLeadUsers(lead.id)).toEqual(users)
        sizes.add(users.length)
      }
      expect(sizes.size).toBeGreaterThan(1)
      const missing = yield* Effect.flip(leads.getLeadUsers("00000000-0000-4000-8000-000000000000"))
      expect(missing._tag).toBe("NotFound")
    }).pipe(against({ leads: 30, limits: { requestsPerWindow: 1000 } })))
})

describe("PipedriveTest: lists", () => {
  it.effect("filters by owner, person, organization and updated_since; filter_id takes precedence", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const active = (yield* Effect.flatMap(PipedriveTest.PipedriveTest, (model) => model.leads)).filter((lead) =>
        !lead.is_archived
      )
      const ids = (items: ReadonlyArray<Lead.Lead>) => items.map((lead) => lead.id)
      const sample = active[10]!
      const withPerson = active.find((lead) => lead.person_id !== null)!
      const withOrganization = active.find((lead) => lead.organization_id !== null)!

      const byOwner = yield* leads.getLeads({ owner_id: sample.owner_id!, limit: 500 })
      expect(ids(byOwner.items)).toEqual(ids(active.filter((lead) => lead.owner_id === sample.owner_id)))
      const byPerson = yield* leads.getLeads({ person_id: withPerson.person_id!, limit: 500 })
      expect(ids(byPerson.items)).toEqual(ids(active.filter((lead) => lead.person_id === withPerson.person_id)))
      const byOrganization = yield* leads.getLeads({ organization_id: withOrganization.organization_id!, limit: 500 })
      expect(ids(byOrganization.items)).toEqual(
        ids(active.filter((lead) => lead.organization_id === withOrganization.organization_id))
      )
      const since = "2024-01-01T00:00:00Z"
      const recent = yield* leads.getLeads({ updated_since: since, limit: 500 })
      const expected = active.filter((lead) => Date.parse(lead.update_time!) >= Date.parse(since))
      expect(expected.length).toBeGreaterThan(0)
      expect(expected.length).toBeLessThan(active.length)
      expect(ids(recent.items)).toEqual(ids(expected))

      const precedence = yield* leads.getLeads({ filter_id: 1, owner_id: sample.owner_id!, limit: 500 })
      expect(ids(precedence.items)).toEqual(ids(active))
    }).pipe(against({ leads: 300 })))

  it.effect("sorts as asked, oldest first by default", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const byDefault = (yield* leads.getLeads({ limit: 500 })).items
      expect(byDefault.map((lead) => lead.add_time)).toEqual(byDefault.map((lead) => lead.add_time).sort())

      const byTitle = (yield* leads.getLeads({ sort: "title ASC", limit: 500 })).items.map((lead) => lead.title)
      expect(byTitle).toEqual([...byTitle].sort((a, b) => a < b ? -1 : a > b ? 1 : 0))

      const byOwner = (yield* leads.getLeads({ sort: "owner_id DESC, add_time ASC", limit: 500 })).items
      for (let i = 1; i < byOwner.length; i++) {
        const [before, after] = [byOwner[i - 1]!, byOwner[i]!]
        expect(before.owner_id! >= after.owner_id!).toBe(true)
        if (before.owner_id === after.owner_id) expect(before.add_time! <= after.add_time!).toBe(true)
      }

      // Nulls last when ascending.
      const byClose = (yield* leads.getLeads({ sort: "expected_close_date ASC", limit: 500 })).items
      const firstNull = byClose.findIndex((lead) => lead.expected_close_date === null)
      expect(firstNull).toBeGreaterThan(0)
      expect(byClose.slice(firstNull).every((lead) => lead.expected_close_date === null)).toBe(true)

      const model = yield* PipedriveTest.PipedriveTest
      const rejected = call(model, "GET", "/leads", { query: { sort: "value DESC" } })
      expect(rejected.status).toBe(400)
    }).pipe(against({ leads: 200 })))

  // The sort fields are the OpenAPI excerpt's (the fake's generated contract), not the client's:
  // a field the client stops accepting fails here with InvalidInput.
  it.effect.each(enums.sortFields)("sorts by %s through the client, both ways, nulls last ascending", (field) =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      const active = new Set((yield* model.leads).filter((lead) => !lead.is_archived).map((lead) => lead.id))
      const rank = (value: unknown): number | string | null =>
        value === null || value === undefined ? null : typeof value === "boolean" ? Number(value) : value as number | string
      const inOrder = (a: unknown, b: unknown, descending: boolean) => {
        const [x, y] = [rank(a), rank(b)]
        if (x === null || y === null) return descending ? x === null || y !== null : y === null
        return descending ? x >= y : x <= y
      }
      for (const direction of ["ASC", "DESC"] as const) {
        const items = (yield* leads.getLeads({ sort: `${field} ${direction}`, limit: 500 })).items
        expect(new Set(items.map((lead) => lead.id))).toStrictEqual(active)
        const values = items.map((lead) => lead[field])
        expect(new Set(values.map(String)).size, "the seed varies the field").toBeGreaterThan(1)
        values.slice(1).forEach((value, i) => {
          expect(inOrder(values[i], value, direction === "DESC"), `${field} ${direction} at ${i}`).toBe(true)
        })
      }
    }).pipe(against({ leads: 150 })))

  it.effect("GET /leads has no archived lead, GET /leads/archived only archived ones", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      const active = Chunk.toReadonlyArray(yield* Stream.runCollect(leads.streamLeads()))
      const archived = Chunk.toReadonlyArray(yield* Stream.runCollect(leads.streamArchivedLeads()))
      expect(active.every((lead) => !lead.is_archived)).toBe(true)
      expect(archived.every((lead) => lead.is_archived)).toBe(true)
      expect(archived.length).toBeGreaterThan(0)
      expect(active.length + archived.length).toBe((yield* model.leads).length)

      const lead = active[0]!
      const archivedNow = yield* leads.updateLead(lead.id, { is_archived: true })
      expect(archivedNow).toMatchObject({ is_archived: true, archive_time: "1970-01-01T00:00:00.000Z" })
      expect((yield* leads.getArchivedLeads({ limit: 500 })).items.map((l) => l.id)).toContain(lead.id)
      expect((yield* leads.getLeads({ limit: 500 })).items.map((l) => l.id)).not.toContain(lead.id)

      // Archived leads are not editable through the API; unarchiving is.
      const refused = yield* Effect.flip(leads.updateLead(lead.id, { title: "Edited while archived" }))
      expect(refused).toMatchObject({ _tag: "BadRequest", error: "Archived leads cannot be updated" })
      const restored = yield* leads.updateLead(lead.id, { is_archived: false, title: "Back" })
      expect(restored).toMatchObject({ is_archived: false, archive_time: null, title: "Back" })
    }).pipe(against({ leads: 120 })))

  it.effect("walks 1,234 leads with streamLeads, each once and in order", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      const expected = (yield* model.leads).map((lead) => lead.id)
      expect(expected).toHaveLength(1234)

      // One page at a time: exactly one request per page.
      const seen = yield* leads.streamLeads({ limit: 100 }, { concurrency: 1 }).pipe(
        Stream.map((lead) => lead.id),
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(seen)).toEqual(expected)
      expect((yield* model.stats).byEndpoint.getLeads).toBe(13)

      const all = yield* leads.streamLeads().pipe(Stream.map((lead) => lead.id), Stream.runCollect)
      expect(Chunk.toReadonlyArray(all)).toEqual(expected)

      // The envelope: nested pagination, next_start only while there are more, null for an empty page.
      const first = json(call(model, "GET", "/leads", { query: { limit: "500" } })) as { additional_data: unknown }
      expect(first.additional_data).toEqual({
        pagination: { start: 0, limit: 500, more_items_in_collection: true, next_start: 500 }
      })
      const last = json(call(model, "GET", "/leads", { query: { start: "1000", limit: "500" } })) as {
        data: ReadonlyArray<unknown>
        additional_data: unknown
      }
      expect(last.data).toHaveLength(234)
      expect(last.additional_data).toEqual({ pagination: { start: 1000, limit: 500, more_items_in_collection: false } })
      const beyond = json(call(model, "GET", "/leads", { query: { start: "5000" } })) as { data: unknown }
      expect(beyond.data).toBeNull()
      expect(call(model, "GET", "/leads", { query: { limit: "501" } }).status).toBe(400)
    }).pipe(against({ leads: PipedriveTest.generateLeads(1500).filter((lead) => !lead.is_archived).slice(0, 1234) })))
})

describe("PipedriveTest: search", () => {
  it.effect("finds leads by title, notes and custom fields; exact_match is a whole, case-insensitive match", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const all = yield* Effect.flatMap(PipedriveTest.PipedriveTest, (model) => model.leads)

      const byTitle = yield* leads.searchLeads({ term: "crm ROLLOUT", fields: ["title"], limit: 500 })
      const titled = all.filter((lead) => lead.title.toLowerCase().includes("crm rollout"))
      expect(titled.length).toBeGreaterThan(0)
      expect(new Set(byTitle.items.map((hit) => hit.item.id))).toEqual(new Set(titled.map((lead) => lead.id)))
      const hit = byTitle.items[0]!
      const source = all.find((lead) => lead.id === hit.item.id)!
      expect(hit.item).toMatchObject({
        type: "lead",
        title: source.title,
        owner: { id: source.owner_id },
        visible_to: Number(source.visible_to),
        is_archived: source.is_archived,
        value: source.value?.amount ?? null,
        currency: source.value?.currency ?? null
      })
      expect(hit.item.was_seen).toBeUndefined()

      const exact = yield* leads.searchLeads({ term: source.title.toUpperCase(), exact_match: true, fields: ["title"] })
      expect(exact.items.length).toBeGreaterThan(0)
      expect(exact.items.every((h) => h.item.title.toLowerCase() === source.title.toLowerCase())).toBe(true)
      const partial = yield* leads.searchLeads({ term: "CRM", exact_match: true, fields: ["title"] })
      expect(partial.items).toEqual([])

      const byNotes = yield* leads.searchLeads({ term: "webinar", fields: ["notes"], limit: 500 })
      expect(byNotes.items.length).toBeGreaterThan(0)
      expect(byNotes.items.every((h) => h.item.notes?.some((note) => note.includes("webinar")))).toBe(true)

      const industry = PipedriveTest.customFields.industry.key
      const byCustom = yield* leads.searchLeads({
        term: "logistics",
        exact_match: true,
        fields: ["custom_fields"],
        include_fields: ["lead.was_seen"],
        limit: 500
      })
      expect(new Set(byCustom.items.map((h) => h.item.id))).toEqual(
        new Set(all.filter((lead) => lead[industry] === "Logistics").map((lead) => lead.id))
      )
      expect(byCustom.items.every((h) => h.item.custom_fields?.includes("Logistics"))).toBe(true)
      expect(byCustom.items.every((h) => typeof h.item.was_seen === "boolean")).toBe(true)

      // One character is enough with exact_match.
      expect((yield* leads.searchLeads({ term: "x", exact_match: true })).items).toEqual([])
    }).pipe(against({ leads: 400 })))

  it.effect("rejects a short term with 400, as Pipedrive does", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const short = call(model, "GET", "/leads/search", { query: { term: "a" } })
      expect(short.status).toBe(400)
      expect(json(short)).toMatchObject({
        success: false,
        error_info: "\"term\" length must be at least 2 characters long"
      })
      expect(call(model, "GET", "/leads/search", { query: { term: "a", exact_match: "true" } }).status).toBe(200)
      expect(call(model, "GET", "/leads/search", { query: { term: " ", exact_match: "true" } }).status).toBe(400)
      expect(call(model, "GET", "/leads/search", { query: { term: "ab", fields: "email" } }).status).toBe(400)
    }).pipe(against({ leads: 10 })))

  it.effect("pages search results", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const all = yield* Effect.flatMap(PipedriveTest.PipedriveTest, (model) => model.leads)
      const expected = all.filter((lead) => lead.title.toLowerCase().includes(" for ")).length
      const found = yield* Stream.runCollect(leads.streamSearchLeads({ term: " for ", fields: ["title"], limit: 50 }))
      expect(found.length).toBe(expected)
      expect(new Set(Chunk.toReadonlyArray(found).map((hit) => hit.item.id)).size).toBe(expected)
    }).pipe(against({ leads: 300 })))
})

describe("PipedriveTest: routing", () => {
  it.effect("answers only under the API's real prefixes (/api/v1, /v1, /api/v2)", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.make({ leads: 3 })
      const status = (path: string, query: Record<string, string> = {}) => {
        const outcome = model.handle({ method: "GET", path, query, headers: { "x-api-token": model.token }, body: undefined }, 0)
        return outcome._tag === "Respond" ? outcome.response.status : outcome._tag
      }
      expect([status("/api/v1/leads"), status("/v1/leads")]).toEqual([200, 200])
      // A route of the contract: served, or 501 while the model has no handler for it.
      expect(status("/api/v2/leads/search", { term: "for" })).not.toBe(404)
      expect(["/leads", "/api/leads", "/api/v3/leads", "/v2/leads/search", "/api/v1leads"].map((path) => status(path)))
        .toEqual([404, 404, 404, 404, 404])
    }))
})

describe("PipedriveTest: authentication", () => {
  it.effect("401 for a wrong token", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const error = yield* Effect.flip(leads.getLeads())
      expect(error).toMatchObject({
        _tag: "Unauthorized",
        status: 401,
        error: "unauthorized access",
        errorInfo: "errorCode 401"
      })
      const model = yield* PipedriveTest.PipedriveTest
      expect((yield* model.stats).byStatus).toEqual({ "401": 1 })
    }).pipe(against({ client: { auth: { apiToken: Redacted.make("not-the-token") } } })))

  it.effect("401 for a missing token, with Pipedrive's gateway body", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const response = call(model, "GET", "/leads", { headers: {} })
      expect(response.status).toBe(401)
      expect(json(response)).toEqual({ success: false, error: "unauthorized access", errorCode: 401 })
      expect(call(model, "GET", "/leads", { headers: { authorization: "Bearer nope" } }).status).toBe(401)
    }).pipe(against()))

  it.effect("401 for the right token in the query string: the model takes it only in a header", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const response = call(model, "GET", "/leads", { headers: {}, query: { api_token: model.token } })
      expect(response.status).toBe(401)
      expect(json(response)).toEqual({ success: false, error: "unauthorized access", errorCode: 401 })
      expect(call(model, "GET", "/leads", { query: { api_token: model.token } }).status).toBe(200)
    }).pipe(against()))

  it.effect("accepts the token as an OAuth bearer token", () =>
    Effect.gen(function*() {
      const page = yield* Effect.flatMap(Leads.Leads, (leads) => leads.getLeads())
      expect(page.items).toHaveLength(3)
    }).pipe(
      against({ leads: 3, token: "oauth-access", client: { auth: { oauthToken: Redacted.make("oauth-access") } } })
    ))
})

describe("PipedriveTest: rate limits", () => {
  it.effect("every response carries the rate-limit headers; the windows roll", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.make({ leads: 3, limits: { requestsPerWindow: 3, dailyTokens: 100 } })
      const id = (yield* model.leads)[0]!.id
      const at = (now: number) => call(model, "GET", `/leads/${id}`, { now })
      const limitHeaders = (response: PipedriveTest.Response) => ({
        status: response.status,
        limit: response.headers["x-ratelimit-limit"],
        remaining: response.headers["x-ratelimit-remaining"],
        reset: response.headers["x-ratelimit-reset"],
        dailyLimit: response.headers["x-daily-ratelimit-token-limit"],
        dailyRemaining: response.headers["x-daily-ratelimit-token-remaining"],
        retryAfter: response.headers["retry-after"]
      })
      const fixed = { limit: "3", dailyLimit: "100", retryAfter: undefined }
      expect(limitHeaders(at(0))).toEqual({ ...fixed, status: 200, remaining: "2", reset: "2", dailyRemaining: "98" })
      expect(limitHeaders(at(500))).toEqual({ ...fixed, status: 200, remaining: "1", reset: "2", dailyRemaining: "96" })
      expect(limitHeaders(at(1500))).toEqual({ ...fixed, status: 200, remaining: "0", reset: "1", dailyRemaining: "94" })
      expect(limitHeaders(at(1600))).toEqual({
        ...fixed,
        status: 429,
        remaining: "0",
        reset: "1",
        dailyRemaining: "94",
        retryAfter: "1"
      })
      // The first request leaves the window at 2000 ms.
      expect(limitHeaders(at(2000))).toEqual({ ...fixed, status: 200, remaining: "0", reset: "1", dailyRemaining: "92" })

      // Search reports its own window; costs follow the endpoint table.
      const search = call(model, "GET", "/leads/search", { query: { term: "for" }, now: 10_000 })
      expect(search.headers["x-ratelimit-limit"]).toBe("10")
      expect(search.headers["x-daily-ratelimit-token-remaining"]).toBe("52")
      for (
        const response of [
          call(model, "GET", "/leads", { headers: {}, now: 20_000 }),
          call(model, "GET", "/nowhere", { now: 20_000 }),
          call(model, "PUT", "/leads", { now: 20_000 })
        ]
      ) {
        expect(Object.keys(response.headers)).toEqual(expect.arrayContaining([
          "x-ratelimit-limit",
          "x-ratelimit-remaining",
          "x-ratelimit-reset",
          "x-daily-ratelimit-token-limit",
          "x-daily-ratelimit-token-remaining"
        ]))
      }
      const stats = yield* model.stats
      expect(stats).toMatchObject({ requests: 9, rateLimited: 1, peakPerWindow: 3, peakSearchPerWindow: 1 })
      expect(stats.byStatus).toEqual({ "200": 5, "429": 1, "401": 1, "404": 1, "405": 1 })
    }))

  it.effect("a full burst window gives RateLimited with Retry-After; time lets requests through again", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      const lead = yield* firstActive
      for (let i = 0; i < 3; i++) yield* leads.getLead(lead.id)
      const limited = yield* Effect.flip(leads.getLead(lead.id))
      expect(limited).toMatchObject({ _tag: "RateLimited", status: 429, scope: "burst", retryAfterMillis: 2000 })
      expect(yield* model.stats).toMatchObject({ requests: 4, rateLimited: 1, peakPerWindow: 3 })
      yield* TestClock.adjust("2 seconds")
      expect((yield* leads.getLead(lead.id)).id).toBe(lead.id)
    }).pipe(against({ leads: 5, limits: { requestsPerWindow: 3 }, client: { rateLimit: false, retry: false } })))

  it.effect("without Retry-After the client waits for x-ratelimit-reset", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      const lead = yield* firstActive
      yield* leads.getLead(lead.id)
      const limited = yield* Effect.flip(leads.getLead(lead.id))
      expect(limited).toMatchObject({ _tag: "RateLimited", retryAfterMillis: 2000 })
      const raw = call(model, "GET", `/leads/${lead.id}`)
      expect(raw.status).toBe(429)
      expect(raw.headers["retry-after"]).toBeUndefined()
      expect(raw.headers["x-ratelimit-reset"]).toBe("2")
    }).pipe(
      against({
        leads: 5,
        limits: { requestsPerWindow: 1, retryAfter: false },
        client: { rateLimit: false, retry: false }
      })
    ))

  it.effect("search has its own window of 10", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      for (let i = 0; i < 10; i++) yield* leads.searchLeads({ term: "for" })
      const limited = yield* Effect.flip(leads.searchLeads({ term: "for" }))
      expect(limited).toMatchObject({ _tag: "RateLimited", scope: "search" })
      // The general window still has room.
      yield* leads.getLeads()
      expect(yield* model.stats).toMatchObject({ rateLimited: 1, peakSearchPerWindow: 10, peakPerWindow: 11 })
    }).pipe(against({ leads: 20, limits: { searchRequestsPerWindow: 10 }, client: { rateLimit: false, retry: false } })))

  it.effect("a spent daily budget: 429 with no tokens left, DailyBudgetExhausted, refilled the next day", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      const lead = yield* firstActive
      yield* leads.getLeads()
      yield* leads.getLeads()
      const spent = yield* Effect.flip(leads.getLead(lead.id))
      expect(spent).toMatchObject({ _tag: "DailyBudgetExhausted", status: 429, remaining: 0, cost: 2 })
      const raw = call(model, "GET", `/leads/${lead.id}`)
      expect(raw.status).toBe(429)
      expect(raw.headers["x-daily-ratelimit-token-remaining"]).toBe("0")
      yield* TestClock.adjust("1 day")
      expect((yield* leads.getLead(lead.id)).id).toBe(lead.id)
    }).pipe(against({ leads: 5, limits: { dailyTokens: 40 }, client: { rateLimit: false } })))

  it.effect("the client's own limiter, told the limits, never draws a 429", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      const lead = yield* firstActive
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 12 }), () => leads.getLead(lead.id), { concurrency: 4 })
      )
      yield* TestClock.adjust("10 seconds")
      expect(yield* Fiber.join(fiber)).toHaveLength(12)
      expect(yield* model.stats).toMatchObject({ requests: 12, rateLimited: 0, peakPerWindow: 5 })
    }).pipe(against({ leads: 5, limits: { requestsPerWindow: 5 }, client: { rateLimit: { requestsPerWindow: 5 } } })))

  it.effect.each([
    ["PipedriveTest.layer", PipedriveTest.layer({ leads: 5 })],
    ["PipedriveTest.layerOAuth", PipedriveTest.layerOAuth({ leads: 5 })]
  ] as const)("with no limits asked for, any number of calls completes under TestClock without waiting (%s)", ([, layer]) =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      const lead = yield* firstActive
      const before = (yield* model.stats).requests
      const calls = Array.from({ length: 150 }, (_, i) =>
        i % 10 === 0 ? leads.searchLeads({ term: "CRM" }) : leads.getLead(lead.id))
      yield* Effect.all(calls, { concurrency: 8 })
      expect(yield* model.stats).toMatchObject({ requests: before + 150, rateLimited: 0 })
      expect(yield* Clock.currentTimeMillis).toBe(0)
    }).pipe(Effect.provide(layer)))

  it.effect("asked for a limit, the client paces the calls on the clock", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const model = yield* PipedriveTest.PipedriveTest
      const lead = yield* firstActive
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 30 }), () => leads.getLead(lead.id), { concurrency: 8 })
      )
      yield* TestClock.adjust("1 second")
      expect((yield* model.stats).requests).toBe(10)
      yield* TestClock.adjust("10 seconds")
      expect(yield* Fiber.join(fiber)).toHaveLength(30)
      expect(yield* model.stats).toMatchObject({ requests: 30, rateLimited: 0 })
    }).pipe(against({ leads: 5, client: { rateLimit: { requestsPerWindow: 10 } } })))

  it.effect("limits and stats change at run time", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.make({ leads: 2 })
      expect((yield* model.limits).requestsPerWindow).toBe(100)
      yield* model.setLimits({ requestsPerWindow: 1 })
      expect(call(model, "GET", "/leads").status).toBe(200)
      expect(call(model, "GET", "/leads").status).toBe(429)
      yield* model.resetRateLimits
      expect(call(model, "GET", "/leads").status).toBe(200)
      expect((yield* model.stats).byEndpoint).toEqual({ getLeads: 3 })
      yield* model.resetStats
      expect(yield* model.stats).toEqual({
        requests: 0,
        rateLimited: 0,
        peakPerWindow: 0,
        peakSearchPerWindow: 0,
        byEndpoint: {},
        byStatus: {},
        faults: {}
      })
    }))
})

describe("PipedriveTest: faults", () => {
  const { Fault, Trigger } = PipedriveTest

  const faulty = (rule: Omit<PipedriveTest.FaultRule, "endpoints">) =>
    against({ leads: 5, faults: [{ ...rule, endpoints: ["getLead", "addLead"] }], client: { retry: false } })

  it.effect.each([500, 502, 503, 504] as const)("ServerError %i", (status) =>
    Effect.gen(function*() {
      const lead = yield* firstActive
      const error = yield* Effect.flip(Effect.flatMap(Leads.Leads, (leads) => leads.getLead(lead.id)))
      expect(error).toMatchObject({ _tag: "ServerError", status })
    }).pipe(faulty({ fault: Fault.ServerError({ status }) })))

  it.effect("ResetBeforeProcessing: a transport error, and nothing was written", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const leads = yield* Leads.Leads
      const error = yield* Effect.flip(leads.addLead({ title: "Lost", person_id: 1 }))
      expect(error).toMatchObject({ _tag: "TransportError", code: "ECONNRESET", requestSent: true })
      expect(yield* model.leads).toHaveLength(5)
      expect((yield* model.stats).byStatus).toEqual({ reset: 1 })
    }).pipe(faulty({ fault: Fault.ResetBeforeProcessing() })))

  it.effect("ResetAfterCommit: a transport error, but the lead was created", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const leads = yield* Leads.Leads
      const error = yield* Effect.flip(leads.addLead({ title: "Ghost", person_id: 1 }))
      expect(error).toMatchObject({ _tag: "TransportError", code: "ECONNRESET" })
      expect((yield* model.leads).filter((lead) => lead.title === "Ghost")).toHaveLength(1)
    }).pipe(faulty({ fault: Fault.ResetAfterCommit() })))

  it.effect("TruncatedBody: a 2xx whose JSON is cut gives ResponseDecodeError", () =>
    Effect.gen(function*() {
      const lead = yield* firstActive
      const error = yield* Effect.flip(Effect.flatMap(Leads.Leads, (leads) => leads.getLead(lead.id)))
      expect(error).toMatchObject({ _tag: "ResponseDecodeError", status: 200 })
    }).pipe(faulty({ fault: Fault.TruncatedBody() })))

  it.effect("HtmlForbidden: an HTML 403 is a blocked Forbidden", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const lead = yield* firstActive
      const error = yield* Effect.flip(Effect.flatMap(Leads.Leads, (leads) => leads.getLead(lead.id)))
      expect(error).toMatchObject({ _tag: "Forbidden", status: 403, blocked: true })
      expect(call(model, "GET", `/leads/${lead.id}`).headers["content-type"]).toMatch(/^text\/html/)
    }).pipe(faulty({ fault: Fault.HtmlForbidden() })))

  it.effect("RateLimited: an injected 429", () =>
    Effect.gen(function*() {
      const lead = yield* firstActive
      const error = yield* Effect.flip(Effect.flatMap(Leads.Leads, (leads) => leads.getLead(lead.id)))
      expect(error).toMatchObject({ _tag: "RateLimited", status: 429, retryAfterMillis: 2000 })
      expect((yield* Effect.flatMap(PipedriveTest.PipedriveTest, (model) => model.stats)).rateLimited).toBe(1)
    }).pipe(faulty({ fault: Fault.RateLimited(), when: Trigger.Next({ count: 1 }) })))

  it.effect("Latency: the answer comes after the delay, on the TestClock, processed at the later time", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const lead = yield* firstActive
      const fiber = yield* Effect.fork(leads.updateLead(lead.id, { title: "Slow" }))
      yield* TestClock.adjust("1 second")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("500 millis")
      const updated = yield* Fiber.join(fiber)
      expect(updated.update_time).toBe("1970-01-01T00:00:01.500Z")
    }).pipe(
      against({
        leads: 5,
        faults: [{ fault: Fault.Latency({ millis: 1500 }), methods: ["PATCH"] }],
        client: { retry: false }
      })
    ))

  it.effect("rules select by endpoint and method and fire for the next N, every n-th, or at a seeded rate", () =>
    Effect.gen(function*() {
      const statuses = (model: PipedriveTest.Service, method: string, path: string, times: number) =>
        Array.from({ length: times }, () => {
          const outcome = send(model, method, path, method === "PATCH" ? { body: { was_seen: true } } : {})
          return outcome._tag === "Respond" ? outcome.response.status : outcome._tag
        })
      const limits = { requestsPerWindow: 10_000 }

      const next = yield* PipedriveTest.make({ leads: 3, limits })
      const id = (yield* next.leads).find((lead) => !lead.is_archived)!.id
      yield* next.setFaults([
        { fault: Fault.ServerError({ status: 503 }), endpoints: ["getLead"], when: Trigger.Next({ count: 2 }) }
      ])
      expect(statuses(next, "GET", "/leads", 1)).toEqual([200])
      expect(statuses(next, "GET", `/leads/${id}`, 4)).toEqual([503, 503, 200, 200])

      yield* next.setFaults([
        { fault: Fault.ResetBeforeProcessing(), methods: ["PATCH"], when: Trigger.EveryNth({ n: 3 }) }
      ])
      expect(statuses(next, "PATCH", `/leads/${id}`, 6)).toEqual([200, 200, "Reset", 200, 200, "Reset"])
      expect(statuses(next, "GET", `/leads/${id}`, 3)).toEqual([200, 200, 200])

      const pattern = (seed: number) =>
        Effect.map(
          PipedriveTest.make({
            seed,
            limits,
            faults: [{ fault: Fault.ServerError({ status: 500 }), when: Trigger.Rate({ rate: 0.5 }) }]
          }),
          (model) => statuses(model, "GET", "/leads", 40).join(",")
        )
      const seven = yield* pattern(7)
      expect(seven).toContain("500")
      expect(seven).toContain("200")
      expect(yield* pattern(7)).toBe(seven)
      expect(yield* pattern(8)).not.toBe(seven)

      // Latency adds to the fault chosen: wait, then the 502.
      yield* next.setFaults([
        { fault: Fault.Latency({ millis: 250 }) },
        { fault: Fault.ServerError({ status: 502 }) }
      ])
      const delayed = send(next, "GET", "/leads")
      expect(delayed._tag === "Delay" && delayed.millis).toBe(250)
      const resumed = delayed._tag === "Delay" ? delayed.resume(250) : delayed
      expect(resumed._tag === "Respond" && resumed.response.status).toBe(502)

      yield* next.clearFaults
      expect(statuses(next, "GET", "/leads", 2)).toEqual([200, 200])
      expect((yield* next.stats).faults).toEqual({ ServerError: 3, ResetBeforeProcessing: 2, Latency: 1 })
    }))

  it.effect("the in-memory transport turns a reset into a Transport RequestError with ECONNRESET", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.make({ faults: [{ fault: Fault.ResetAfterCommit() }] })
      const client = PipedriveTest.httpClient(model)
      const request = HttpClientRequest.get(`${PipedriveTest.baseUrl}/leads`).pipe(
        HttpClientRequest.setHeader("x-api-token", model.token)
      )
      const error = yield* Effect.flip(client.execute(request))
      expect(error).toMatchObject({ _tag: "RequestError", reason: "Transport", cause: { code: "ECONNRESET" } })
    }))
})
