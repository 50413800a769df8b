import { describe, expect, it } from "@effect/vitest"
import { conversionTimes } from "../src/internal/fake/conversions.js"
import { customFields, defaultDirectory, labels as seededLabels } from "../src/internal/fake/directory.js"
import { makeDomain } from "../src/internal/fake/domain.js"
import { makeRng, streams } from "../src/internal/fake/random.js"
import type { Call, Reply } from "../src/internal/fake/replies.js"
import { seedLeads } from "../src/internal/fake/seed.js"
import { LeadStore } from "../src/internal/fake/store.js"
import type { Lead } from "../src/Lead.js"

const t0 = Date.UTC(2026, 0, 5, 9)

const setup = (count = 300) => {
  const leads = new LeadStore()
  for (const { lead, notes } of seedLeads(count, 1, defaultDirectory)) leads.put(lead, notes)
  const domain = makeDomain(leads, defaultDirectory, makeRng(1, streams.ids))
  const call = (
    params: Record<string, string> = {},
    options: { readonly query?: Record<string, string>; readonly body?: unknown; readonly now?: number } = {}
  ): Call => ({
    request: {
      method: "GET",
      path: "/",
      query: options.query ?? {},
      headers: {},
      body: options.body === undefined ? undefined : JSON.stringify(options.body)
    },
    params,
    now: options.now ?? t0
  })
  return { leads, domain, handlers: domain.handlers, call }
}

const data = <A>(reply: Reply): A => (reply.body as { readonly data: A }).data
const errorOf = (reply: Reply) => {
  const { error, error_info } = reply.body as { readonly error: string; readonly error_info: string }
  return { status: reply.status, error, error_info }
}

describe("lead labels in the in-memory Pipedrive", () => {
  it("starts with the labels seeded leads carry, coloured, and every label a lead carries is one of them", () => {
    const { call, handlers, leads } = setup()
    const all = data<ReadonlyArray<{ id: string; name: string; color: string }>>(handlers.getLeadLabels(call()))
    expect(all.map(({ color, id, name }) => ({ id, name, color }))).toStrictEqual(seededLabels)
    const known = new Set(all.map((label) => label.id))
    const used = leads.all().flatMap(({ lead }) => lead.label_ids ?? [])
    expect(used.length).toBeGreaterThan(0)
    for (const id of used) expect(known.has(id)).toBe(true)
  })

  it("adds, renames and recolours, and deletes (taking the label off every lead)", () => {
    const { call, handlers, leads } = setup()
    const added = handlers.addLeadLabel(call({}, { body: { name: "VIP", color: "green" } }))
    expect(added.status).toBe(200)
    const label = data<{ id: string; name: string; color: string; add_time: string }>(added)
    expect(label).toMatchObject({ name: "VIP", color: "green", add_time: new Date(t0).toISOString() })

    const updated = handlers.updateLeadLabel(call({ id: label.id }, { body: { color: "dark-gray" }, now: t0 + 1000 }))
    expect(data(updated)).toMatchObject({ name: "VIP", color: "dark-gray", update_time: new Date(t0 + 1000).toISOString() })

    const hot = seededLabels[0].id
    const carrying = leads.all().filter(({ lead }) => lead.label_ids?.includes(hot) === true).length
    expect(carrying).toBeGreaterThan(0)
    expect(data(handlers.deleteLeadLabel(call({ id: hot })))).toStrictEqual({ id: hot })
    expect(leads.all().filter(({ lead }) => lead.label_ids?.includes(hot) === true)).toHaveLength(0)
    expect(data<ReadonlyArray<{ id: string }>>(handlers.getLeadLabels(call())).map((l) => l.id)).not.toContain(hot)
  })

  it("answers 400 for a bad body or id and 404 for an unknown label, with Pipedrive's envelope", () => {
    const { call, handlers } = setup(0)
    expect(errorOf(handlers.addLeadLabel(call({}, { body: { name: "x", color: "teal" } })))).toMatchObject({
      status: 400,
      error_info: expect.stringContaining(`"color" must be one of`)
    })
    expect(errorOf(handlers.addLeadLabel(call({}, { body: { color: "red" } })))).toMatchObject({ status: 400, error_info: `"name" is required` })
    expect(errorOf(handlers.updateLeadLabel(call({ id: seededLabels[0].id }, { body: {} })))).toMatchObject({ status: 400 })
    expect(errorOf(handlers.updateLeadLabel(call({ id: "nope" }, { body: { name: "x" } })))).toMatchObject({
      status: 400,
      error_info: `"id" must be a valid GUID`
    })
    expect(errorOf(handlers.deleteLeadLabel(call({ id: "4b40248b-945a-4802-b996-60fdff8c5c69" })))).toStrictEqual({
      status: 404,
      error: "requested lead label not found",
      error_info: "Object was not found."
    })
  })
})

