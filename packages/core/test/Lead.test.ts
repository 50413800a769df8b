import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { compile } from "../src/internal/validator.js"
import * as Lead from "../src/Lead.js"
import * as Leads from "../src/Leads.js"
import { json, leadId, leadJson, makeTestLayer, pagination } from "./support/mockHttp.js"

const without = (record: Record<string, unknown>, keys: ReadonlyArray<string>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)))

/**
 * Leads as Pipedrive recorded them before each field was added: it sends them without the
 * field, not with `null`. Each era lacks what came later.
 */
const eras = [
  {
    name: "before 2024-05-20 (no origin, origin_id, channel, channel_id)",
    missing: ["origin", "origin_id", "channel", "channel_id"]
  },
  {
    name: "from 2020 (no visible_to, cc_email either)",
    missing: ["origin", "origin_id", "channel", "channel_id", "visible_to", "cc_email"]
  },
  {
    // Pipedrive's OpenAPI marks no lead field as required: only what a lead cannot lack is.
    name: "with nothing but id and title",
    missing: Object.keys(Lead.leadFields).filter((key) => key !== "id" && key !== "title")
  }
] as const

/** A 2023 lead as a sync tool recorded it from the real API (Airbyte's source-pipedrive). */
const recorded2023 = {
  id: "e1f2a3b4-c5d6-11ed-8a9b-0123456789ab",
  title: "Acme deal lead",
  owner_id: 13540546,
  creator_id: 13540546,
  label_ids: [],
  person_id: 1,
  organization_id: null,
  source_name: "Manually created",
  is_archived: false,
  was_seen: true,
  value: null,
  expected_close_date: null,
  next_activity_id: null,
  add_time: "2023-03-02T10:14:22.413Z",
  update_time: "2023-03-02T10:14:22.413Z",
  visible_to: "3",
  cc_email: "acme+13540546+lead1@pipedrivemail.com"
}

describe("leads from older accounts decode", () => {
  const id = leadId(7)
  const answer = (lead: Record<string, unknown>) =>
    makeTestLayer((request) =>
      request.path.endsWith("/search")
        ? json(200, {
          success: true,
          data: { items: [{ result_score: 1, item: { id: lead.id, title: lead.title } }] },
          additional_data: pagination(0, 100, undefined)
        })
        : request.path.endsWith("/leads")
        ? json(200, { success: true, data: [lead, leadJson({ id: leadId(8) })], additional_data: pagination(0, 100, undefined) })
        : json(200, { success: true, data: lead })
    )

  it.effect.each(eras)("a lead $name, single, in a list and in search", ({ missing }) => {
    const old = without(leadJson({ id }), missing)
    return Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const single = yield* leads.getLead(id)
      expect(single).toStrictEqual(old)
      for (const key of missing) expect(key in single).toBe(false)

      const page = yield* leads.getLeads({})
      expect(page.items[0]).toStrictEqual(old)
      expect(page.items[1]?.origin).toBe("API")

      const found = yield* leads.searchLeads({ term: "Jane" })
      expect(found.items[0]?.item).toStrictEqual({ id, title: "Jane Doe Lead" })
    }).pipe(Effect.provide(answer(old)))
  })

  it.effect("a lead recorded in 2023 (before origin and channel existed)", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const page = yield* leads.getLeads({})
      expect(page.items[0]).toStrictEqual(recorded2023)
      expect(page.items[0]?.origin).toBeUndefined()
    }).pipe(Effect.provide(answer(recorded2023))))

  it.effect.each(["id", "title"])("a lead without %s is still refused, with the path", (key) =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const error = yield* Effect.flip(leads.getLeads({}))
      expect(error._tag).toBe("ResponseDecodeError")
      if (error._tag === "ResponseDecodeError") expect(error.at).toBe(`data[0].${key}`)
    }).pipe(Effect.provide(answer(without(leadJson({ id }), [key])))))

  it("absent is not null: a field Pipedrive sends as null is still checked", () => {
    const decode = Schema.decodeUnknownEither(Lead.Lead)
    const check = compile(Lead.Lead.ast)!
    for (const key of ["origin", "visible_to", "cc_email", "is_archived", "add_time", "owner_id"]) {
      const lead = leadJson({ [key]: null })
      expect(decode(lead)._tag).toBe("Left")
      expect(check(lead)).toBe(false)
    }
  })
})

describe("server keys cannot choose prototypes", () => {
  const id = leadId(9)
  const custom = "d4de1c1518b4531717c676029a45911c340390a6"
  // What `JSON.parse` makes of a body with such a key: an own key, not a prototype.
  const body = `{"success": true, "data": ${
    JSON.stringify(leadJson({ id, [custom]: 5 })).replace(/}$/, `, "__proto__": {"polluted": true, "title": 1}}`)
  }}`
  const layer = makeTestLayer((request) =>
    request.path.endsWith("/leads")
      ? new Response(body.replace(`"data": {`, `"data": [{`).replace(/}$/, "]}"), {
        status: 200,
        headers: { "content-type": "application/json" }
      })
      : new Response(body, { status: 200, headers: { "content-type": "application/json" } })
  )

  it.effect("a __proto__ key stays data in the lead and in extraFields, and is written out again", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const single = yield* leads.getLead(id)
      const [listed] = (yield* leads.getLeads({})).items
      for (const lead of [single, listed!]) {
        expect(Object.getPrototypeOf(lead)).toBe(Object.prototype)
        expect(Object.prototype.hasOwnProperty.call(lead, "__proto__")).toBe(true)

        const extra = Lead.extraFields(lead)
        expect(Object.getPrototypeOf(extra)).toBeNull()
        expect(Object.keys(extra).sort()).toEqual(["__proto__", custom])
        expect((extra as { polluted?: unknown }).polluted).toBeUndefined()
        expect(JSON.parse(JSON.stringify(extra))).toStrictEqual(
          JSON.parse(`{"${custom}": 5, "__proto__": {"polluted": true, "title": 1}}`)
        )
        expect(JSON.stringify(extra)).toContain(`"__proto__":{"polluted":true,"title":1}`)

        const writable = Lead.customFields(lead)
        expect(Object.getPrototypeOf(writable)).toBeNull()
        expect({ ...writable }).toStrictEqual({ [custom]: 5 })
      }
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined()

      // Sending it to Pipedrive is refused by name: it is no field of a lead.
      const refused = yield* Effect.flip(leads.updateLead(id, { ...Lead.extraFields(single) }))
      expect(refused._tag).toBe("InvalidInput")
      expect(refused.message).toContain("__proto__")
    }).pipe(Effect.provide(layer)))
})
