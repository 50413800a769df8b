import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema, SchemaAST } from "effect"
import { readFileSync } from "node:fs"
import { parse } from "yaml"
import * as Errors from "../src/Errors.js"
import * as Lead from "../src/Lead.js"
import * as Leads from "../src/Leads.js"
import * as Pagination from "../src/Pagination.js"
import * as Requests from "../src/Requests.js"
import { json, leadJson, makeTestLayer, requests } from "./support/mockHttp.js"
import { type Mismatch, mismatches, type OpenApiNode } from "./support/openapiShape.js"

// The parts of Pipedrive's OpenAPI excerpt these tests read, checked as they are read.
const JsonContent = Schema.Struct({
  "application/json": Schema.optional(Schema.Struct({
    schema: Schema.optional(Schema.Unknown),
    example: Schema.optional(Schema.Unknown)
  }))
})
const OperationDoc = Schema.Struct({
  operationId: Schema.String,
  "x-token-cost": Schema.Number,
  parameters: Schema.optional(Schema.Array(Schema.Struct({
    in: Schema.String,
    name: Schema.String,
    schema: Schema.optional(Schema.Unknown)
  }))),
  requestBody: Schema.optional(Schema.Struct({
    content: Schema.Struct({
      "application/json": Schema.Struct({
        schema: Schema.Struct({ properties: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
      })
    })
  })),
  responses: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({ content: Schema.optional(JsonContent) })
  })
})
const OpenApiDoc = Schema.Struct({
  paths: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: OperationDoc }) })
})

const document = Schema.decodeUnknownSync(OpenApiDoc)(
  parse(readFileSync(new URL("./fixtures/pipedrive-v1-leads.openapi.yaml", import.meta.url), "utf8"))
)

const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation }))
)

const operationDoc = (operationId: string) => {
  const found = operations.find((o) => o.operation.operationId === operationId)
  if (found === undefined) throw new Error(`no operation ${operationId} in the OpenAPI excerpt`)
  return found.operation
}

const example = (operationId: string, status: string): unknown => {
  const content = operationDoc(operationId).responses[status]?.content?.["application/json"]
  if (content?.example === undefined) throw new Error(`no ${status} example for ${operationId}`)
  return content.example
}

/** The example's `data`, which is sound even where the envelope around it is not. */
const exampleData = (operationId: string): unknown => (example(operationId, "200") as { readonly data: unknown }).data

const propertyNames = (schema: Schema.Schema.Any): ReadonlyArray<string> =>
  SchemaAST.getPropertySignatures(schema.ast).map((p) => String(p.name))

// This excerpt is the Leads API's; the rest of the lead domain is checked in domainContract.test.ts.
const isEndpointName = (name: string): name is keyof typeof Leads.endpoints => name in Leads.endpoints

describe("the endpoint table against the OpenAPI document", () => {
  it("has one row per documented operation, with its method, path and token cost", () => {
    expect(operations.map((o) => o.operation.operationId).sort()).toStrictEqual(Object.keys(Leads.endpoints).sort())
    for (const { method, operation, path } of operations) {
      expect(isEndpointName(operation.operationId)).toBe(true)
      if (!isEndpointName(operation.operationId)) continue
      const endpoint = Leads.endpoints[operation.operationId]
      expect({ name: operation.operationId, method: endpoint.method, path: endpoint.path, cost: endpoint.cost })
        .toStrictEqual({ name: operation.operationId, method, path, cost: operation["x-token-cost"] })
    }
  })

  it("accepts every documented query parameter", () => {
    const documented = (operationId: string) =>
      (operationDoc(operationId).parameters ?? []).filter((p) => p.in === "query").map((p) => p.name)
    const list = propertyNames(Requests.ListLeadsParams)
    for (const name of [...documented("getLeads"), ...documented("getArchivedLeads")]) expect(list).toContain(name)
    const search = propertyNames(Requests.SearchLeadsParams)
    for (const name of documented("searchLeads")) expect(search).toContain(name)
  })

  it("types every documented body field of addLead and updateLead", () => {
    const documented = (operationId: string) =>
      Object.keys(operationDoc(operationId).requestBody?.content["application/json"].schema.properties ?? {})
    expect(documented("addLead").length).toBeGreaterThan(0)
    expect(propertyNames(Requests.AddLead)).toStrictEqual(expect.arrayContaining(documented("addLead")))
    expect(propertyNames(Requests.UpdateLead)).toStrictEqual(expect.arrayContaining(documented("updateLead")))
    // origin_id cannot be changed, is_archived cannot be set on create.
    expect(propertyNames(Requests.UpdateLead)).not.toContain("origin_id")
    expect(propertyNames(Requests.AddLead)).not.toContain("is_archived")
  })
})