describe("lead fields and sources in the in-memory Pipedrive", () => {
  type Field = { key: string; field_type: string; options: ReadonlyArray<{ id: number | string; label: string }> | null }

  it("pages every field by start and limit, the label options following the labels", () => {
    const { call, handlers } = setup(0)
    const fields: Array<Field> = []
    let start = 0
    for (let pages = 0; pages < 20; pages++) {
      const reply = handlers.getLeadFields(call({}, { query: { start: String(start), limit: "5" } }))
      const body = reply.body as { data: ReadonlyArray<Field>; additional_data: { pagination: { more_items_in_collection: boolean; next_start?: number } } }
      fields.push(...body.data)
      if (!body.additional_data.pagination.more_items_in_collection) break
      start = body.additional_data.pagination.next_start!
    }
    const keys = fields.map((field) => field.key)
    expect(new Set(keys).size).toBe(keys.length)
    for (const custom of Object.values(customFields)) expect(keys).toContain(custom.key)
    expect(fields.find((field) => field.key === "label_ids")?.options?.map((o) => o.id)).toStrictEqual(seededLabels.map((l) => l.id))
    expect(errorOf(handlers.getLeadFields(call({}, { query: { limit: "501" } })))).toMatchObject({ status: 400 })
  })

  it("seeded leads carry every custom field type in its v1 wire form", () => {
    const { leads } = setup(2000)
    const all = leads.all().map(({ lead }) => lead as Record<string, unknown>)
    const values = (key: string) => all.map((lead) => lead[key]).filter((value) => value !== undefined)
    const { accountManager, budget, customerType, employees, industry, interests, nextReview } = customFields
    const optionIds = (field: typeof customerType | typeof interests) => field.options.map((o) => String(o.id))
    expect(values(industry.key).every((v) => typeof v === "string")).toBe(true)
    expect(values(employees.key).every((v) => typeof v === "number")).toBe(true)
    expect(values(nextReview.key).every((v) => /^\d{4}-\d{2}-\d{2}$/.test(String(v)))).toBe(true)
    for (const lead of all.filter((l) => l[budget.key] !== undefined)) {
      expect(typeof lead[budget.key]).toBe("number")
      expect(lead[`${budget.key}_currency`]).toMatch(/^[A-Z]{3}$/)
    }
    const enums = values(customerType.key)
    expect(enums.length).toBeGreaterThan(100)
    for (const v of enums) expect(optionIds(customerType)).toContain(v)
    const sets = values(interests.key)
    expect(sets.length).toBeGreaterThan(100)
    for (const v of sets) for (const id of String(v).split(",")) expect(optionIds(interests)).toContain(id)
    expect(sets.some((v) => String(v).includes(","))).toBe(true)
    const users = values(accountManager.key)
    expect(users.length).toBeGreaterThan(100)
    for (const v of users) expect(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= defaultDirectory.users).toBe(true)
  })

  it("lists Pipedrive's fixed lead sources, API among them", () => {
    const { call, handlers } = setup(0)
    const sources = data<ReadonlyArray<{ name: string }>>(handlers.getLeadSources(call()))
    expect(sources).toHaveLength(10)
    expect(sources).toContainEqual({ name: "API" })
  })
})

describe("v2 search in the in-memory Pipedrive", () => {
  type SearchBody = { data: { items: ReadonlyArray<{ item: { id: string } }> }; additional_data: { next_cursor: string | null } }

  it("walks every hit in cursor pages, each cursor opaque and tied to its search", () => {
    const { call, handlers, leads } = setup(600)
    const query = { term: "for", limit: "100" }
    const seen: Array<string> = []
    let cursor: string | null = null
    let pages = 0
    do {
      const reply = handlers.searchLeadsV2(call({}, { query: cursor === null ? query : { ...query, cursor } }))
      expect(reply.status).toBe(200)
      const body = reply.body as SearchBody
      seen.push(...body.data.items.map((hit) => hit.item.id))
      cursor = body.additional_data.next_cursor
      if (cursor !== null) expect(cursor).not.toMatch(/\d{3}/)
      pages++
    } while (cursor !== null && pages < 20)
    expect(pages).toBe(6)
    expect(new Set(seen).size).toBe(leads.size)

    const first = handlers.searchLeadsV2(call({}, { query })).body as SearchBody
    const elsewhere = handlers.searchLeadsV2(call({}, { query: { term: "Acme", cursor: first.additional_data.next_cursor! } }))
    expect(errorOf(elsewhere)).toMatchObject({ status: 400, error_info: `"cursor" is not a valid cursor` })
    expect(errorOf(handlers.searchLeadsV2(call({}, { query: { term: "for", cursor: "not-a-cursor" } })))).toMatchObject({ status: 400 })
    expect(errorOf(handlers.searchLeadsV2(call({}, { query: { term: "f" } })))).toMatchObject({ status: 400 })
  })
})

