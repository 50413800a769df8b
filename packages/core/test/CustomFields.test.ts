import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, FastCheck as fc, Option, Ref, Stream } from "effect"
import * as CustomFields from "../src/CustomFields.js"
import * as Leads from "../src/Leads.js"
import * as PipedriveTest from "../src/PipedriveTest.js"
import * as TypedLeads from "../src/TypedLeads.js"

// The company's fields as the lead-fields API lists them, one of each kind (keys are 40-hex).
const key = (n: number) => n.toString(16).padStart(40, "a")
const company: ReadonlyArray<CustomFields.FieldInfo> = [
  { key: "title", name: "Title", field_type: "varchar" },
  { key: key(1), name: "Region", field_type: "varchar" },
  { key: key(2), name: "Budget", field_type: "monetary" },
  { key: key(3), name: "Employees", field_type: "double" },
  {
    key: key(4),
    name: "Lead stage",
    field_type: "enum",
    options: [{ id: 191, label: "New" }, { id: 192, label: "Qualified" }, { id: 193, label: "Lost" }]
  },
  {
    key: key(5),
    name: "Tags",
    field_type: "set",
    options: [{ id: 201, label: "vip" }, { id: 202, label: "eu" }, { id: 203, label: "trial" }]
  },
  { key: key(6), name: "Follow-up", field_type: "date" },
  { key: key(7), name: "Campaign", field_type: "daterange" },
  { key: key(8), name: "Call at", field_type: "time" },
  { key: key(9), name: "Office hours", field_type: "timerange" },
  { key: key(10), name: "Account manager", field_type: "user" },
  { key: key(11), name: "Referrer", field_type: "people" },
  { key: key(12), name: "Partner", field_type: "org" },
  { key: key(13), name: "Site", field_type: "address" },
  { key: key(14), name: "Notes", field_type: "text" }
]

const MyFields = CustomFields.define({
  region: CustomFields.text("Region"),
  budget: CustomFields.monetary("Budget"),
  employees: CustomFields.double("Employees"),
  stage: CustomFields.option("Lead stage", ["New", "Qualified", "Lost"]),
  tags: CustomFields.options("Tags"),
  followUp: CustomFields.date("Follow-up"),
  campaign: CustomFields.dateRange("Campaign"),
  callAt: CustomFields.time("Call at"),
  hours: CustomFields.timeRange("Office hours"),
  manager: CustomFields.user("Account manager"),
  referrer: CustomFields.person("Referrer"),
  partner: CustomFields.organization("Partner"),
  site: CustomFields.address("Site")
})

const resolved = Either.getOrThrow(CustomFields.resolve(MyFields, company))

/** Pipedrive's wire forms for each declared field, as v1 sends them (key, then siblings). */
const wireForms: { readonly [K in keyof typeof MyFields]: ReadonlyArray<Record<string, unknown>> } = {
  region: [{ [key(1)]: "EMEA" }, { [key(1)]: "" }],
  budget: [{ [key(2)]: 12000, [`${key(2)}_currency`]: "EUR" }, { [key(2)]: 0.5, [`${key(2)}_currency`]: "USD" }],
  employees: [{ [key(3)]: 250 }, { [key(3)]: -1.25 }],
  stage: [{ [key(4)]: "191" }, { [key(4)]: "193" }],
  tags: [{ [key(5)]: "201" }, { [key(5)]: "201,203" }, { [key(5)]: "" }],
  followUp: [{ [key(6)]: "2026-02-28" }],
  campaign: [{ [key(7)]: "2026-01-01", [`${key(7)}_until`]: "2026-03-31" }],
  callAt: [{ [key(8)]: "09:30:00" }],
  hours: [{ [key(9)]: "08:00:00", [`${key(9)}_until`]: "17:30:00" }],
  manager: [{ [key(10)]: 7 }],
  referrer: [{ [key(11)]: 1092 }],
  partner: [{ [key(12)]: 42 }],
  site: [
    { [key(13)]: "Main St 1, Tallinn" },
    {
      [key(13)]: "Main St 1, Tallinn",
      [`${key(13)}_street_number`]: "1",
      [`${key(13)}_route`]: "Main St",
      [`${key(13)}_locality`]: "Tallinn",
      [`${key(13)}_country`]: "Estonia",
      [`${key(13)}_postal_code`]: null,
      [`${key(13)}_formatted_address`]: "Main St 1, 10111 Tallinn, Estonia"
    }
  ]
}

