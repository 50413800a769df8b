import { describe, expect, it } from "@effect/vitest"
import { Either, Schema, SchemaAST } from "effect"
import * as Conversions from "../src/Conversions.js"
import * as Endpoints from "../src/Endpoints.js"
import { operations as contractOperations } from "../src/internal/fake/contract.js"
import * as Lead from "../src/Lead.js"
import * as LeadFields from "../src/LeadFields.js"
import * as LeadLabels from "../src/LeadLabels.js"
import * as LeadSources from "../src/LeadSources.js"
import * as Pagination from "../src/Pagination.js"
import * as Requests from "../src/Requests.js"
import { type Api, content, example, operationDoc, operationsOf } from "./support/domainExcerpts.js"
import { mismatches, type OpenApiNode } from "./support/openapiShape.js"

/** The property names of an object schema in the excerpt, through `allOf`, arrays and `data`. */
const documentedProperties = (schema: unknown): ReadonlyArray<string> => {
  if (typeof schema !== "object" || schema === null) return []
  const node = schema as { readonly properties?: Record<string, unknown>; readonly allOf?: ReadonlyArray<unknown> }
  return [...Object.keys(node.properties ?? {}), ...(node.allOf ?? []).flatMap(documentedProperties)]
}
const dataItemSchema = (api: Api, operationId: string): unknown => {
  const response = content(api, operationId, "200").schema as {
    readonly allOf?: ReadonlyArray<{ readonly properties?: { readonly data?: unknown } }>
    readonly properties?: { readonly data?: unknown }
  }
  const data = (response.properties?.data ?? response.allOf?.find((part) => part.properties?.data)?.properties?.data) as {
    readonly items?: unknown
    readonly properties?: { readonly items?: { readonly items?: unknown } }
  }
  return data.items ?? data.properties?.items?.items ?? data
}
const propertyNames = (schema: Schema.Schema.Any): ReadonlyArray<string> =>
  SchemaAST.getPropertySignatures(schema.ast).map((p) => String(p.name))

/** The rows of the lead domain by `api:operationId` (v2 search's row is named `searchLeadsV2`). */
const rows = {
  "v1:getLeadFields": Endpoints.all.getLeadFields,
  "v1:getLeadLabels": Endpoints.all.getLeadLabels,
  "v1:addLeadLabel": Endpoints.all.addLeadLabel,
  "v1:updateLeadLabel": Endpoints.all.updateLeadLabel,
  "v1:deleteLeadLabel": Endpoints.all.deleteLeadLabel,
  "v1:getLeadSources": Endpoints.all.getLeadSources,
  "v2:searchLeads": Endpoints.all.searchLeadsV2,
  "v2:convertLeadToDeal": Endpoints.all.convertLeadToDeal,
  "v2:getLeadConversionStatus": Endpoints.all.getLeadConversionStatus,
  "v2:convertDealToLead": Endpoints.all.convertDealToLead,
  "v2:getDealConversionStatus": Endpoints.all.getDealConversionStatus
} as const
const responses = {
  "v1:getLeadFields": Endpoints.all.getLeadFields.response,
  "v1:getLeadLabels": Endpoints.all.getLeadLabels.response,
  "v1:addLeadLabel": Endpoints.all.addLeadLabel.response,
  "v1:updateLeadLabel": Endpoints.all.updateLeadLabel.response,
  "v1:deleteLeadLabel": Endpoints.all.deleteLeadLabel.response,
  "v1:getLeadSources": Endpoints.all.getLeadSources.response,
  "v2:searchLeads": Endpoints.all.searchLeadsV2.response,
  "v2:convertLeadToDeal": Endpoints.all.convertLeadToDeal.response,
  "v2:getLeadConversionStatus": Endpoints.all.getLeadConversionStatus.response,
  "v2:convertDealToLead": Endpoints.all.convertDealToLead.response,
  "v2:getDealConversionStatus": Endpoints.all.getDealConversionStatus.response
} as const

const keyOf = (api: Api, operationId: string) => `${api}:${operationId}` as keyof typeof responses