describe("conversions in the in-memory Pipedrive", () => {
  const openLead = (leads: LeadStore): Lead => leads.all().find(({ lead }) => !lead.is_archived)!.lead
  type Status = { conversion_id: string; status: string; deal_id?: number; lead_id?: string }

  it("a lead becomes a deal: not_started, running, then completed with the deal's id; the lead is gone", () => {
    const { call, domain, handlers, leads } = setup()
    const lead = openLead(leads)
    const started = handlers.convertLeadToDeal(call({ id: lead.id }, { body: { stage_id: 7 } }))
    expect(started.body).toMatchObject({ success: true, additional_data: null })
    const { conversion_id } = data<{ conversion_id: string }>(started)
    const status = (now: number) => data<Status>(handlers.getLeadConversionStatus(call({ id: lead.id, conversion_id }, { now })))

    expect(status(t0).status).toBe("not_started")
    expect(status(t0 + conversionTimes.startsAfter).status).toBe("running")
    expect(leads.get(lead.id)).toBeDefined()
    const done = status(t0 + conversionTimes.endsAfter)
    expect(done).toMatchObject({ conversion_id, status: "completed", deal_id: expect.any(Number) })
    expect(leads.get(lead.id)).toBeUndefined()
    expect(domain.conversions.deals.get(done.deal_id!)).toMatchObject({ title: lead.title, lead_id: lead.id, stage_id: 7, pipeline_id: 2 })

    // Converting it again: the lead is gone.
    expect(errorOf(handlers.convertLeadToDeal(call({ id: lead.id }, { now: t0 + 5000 })))).toStrictEqual({
      status: 404,
      error: "Entity was not found",
      error_info: "Object was not found."
    })
    // Status data is temporary.
    const later = t0 + conversionTimes.endsAfter + conversionTimes.expiresAfter
    expect(handlers.getLeadConversionStatus(call({ id: lead.id, conversion_id }, { now: later })).status).toBe(404)
  })

  it("a second conversion while one runs, and an archived lead, are refused with 400", () => {
    const { call, handlers, leads } = setup()
    const lead = openLead(leads)
    expect(handlers.convertLeadToDeal(call({ id: lead.id })).status).toBe(200)
    expect(errorOf(handlers.convertLeadToDeal(call({ id: lead.id }, { now: t0 + 100 })))).toMatchObject({
      status: 400,
      error: "Conversion in progress"
    })
    const archived = leads.all().find(({ lead }) => lead.is_archived)!.lead
    expect(errorOf(handlers.convertLeadToDeal(call({ id: archived.id })))).toMatchObject({
      status: 400,
      error: "Archived leads cannot be converted"
    })
    expect(errorOf(handlers.convertLeadToDeal(call({ id: lead.id }, { body: { stage_id: 99 } })))).toMatchObject({ status: 400 })
    expect(errorOf(handlers.convertLeadToDeal(call({ id: lead.id }, { body: { owner_id: 1 } })))).toMatchObject({ status: 400 })
  })

  it("forced outcomes end a job failed or rejected, and nothing changes", () => {
    const { call, domain, handlers, leads } = setup()
    domain.conversions.force("failed")
    domain.conversions.force("rejected")
    const [a, b] = leads.all().filter(({ lead }) => !lead.is_archived).map(({ lead }) => lead)
    for (const [lead, expected] of [[a!, "failed"], [b!, "rejected"]] as const) {
      const { conversion_id } = data<{ conversion_id: string }>(handlers.convertLeadToDeal(call({ id: lead.id })))
      const end = data<Status>(handlers.getLeadConversionStatus(call({ id: lead.id, conversion_id }, { now: t0 + conversionTimes.endsAfter })))
      expect(end).toStrictEqual({ conversion_id, status: expected })
      expect(leads.get(lead.id)).toBeDefined()
    }
  })

  it("a deal becomes a lead whose source is the deal; status belongs to its deal only", () => {
    const { call, domain, handlers, leads } = setup(0)
    const started = handlers.convertDealToLead(call({ id: "3" }))
    const { conversion_id } = data<{ conversion_id: string }>(started)
    expect(handlers.getDealConversionStatus(call({ id: "4", conversion_id })).status).toBe(404)
    expect(handlers.getLeadConversionStatus(call({ id: "4b40248b-945a-4802-b996-60fdff8c5c69", conversion_id })).status).toBe(404)
    domain.settle(t0 + conversionTimes.endsAfter)
    const done = data<Status>(handlers.getDealConversionStatus(call({ id: "3", conversion_id }, { now: t0 + conversionTimes.endsAfter })))
    expect(done).toMatchObject({ status: "completed", lead_id: expect.any(String) })
    expect(leads.get(done.lead_id!)?.lead).toMatchObject({ source_deal_id: 3, source_name: "Deal" })
    expect(domain.conversions.deals.has(3)).toBe(false)
    expect(handlers.convertDealToLead(call({ id: "3" }, { now: t0 + 9000 })).status).toBe(404)
    expect(handlers.convertDealToLead(call({ id: "x" })).status).toBe(400)
  })
})