describe("the client's types against the OpenAPI document's", () => {
  /**
   * Where the client departs from the document on purpose. Each is asserted to be found, so a
   * departure that goes away (or a new one) fails until this table says so.
   */
  const departures: Readonly<Record<string, ReadonlyArray<Mismatch & { readonly why: string }>>> = {
    "searchLeads 200": [
      {
        path: "data.items[].item.type",
        problem: "the client takes only \"lead\"; the document any string",
        why: "the lead search finds leads only; the type says so"
      },
      {
        path: "data.items[].item.visible_to",
        problem: "the client takes only 1|3|5|7; the document any integer",
        why: "a lead's visibility (\"1\", \"3\", \"5\", \"7\" on the lead), sent as an integer by search"
      }
    ],
    "updateLead body": [
      {
        path: "title",
        problem: "nullable in the document; the client rejects null",
        why: "a lead always has a title: the client refuses to unset it before sending"
      }
    ]
  }
  /** What is expected of `"<operationId> <status>"` or `"<operationId> body"`: the departures, no more. */
  const expected = (what: string) => (departures[what] ?? []).map(({ path, problem }) => ({ path, problem }))

  const responses = operations.flatMap(({ operation }) =>
    Object.entries(operation.responses)
      .filter(([status]) => status.startsWith("2"))
      .map(([status, response]) => ({
        operationId: operation.operationId,
        status,
        node: response.content?.["application/json"]?.schema as OpenApiNode
      }))
  )

  it("every operation of the document has a successful response to compare", () => {
    expect(new Set(responses.map((r) => r.operationId))).toStrictEqual(new Set(Object.keys(Leads.endpoints)))
  })

  it.each(responses)("$operationId $status: every documented property, with its type, nullability and enums", (r) => {
    if (!isEndpointName(r.operationId)) throw new Error(`no endpoint ${r.operationId}`)
    expect(mismatches(r.node, Leads.endpoints[r.operationId].response)).toStrictEqual(expected(`${r.operationId} ${r.status}`))
  })

  it.each(["addLead", "updateLead"] as const)("%s: every documented body field, typed as documented", (operationId) => {
    const node = operationDoc(operationId).requestBody?.content["application/json"].schema as OpenApiNode
    const body = operationId === "addLead" ? Requests.AddLead : Requests.UpdateLead
    expect(mismatches(node, body)).toStrictEqual(expected(`${operationId} body`))
  })

  const parameter = (operationId: string, name: string): OpenApiNode => {
    const found = (operationDoc(operationId).parameters ?? []).find((p) => p.in === "query" && p.name === name)
    if (found?.schema === undefined) throw new Error(`no query parameter ${name} of ${operationId}`)
    return found.schema as OpenApiNode
  }
  /** The caller's side of a query parameter: what it writes before the wire's comma list. */
  const writes = (schema: Schema.Schema.Any, name: string) => {
    const signature = SchemaAST.getPropertySignatures(Schema.typeSchema(schema).ast).find((p) => p.name === name)
    if (signature === undefined) throw new Error(`no ${name}`)
    return Schema.make(signature.type)
  }

  it("enumerated query parameters: sort fields, search fields, include_fields", () => {
    for (const operationId of ["getLeads", "getArchivedLeads"]) {
      expect(mismatches(parameter(operationId, "sort"), Requests.SortField), operationId).toStrictEqual([])
    }
    // `fields` and `include_fields` are comma lists of the enumerated values.
    const listOf = (node: OpenApiNode): OpenApiNode => ({ type: "array", items: node })
    expect(mismatches(listOf(parameter("searchLeads", "fields")), writes(Requests.SearchLeadsParams, "fields")))
      .toStrictEqual([])
    expect(
      mismatches(listOf(parameter("searchLeads", "include_fields")), writes(Requests.SearchLeadsParams, "include_fields"))
    ).toStrictEqual([])
  })

  // The comparison itself, on small cases: each kind of drift it must report.
  const lead = { type: "object", properties: { id: { type: "integer" } } } as const
  it.each([
    ["an integer typed as a string", lead, Schema.Struct({ id: Schema.String }), "integer in the document; the client takes string"],
    ["a missing property", lead, Schema.Struct({}, Schema.Record({ key: Schema.String, value: Schema.Unknown })), "missing from the client's schema"],
    [
      "null refused",
      { type: "object", properties: { id: { type: "integer", nullable: true } } },
      Schema.Struct({ id: Schema.Int }),
      "nullable in the document; the client rejects null"
    ],
    [
      "only integers where numbers are documented",
      { type: "object", properties: { id: { type: "number" } } },
      Schema.Struct({ id: Schema.Int }),
      "number in the document; the client takes only integers"
    ],
    [
      "an enum value dropped",
      { type: "object", properties: { id: { type: "string", enum: ["a", "b"] } } },
      Schema.Struct({ id: Schema.Literal("a") }),
      "the client lacks \"b\" (the document enumerates \"a\"|\"b\")"
    ],
    [
      "an enum left open",
      { type: "object", properties: { id: { type: "string", allOf: [{ enum: ["a"] }] } } },
      Schema.Struct({ id: Schema.String }),
      "the document enumerates \"a\"; the client takes any value"
    ],
    [
      "a required property made optional",
      { type: "object", required: ["id"], properties: { id: { type: "integer" } } },
      Schema.Struct({ id: Schema.optional(Schema.Int) }),
      "required by the document; optional in the client"
    ],
    [
      "a property the client requires and the document does not list",
      lead,
      Schema.Struct({ id: Schema.Int, extra: Schema.String }),
      "required by the client; not in the document"
    ]
  ] as const)("reports %s", (_, node, schema, problem) => {
    expect(mismatches(node as OpenApiNode, schema).map((m) => m.problem)).toStrictEqual([problem])
  })

  it("accepts what is compatible: optional where nothing is required, wider types, one member of a union", () => {
    const node: OpenApiNode = {
      type: "object",
      properties: { id: { type: "integer" }, page: { type: "object", properties: { start: { type: "integer" } } } }
    }
    const page = Schema.Union(Schema.Struct({ next: Schema.String }), Schema.Struct({ start: Schema.Number }))
    expect(mismatches(node, Schema.Struct({ id: Schema.optional(Schema.NullOr(Schema.Number)), page }))).toStrictEqual([])
  })
})