describe("one endpoint, one row", () => {
  it("every operation of the excerpts is a row with its API, method, path, cost and window", () => {
    const table = (Object.keys(Endpoints.all) as Array<keyof typeof Endpoints.all>).map((name) => {
      const { api, cost, method, path, window } = Endpoints.all[name]
      return { name, api, method, path, cost, window }
    })
    const sort = <A extends { readonly name: string }>(items: ReadonlyArray<A>) =>
      [...items].sort((a, b) => a.name.localeCompare(b.name))
    expect(sort(table)).toStrictEqual(sort(contractOperations.map((operation) => ({ ...operation }))))
  })

  it.each(Object.entries(rows))("%s is the row of that operation", (key, row) => {
    const [api, operationId] = key.split(":") as [Api, string]
    const documented = operationsOf(api).find((o) => o.operation.operationId === operationId)!
    expect({ api: row.api, path: row.path, cost: row.cost }).toStrictEqual({
      api,
      path: documented.path,
      cost: documented.operation["x-token-cost"]
    })
  })
})

describe("the client's types against the lead-domain documents'", () => {
  // The enumerations are the documents' own; the client's open literal takes them and any other string.
  const openEnum = (path: string, what: string) => ({
    path,
    problem: expect.stringMatching(/^the document enumerates "[^;]+; the client takes any value$/) as unknown as string,
    why: `${what} Pipedrive adds later decode as strings instead of failing the response (docs/openapi-departures.md)`
  })
  const colors = openEnum("data.color", "label colours")
  const statuses = openEnum("data.status", "conversion states")
  const noAdditionalData = {
    path: "additional_data",
    problem: "missing from the client's schema",
    why: "always null in a conversion answer; nothing in it to read"
  }
  /**
   * Where the client departs from the documents on purpose. Each is asserted to be found, so a
   * departure that goes away (or a new one) fails until this table says so.
   */
  const departures: Readonly<Record<string, ReadonlyArray<{ readonly path: string; readonly problem: string; readonly why: string }>>> = {
    "v1:getLeadFields": [openEnum("data[].field_type", "field types")],
    "v1:getLeadLabels": [{ ...colors, path: "data[].color" }],
    "v1:addLeadLabel": [colors],
    "v1:updateLeadLabel": [colors],
    "v2:searchLeads": [
      {
        path: "data.items[].item.type",
        problem: "the client takes only \"lead\"; the document any string",
        why: "the lead search finds leads only (as in v1)"
      },
      {
        path: "data.items[].item.visible_to",
        problem: "the client takes only 1|3|5|7; the document any integer",
        why: "a lead's visibility, sent as an integer by search (as in v1)"
      }
    ],
    "v2:convertLeadToDeal": [noAdditionalData],
    "v2:convertDealToLead": [noAdditionalData],
    "v2:getLeadConversionStatus": [statuses, noAdditionalData],
    "v2:getDealConversionStatus": [statuses, noAdditionalData]
  }

  it.each(Object.keys(responses))("%s 200: every documented property, with its type, nullability and enums", (key) => {
    const [api, operationId] = key.split(":") as [Api, string]
    const node = content(api, operationId, "200").schema as OpenApiNode
    const expected = (departures[key] ?? []).map(({ path, problem }) => ({ path, problem }))
    expect(mismatches(node, responses[key as keyof typeof responses])).toStrictEqual(expected)
  })
})

describe("the lead-domain OpenAPI examples decode with our schemas", () => {
  it("every operation of both excerpts has a response schema here", () => {
    const documented = (["v1", "v2"] as const).flatMap((api) => operationsOf(api).map((o) => keyOf(api, o.operation.operationId)))
    expect(documented.sort()).toStrictEqual(Object.keys(responses).sort())
  })

  it.each(Object.keys(responses))("%s: the 200 example decodes, unchanged", (key) => {
    const [api, operationId] = key.split(":") as [Api, string]
    const body = example(api, operationId)
    const schema = responses[key as keyof typeof responses] as unknown as Schema.Schema<{ readonly data: unknown }, unknown>
    const decoded = Schema.decodeUnknownEither(schema)(body)
    expect(Either.isRight(decoded)).toBe(true)
    // Nothing the example's data says is lost or changed by decoding.
    if (Either.isRight(decoded)) expect(decoded.right.data).toStrictEqual((body as { readonly data: unknown }).data)
  })

  it("the lead fields example: a system field and an enum with options, nested pagination", () => {
    const decoded = Schema.decodeUnknownSync(responses["v1:getLeadFields"])(example("v1", "getLeadFields"))
    const [title, customerType] = decoded.data ?? []
    expect(title).toMatchObject({ key: "title", field_type: "varchar", options: null })
    expect(customerType?.options).toStrictEqual([
      { id: 190, label: "Private person" },
      { id: 191, label: "Company" },
      { id: 192, label: "Government" }
    ])
    expect(Pagination.toPage(decoded.data, decoded.additional_data).pagination.more_items_in_collection).toBe(false)
  })

  it("the v2 search example: items and an opaque next cursor", () => {
    const decoded = Schema.decodeUnknownSync(responses["v2:searchLeads"])(example("v2", "searchLeads"))
    const page = Pagination.toCursorPage(decoded.data, decoded.additional_data)
    expect(page.items.map((hit) => hit.item.title)).toStrictEqual(["John Doe lead"])
    expect(page.nextCursor).toBe("eyJmaWVsZCI6ImlkIiwiZmllbGRWYWx1ZSI6Nywic29ydERpcmVjdGlvbiI6ImFzYyIsImlkIjo3fQ")
  })

  it("the conversion status examples: deal_id after a lead conversion, lead_id after a deal conversion", () => {
    const lead = Schema.decodeUnknownSync(responses["v2:getLeadConversionStatus"])(example("v2", "getLeadConversionStatus"))
    expect(lead.data).toStrictEqual({ deal_id: 33, conversion_id: "4b40248b-945a-4802-b996-60fdff8c5c69", status: "completed" })
    const deal = Schema.decodeUnknownSync(responses["v2:getDealConversionStatus"])(example("v2", "getDealConversionStatus"))
    expect(deal.data.lead_id).toBe("9f3e6e50-9d99-11ee-9538-29c81a92c0d1")
  })

  it.each([
    ["v2", "convertLeadToDeal"],
    ["v2", "getLeadConversionStatus"],
    ["v2", "convertDealToLead"],
    ["v2", "getDealConversionStatus"]
  ] as const)("%s:%s 404 example is Pipedrive's error envelope", (api, operationId) => {
    expect(example(api, operationId, "404")).toStrictEqual({
      success: false,
      error: "Entity was not found",
      error_info: "Object was not found.",
      data: null,
      additional_data: null
    })
  })
})

describe("our schemas type every documented field", () => {
  it.each([
    ["v1", "getLeadFields", LeadFields.LeadField],
    ["v1", "getLeadLabels", LeadLabels.LeadLabel],
    ["v1", "getLeadSources", LeadSources.LeadSource],
    ["v2", "getLeadConversionStatus", Conversions.ConversionStatus],
    ["v2", "getDealConversionStatus", Conversions.ConversionStatus],
    ["v2", "convertLeadToDeal", Conversions.ConversionJob]
  ] as const)("%s:%s", (api, operationId, schema) => {
    const documented = documentedProperties(dataItemSchema(api, operationId))
    expect(documented.length).toBeGreaterThan(0)
    expect(propertyNames(schema)).toStrictEqual(expect.arrayContaining([...documented]))
  })

  it("v2 search items: every documented item field", () => {
    const item = dataItemSchema("v2", "searchLeads") as { readonly properties: { readonly item: unknown } }
    const itemSchema = SchemaAST.getPropertySignatures(Lead.LeadSearchItem.ast).find((p) => p.name === "item")!
    const names = SchemaAST.getPropertySignatures(itemSchema.type).map((p) => String(p.name))
    expect(names).toStrictEqual(expect.arrayContaining([...documentedProperties(item.properties.item)]))
  })

  it("every documented query parameter and body field", () => {
    const query = (api: Api, operationId: string) =>
      (operationDoc(api, operationId).parameters ?? []).filter((p) => p.in === "query").map((p) => p.name)
    const body = (api: Api, operationId: string) =>
      Object.keys(operationDoc(api, operationId).requestBody?.content["application/json"].schema.properties ?? {})
    expect(propertyNames(LeadFields.LeadFieldsParams)).toStrictEqual(expect.arrayContaining(query("v1", "getLeadFields")))
    expect(propertyNames(Requests.SearchLeadsV2Params)).toStrictEqual(expect.arrayContaining(query("v2", "searchLeads")))
    expect(propertyNames(LeadLabels.AddLeadLabel)).toStrictEqual(expect.arrayContaining(body("v1", "addLeadLabel")))
    expect(propertyNames(LeadLabels.UpdateLeadLabel)).toStrictEqual(expect.arrayContaining(body("v1", "updateLeadLabel")))
    expect(propertyNames(Conversions.ConvertLeadToDeal)).toStrictEqual(
      expect.arrayContaining(body("v2", "convertLeadToDeal"))
    )
  })
})

describe("values Pipedrive adds later decode; what a caller writes stays strict", () => {
  const label = { id: "f08b42a0-4e75-11ea-9643-03698ef1cfd6", name: "Hot", add_time: "2020-02-13T15:31:44.000Z", update_time: "2020-02-13T15:31:44.000Z" }

  it("a label colour, a field type and a conversion state not in the excerpts", () => {
    expect(Schema.decodeUnknownSync(LeadLabels.LeadLabel)({ ...label, color: "teal" }).color).toBe("teal")
    expect(Schema.decodeUnknownSync(LeadFields.LeadField)({ id: 9, key: "k", name: "n", field_type: "ai_summary" }).field_type)
      .toBe("ai_summary")
    expect(
      Schema.decodeUnknownSync(Conversions.ConversionStatus)({
        conversion_id: "4b40248b-945a-4802-b996-60fdff8c5c69",
        status: "queued"
      }).status
    ).toBe("queued")
  })

  it("a label colour that is not a string still fails", () => {
    expect(Either.isLeft(Schema.decodeUnknownEither(LeadLabels.LeadLabel)({ ...label, color: 3 }))).toBe(true)
  })

  it("creating or updating a label takes only Pipedrive's colours, and a name", () => {
    const encode = Schema.encodeUnknownEither(LeadLabels.AddLeadLabel)
    expect(Either.isRight(encode({ name: "Hot", color: "dark-gray" }))).toBe(true)
    expect(Either.isLeft(encode({ name: "Hot", color: "teal" }))).toBe(true)
    expect(Either.isLeft(encode({ name: " ", color: "red" }))).toBe(true)
    expect(Either.isLeft(encode({ color: "red" }))).toBe(true)
    expect(Either.isLeft(Schema.encodeUnknownEither(LeadLabels.UpdateLeadLabel)({}))).toBe(true)
  })

  it("field options numbered by Pipedrive or named by label UUID (the label_ids field)", () => {
    const field = Schema.decodeUnknownSync(LeadFields.LeadField)({
      id: 3,
      key: "label_ids",
      name: "Labels",
      field_type: "set",
      options: [{ id: label.id, label: "Hot", color: "red" }, { id: 7, label: "Seven" }]
    })
    expect(field.options?.map((o) => o.id)).toStrictEqual([label.id, 7])
  })

  it("v2 search parameters: a cursor where v1 has start, the same term rule", () => {
    const encode = Schema.encodeUnknownEither(Requests.SearchLeadsV2Params)
    expect(encode({ term: "acme", cursor: "abc", limit: 50, fields: ["title", "notes"] })).toStrictEqual(
      Either.right({ term: "acme", cursor: "abc", limit: "50", fields: "title,notes" })
    )
    expect(Either.isLeft(encode({ term: "a" }))).toBe(true)
    expect(Either.isRight(encode({ term: "a", exact_match: true }))).toBe(true)
    expect(Either.isLeft(encode({ term: "acme", cursor: "" }))).toBe(true)
  })
})