type Name = keyof typeof MyFields
const names = Object.keys(MyFields) as Array<Name>
const field = (name: Name) => MyFields[name] as CustomFields.Field<unknown>

describe("custom-field kinds: wire → typed → wire", () => {
  it.each(names)("%s: the identity on Pipedrive's real forms", (name) => {
    for (const wire of wireForms[name]) {
      const value = Either.getOrThrow(field(name).decode(wire, resolved[name]))
      expect(value).not.toBeNull()
      expect(Either.getOrThrow(field(name).encode(value, resolved[name]))).toEqual(wire)
    }
  })

  it.each(names)("%s: absent and null read as null; null unsets the key and its siblings", (name) => {
    expect(field(name).decode({}, resolved[name])).toEqual(Either.right(null))
    expect(field(name).decode({ [resolved[name].key]: null }, resolved[name])).toEqual(Either.right(null))
    const unset = Either.getOrThrow(field(name).encode(null, resolved[name]))
    expect(unset[resolved[name].key]).toBeNull()
    for (const sibling of Object.keys(unset)) {
      expect(sibling.startsWith(resolved[name].key)).toBe(true)
      expect(unset[sibling]).toBeNull()
    }
    // Every sibling a real form carries is unset with it.
    for (const wire of wireForms[name]) {
      for (const wireKey of Object.keys(wire)) expect(Object.keys(unset)).toContain(wireKey)
    }
  })

  it("a set field reads its ids as labels: one, several, none", () => {
    const tags = (wire: unknown) => CustomFields.decodeValues(MyFields, resolved, { [key(5)]: wire })
    expect(Either.map(tags("202"), (v) => v.tags)).toEqual(Either.right(["eu"]))
    expect(Either.map(tags("201,203"), (v) => v.tags)).toEqual(Either.right(["vip", "trial"]))
    expect(Either.map(tags(""), (v) => v.tags)).toEqual(Either.right([]))
    expect(Either.map(tags(null), (v) => v.tags)).toEqual(Either.right(null))
  })

  it("people, org and user fields accept the object form some responses send", () => {
    const wire = { [key(11)]: { name: "Ada Berg", value: 1092 }, [key(12)]: { id: 42, name: "Acme Ltd" } }
    const values = Either.getOrThrow(CustomFields.decodeValues(MyFields, resolved, wire))
    expect([values.referrer, values.partner]).toEqual([1092, 42])
  })

  it("property: monetary, double and date values survive typed → wire → typed", () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom("EUR", "USD", "JPY"),
        fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }).map((d) => new Date(d * 1000).toISOString().slice(0, 10)),
        (amount, currency, day) => {
          const values = { budget: { amount, currency }, employees: amount, followUp: day }
          const wire = Either.getOrThrow(CustomFields.encodeValues(MyFields, resolved, values))
          const back = Either.getOrThrow(CustomFields.decodeValues(MyFields, resolved, wire))
          expect({ budget: back.budget, employees: back.employees, followUp: back.followUp }).toEqual(values)
        }
      )
    )
  })

  it("refuses a value of the wrong kind, an unknown option and what JSON cannot carry", () => {
    const issues = (values: Record<string, unknown>) =>
      Either.match(CustomFields.encodeValues(MyFields, resolved, values), { onLeft: (i) => i, onRight: () => [] })
    expect(issues({ stage: "Won" })[0]).toMatch(/^fields\.stage: "Won" is not an option of "Lead stage"; one of "New", "Qualified", "Lost"/)
    expect(issues({ tags: ["vip", "nope"] })[0]).toMatch(/^fields\.tags: "nope" is not an option/)
    expect(issues({ employees: Number.NaN })[0]).toMatch(/^fields\.employees: expected a finite number/)
    expect(issues({ budget: { amount: Infinity, currency: "EUR" } })).toHaveLength(1)
    expect(issues({ followUp: "2026-02-30" })[0]).toMatch(/expected a date/)
    expect(issues({ callAt: "25:00:00" })[0]).toMatch(/expected a time/)
    expect(issues({ manager: 1.5 })[0]).toMatch(/expected an id/)
    expect(issues({ region: 7 })[0]).toMatch(/expected text/)
    expect(issues({ nickname: "x" })[0]).toMatch(/^fields\.nickname: not a declared field/)
  })
})