describe("the OpenAPI examples decode with our schemas", () => {
  const decodes = <S>(endpoint: { readonly response: Schema.Schema<S, unknown> }) => (u: unknown) =>
    Either.isRight(Schema.decodeUnknownEither(endpoint.response)(u))
  const sound = [
    { operationId: "addLead", status: "201", decodes: decodes(Leads.endpoints.addLead) },
    { operationId: "getLead", status: "200", decodes: decodes(Leads.endpoints.getLead) },
    { operationId: "updateLead", status: "200", decodes: decodes(Leads.endpoints.updateLead) },
    { operationId: "deleteLead", status: "200", decodes: decodes(Leads.endpoints.deleteLead) },
    { operationId: "getLeadUsers", status: "200", decodes: decodes(Leads.endpoints.getLeadUsers) },
    { operationId: "getLeads", status: "200", decodes: decodes(Leads.endpoints.getLeads) },
    { operationId: "getArchivedLeads", status: "200", decodes: decodes(Leads.endpoints.getArchivedLeads) }
  ] as const

  it.each(sound)("$operationId $status example decodes with the endpoint's response schema", (c) => {
    expect(c.decodes(example(c.operationId, c.status))).toBe(true)
  })

  it("the list examples' data decode as leads (their missing additional_data is a defect of the examples)", () => {
    for (const operationId of ["getLeads", "getArchivedLeads"]) {
      const data = exampleData(operationId)
      const leads = Schema.decodeUnknownSync(Schema.Array(Lead.Lead))(data)
      expect(leads).toHaveLength(1)
      expect(leads).toStrictEqual(data)
      expect((example(operationId, "200") as object)).not.toHaveProperty("additional_data")
    }
  })

  it("the search example's items decode as search items", () => {
    const data = exampleData("searchLeads") as { readonly items: unknown }
    const items = Schema.decodeUnknownSync(Schema.Array(Lead.LeadSearchItem))(data.items)
    expect(items).toHaveLength(1)
    expect(items[0]?.item.visible_to).toBe(3)
    expect(items).toStrictEqual(data.items)
  })

  it("the search example's additional_data, a pasted JSON Schema, is not mistaken for pagination", () => {
    const additional = (example("searchLeads", "200") as { readonly additional_data: object }).additional_data
    expect(additional).toHaveProperty("properties")
    expect(decodes(Leads.endpoints.searchLeads)(example("searchLeads", "200"))).toBe(false)
  })

  it.effect("served as is, the search example fails with a decode error pointing at additional_data", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const error = yield* Effect.flip(leads.searchLeads({ term: "John" }))
      expect(error).toBeInstanceOf(Errors.ResponseDecodeError)
      expect(error._tag === "ResponseDecodeError" && error.at).toMatch(/^additional_data/)
    }).pipe(Effect.provide(makeTestLayer(() => json(200, example("searchLeads", "200"))))))

  it.effect.each(["getLead", "updateLead", "deleteLead"])("the %s 404 example becomes NotFound with its texts", (operationId) =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const id = "adf21080-0e10-11eb-879b-05d71fb426ec"
      const call = operationId === "getLead"
        ? leads.getLead(id)
        : operationId === "updateLead"
        ? leads.updateLead(id, { title: "x" })
        : leads.deleteLead(id)
      const error = yield* Effect.flip(call)
      expect(error).toBeInstanceOf(Errors.NotFound)
      expect(error).toMatchObject({ status: 404, error: "requested lead not found", errorInfo: "Object was not found." })
    }).pipe(Effect.provide(makeTestLayer(() => json(404, example(operationId, "404"))))))
})

describe("envelopes as the contract describes them", () => {
  const listData = exampleData("getLeads")
  const [lead] = Schema.decodeUnknownSync(Schema.Array(Lead.Lead))(listData)
  const searchItems = (exampleData("searchLeads") as { readonly items: ReadonlyArray<unknown> }).items

  const getLeadsWith = (body: unknown) =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      return yield* leads.getLeads()
    }).pipe(Effect.provide(makeTestLayer(() => json(200, body))))

  it.effect("nested pagination, as real traffic sends it", () =>
    Effect.gen(function*() {
      const page = yield* getLeadsWith({
        success: true,
        data: listData,
        additional_data: { pagination: { start: 0, limit: 100, more_items_in_collection: true, next_start: 100 } }
      })
      expect(page).toStrictEqual({
        items: [lead],
        pagination: { start: 0, limit: 100, more_items_in_collection: true, next_start: 100 }
      })
      expect(Pagination.nextStart(page, 0)).toStrictEqual(expect.objectContaining({ _tag: "Some", value: 100 }))
    }))

  it.effect("flat pagination, as the OpenAPI document describes it", () =>
    Effect.gen(function*() {
      const page = yield* getLeadsWith({
        success: true,
        data: listData,
        additional_data: { start: 0, limit: 100, more_items_in_collection: false }
      })
      expect(page).toStrictEqual({ items: [lead], pagination: { start: 0, limit: 100, more_items_in_collection: false } })
    }))

  it.effect("data: null is an empty page", () =>
    Effect.gen(function*() {
      const page = yield* getLeadsWith({
        success: true,
        data: null,
        additional_data: { pagination: { start: 0, limit: 100, more_items_in_collection: false } }
      })
      expect(page.items).toStrictEqual([])
      expect(page.pagination.more_items_in_collection).toBe(false)
    }))

  it.effect("missing additional_data is the last page", () =>
    Effect.gen(function*() {
      const page = yield* getLeadsWith(example("getLeads", "200"))
      expect(page).toStrictEqual({ items: [lead], pagination: { start: 0, limit: 1, more_items_in_collection: false } })
    }))

  it.effect("the search envelope, with its items under data.items", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const page = yield* leads.searchLeads({ term: "John" })
      expect(page.items).toStrictEqual(searchItems)
      expect(page.pagination).toStrictEqual({ start: 0, limit: 100, more_items_in_collection: false })
    }).pipe(Effect.provide(makeTestLayer(() =>
      json(200, {
        success: true,
        data: { items: searchItems },
        additional_data: { pagination: { start: 0, limit: 100, more_items_in_collection: false } }
      })
    ))))

  it.effect("a search item without person or organization: absent stays absent, null is null", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const page = yield* leads.searchLeads({ term: "John" })
      expect(page.items).toHaveLength(2)
      const [absent, nulled] = page.items
      // Left out, they stay left out (no key invented); sent as null, they are null.
      expect(absent?.item).not.toHaveProperty("person")
      expect(absent?.item).not.toHaveProperty("organization")
      expect(nulled?.item.person).toBeNull()
      expect(nulled?.item.organization).toBeNull()
      // The rest of the item is decoded as sent.
      expect(absent?.item.title).toBe("John Doe lead")
      expect(nulled?.item.owner).toStrictEqual({ id: 1 })
    }).pipe(Effect.provide(makeTestLayer(() => {
      const [first] = searchItems as ReadonlyArray<{ readonly item: Record<string, unknown> }>
      const { organization: _o, person: _p, ...bare } = first?.item ?? {}
      return json(200, {
        success: true,
        data: { items: [{ result_score: 1, item: bare }, { result_score: 0.5, item: { ...bare, person: null, organization: null } }] }
      })
    }))))
})