describe("resolving a declaration by name", () => {
  const fails = (declaration: CustomFields.Fields, fields = company) =>
    Either.match(CustomFields.resolve(declaration, fields), {
      onLeft: (error) => error,
      onRight: () => expect.unreachable("resolved")
    })

  it("an unknown name lists the closest names", () => {
    const error = fails({ region: CustomFields.text("Regoin") })
    expect(error.field).toBe("Regoin")
    expect(error.closest[0]).toBe("Region")
    expect(error.message).toMatch(/no lead field has this name \(closest: "Region"/)
  })

  it("a field of another type is named with its type", () => {
    expect(fails({ region: CustomFields.double("Region") }).reason).toMatch(/is a varchar field in Pipedrive, not double/)
  })

  it("a declared option list that disagrees with Pipedrive's", () => {
    const error = fails({ stage: CustomFields.option("Lead stage", ["New", "Won"]) })
    expect(error.reason).toBe(`options differ from Pipedrive's: not in Pipedrive: "Won"; only in Pipedrive: "Qualified", "Lost"`)
  })

  it("resolves every kind of the declaration to its key", () => {
    expect(Object.fromEntries(names.map((name) => [name, resolved[name].key]))).toEqual(
      Object.fromEntries(names.map((name, i) => [name, key(i + 1)]))
    )
  })
})

describe("TypedLeads over the in-memory Pipedrive", () => {
  const labels = PipedriveTest.labels
  // Catalogs that count how often they are read, and whose fields a test can rename.
  const makeCatalogs = Effect.gen(function*() {
    const reads = yield* Ref.make(0)
    const fields = yield* Ref.make(company)
    const catalogs: TypedLeads.Catalogs = {
      fields: Effect.zipRight(Ref.update(reads, (n) => n + 1), Ref.get(fields)),
      labels: Effect.succeed(labels)
    }
    return { catalogs, reads, fields }
  })
  const setup = Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const { catalogs, fields, reads } = yield* makeCatalogs
    const typed = yield* TypedLeads.makeWith(MyFields, leads, catalogs)
    const model = yield* PipedriveTest.PipedriveTest
    return { leads, typed, reads, fields, model }
  })

  it.effect("a typed read–modify–write changes the declared field and leaves the rest as it was", () =>
    Effect.gen(function*() {
      const { leads, model, typed } = yield* setup
      const undeclared = "ffffffffffffffffffffffffffffffffffffffff"
      const raw = yield* leads.addLead({
        title: "Typed",
        person_id: 3,
        [key(1)]: "EMEA",
        [key(4)]: "191",
        [undeclared]: "kept",
        label_ids: [labels[0].id]
      })
      const lead = yield* typed.getLead(raw.id)
      expect(lead.fields.region).toBe("EMEA")
      expect(lead.fields.stage).toBe("New")
      expect(lead.fields.budget).toBeNull()
      expect(lead.labels).toEqual([labels[0].name])
      expect(lead[undeclared]).toBe("kept")

      const updated = yield* typed.updateLead(lead.id, {
        fields: { stage: "Qualified", budget: { amount: 500, currency: "EUR" } },
        labels: [labels[1].name, labels[0].name]
      })
      expect(updated.fields.stage).toBe("Qualified")
      expect(updated.fields.budget).toEqual({ amount: 500, currency: "EUR" })
      expect(updated.labels).toEqual([labels[1].name, labels[0].name])

      const stored = Option.getOrThrow(yield* model.lead(lead.id))
      expect(stored[key(4)]).toBe("192")
      expect(stored[key(2)]).toBe(500)
      expect(stored[`${key(2)}_currency`]).toBe("EUR")
      expect(stored[key(1)]).toBe("EMEA")
      expect(stored[undeclared]).toBe("kept")
      expect(stored.label_ids).toEqual([labels[1].id, labels[0].id])
      const { fields: _fields, labels: _labels, ...rawAgain } = yield* typed.getLead(lead.id)
      expect(rawAgain).toEqual(stored)
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 0 }))))

  it.effect("reads the catalogs once for many calls, streams included", () =>
    Effect.gen(function*() {
      const { reads, typed } = yield* setup
      const page = yield* typed.getLeads({ limit: 50 })
      for (const lead of page.items.slice(0, 10)) yield* typed.getLead(lead.id)
      const count = yield* typed.streamLeads({ limit: 100 }).pipe(Stream.runCount)
      expect(count).toBeGreaterThan(0)
      expect(yield* Ref.get(reads)).toBe(1)
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 300 }))))

  it.effect("a typed stream gives what a typed page gives, and Stream.take(1) sends one request", () =>
    Effect.gen(function*() {
      const { model, typed } = yield* setup
      const streamed = yield* Stream.runCollect(typed.streamLeads({ limit: 7 }))
      const page = yield* typed.getLeads({ limit: 100 })
      expect(page.items.length).toBeGreaterThan(7)
      expect(Chunk.toReadonlyArray(streamed)).toStrictEqual(page.items)
      const before = (yield* model.stats).requests
      expect(Chunk.size(yield* Stream.runCollect(Stream.take(typed.streamLeads({ limit: 7 }), 1)))).toBe(1)
      expect((yield* model.stats).requests - before).toBe(1)
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 30 }))))

  it.effect("a typed stream fails with the CustomFieldError of a field no longer found", () =>
    Effect.gen(function*() {
      const { fields, typed } = yield* setup
      yield* Ref.set(fields, company.map((f) => f.name === "Region" ? { ...f, name: "Area" } : f))
      const error = yield* Effect.flip(Stream.runDrain(typed.streamLeads({ limit: 7 })))
      expect(error._tag).toBe("CustomFieldError")
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 30 }))))

  it.effect("a renamed field is read again once, then found; a name still missing fails with the closest names", () =>
    Effect.gen(function*() {
      const { fields, reads, typed } = yield* setup
      yield* Ref.set(fields, company.map((f) => f.name === "Region" ? { ...f, name: "Area" } : f))
      const error = yield* Effect.flip(typed.getLeads({ limit: 1 }))
      expect(error._tag).toBe("CustomFieldError")
      expect(error.message).toMatch(/"Region": no lead field has this name \(closest: /)
      expect(yield* Ref.get(reads)).toBe(2)
      yield* Ref.set(fields, company)
      yield* typed.getLeads({ limit: 1 })
      expect(yield* Ref.get(reads)).toBe(3)
      yield* typed.getLeads({ limit: 1 })
      expect(yield* Ref.get(reads)).toBe(3)
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 5 }))))

  it.effect("an unknown label name or option is InvalidInput listing what exists, and nothing is sent", () =>
    Effect.gen(function*() {
      const { model, typed } = yield* setup
      const lead = (yield* typed.getLeads({ limit: 1 })).items[0]!
      const before = (yield* model.stats).requests
      const error = yield* Effect.flip(typed.updateLead(lead.id, { labels: ["Scorching"], fields: { stage: "Won" as "New" } }))
      expect(error._tag).toBe("InvalidInput")
      if (error._tag !== "InvalidInput") return
      expect(error.issues).toEqual([
        expect.stringMatching(/^fields\.stage: "Won" is not an option of "Lead stage"/),
        `labels: no label "Scorching"; one of ${labels.map((l) => JSON.stringify(l.name)).join(", ")}`
      ])
      expect((yield* model.stats).requests).toBe(before)
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 5 }))))
})