describe("custom fields survive a read-modify-write; unknown fields are kept, not sent", () => {
  const money = "d4de1c1518b4531717c676029a45911c340390a6"
  const text = "5f8d2c1b9a0e3d4c6b7a8f9e0d1c2b3a4f5e6d70"
  const option = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
  const user = "ffeeddccbbaa99887766554433221100ffeeddcc"
  const address = "0123456789abcdef0123456789abcdef01234567"
  const custom = {
    [money]: 1500.75,
    [`${money}_currency`]: "EUR",
    [text]: "Met at the fair — ask about Q3",
    [option]: "12,14",
    [user]: { id: 9, name: "Ann", email: "ann@example.com", has_pic: 0, active_flag: true, value: 9 },
    [address]: "Main St 1, Tallinn",
    [`${address}_admin_area_level_1`]: "Harju",
    [`${address}_postal_code`]: "10111"
  }
  const unknown = {
    lead_score: 87,
    some_future_field: { nested: [1, "two", null, { three: 3 }] }
  }
  const extras = { ...custom, ...unknown }
  const id = "adf21080-0e10-11eb-879b-05d71fb426ec"

  it("custom field keys (and their siblings) are recognised as such", () => {
    for (const key of [...Object.keys(custom), `${money}_until`]) expect(Lead.isCustomFieldKey(key)).toBe(true)
    for (const key of ["lead_score", "title", "some_future_field", `${money}_colour`, money.toUpperCase(), money.slice(1)]) {
      expect(Lead.isCustomFieldKey(key)).toBe(false)
    }
  })

  it.effect("decode → customFields → updateLead body carries them with identical values", () =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      const lead = yield* leads.getLead(id)
      expect(lead[money]).toBe(1500.75)
      expect(lead.title).toBe("Jane Doe Lead")

      expect({ ...Lead.extraFields(lead) }).toStrictEqual(extras)
      const written = Lead.customFields(lead)
      expect({ ...written }).toStrictEqual(custom)

      yield* leads.updateLead(id, { ...written, title: "Renamed" })
      const [read, write] = yield* requests
      expect(read?.method).toBe("GET")
      expect(write?.method).toBe("PATCH")
      const sent = JSON.parse(write?.bodyText ?? "null") as Record<string, unknown>
      expect(sent).toStrictEqual({ ...custom, title: "Renamed" })

      // A field Pipedrive added that this library does not know cannot be sent back.
      const refused = yield* Effect.flip(leads.updateLead(id, { ...Lead.extraFields(lead), title: "Renamed" }))
      expect(refused._tag).toBe("InvalidInput")
      expect(refused.message).toContain("lead_score")
      expect(refused.message).toContain("some_future_field")
      expect(yield* requests).toHaveLength(2)
    }).pipe(Effect.provide(makeTestLayer(() => json(200, { success: true, data: leadJson({ id, ...extras }) })))))
})
