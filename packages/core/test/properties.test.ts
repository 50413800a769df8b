import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect, Either, FastCheck, Schema } from "effect"
import { readFileSync } from "node:fs"
import { parse } from "yaml"
import { Lead, LeadSearchItem } from "../src/Lead.js"
import * as Leads from "../src/Leads.js"
import { defaultDirectory } from "../src/internal/fake/directory.js"
import { validate } from "../src/internal/fake/validate.js"
import { AddLead, UpdateLead } from "../src/Requests.js"
import { json, leadId, leadJson, makeTestLayer, onlyRequest } from "./support/mockHttp.js"
import { arbitrary } from "./support/openapiArbitrary.js"
import type { OpenApiNode } from "./support/openapiShape.js"

/**
 * Effect's parser builds its output by assignment, so an own `__proto__` key (which
 * `JSON.parse` can produce) becomes the output's prototype instead of a key. No Pipedrive field
 * is named so; such values are outside what these properties speak about.
 */
const hasProtoKey = (u: unknown): boolean =>
  typeof u === "object" && u !== null &&
  (Object.prototype.hasOwnProperty.call(u, "__proto__") || Object.values(u).some(hasProtoKey))

/**
 * JSON text has no negative zero (`JSON.stringify(-0)` is `"0"`), so values holding one
 * cannot survive the wire whatever the schema does: they are left out of the JSON property.
 */
const hasNegativeZero = (u: unknown): boolean =>
  Object.is(u, -0) ||
  (typeof u === "object" && u !== null && Object.values(u).some(hasNegativeZero))

/** Values a schema's own arbitrary yields, that JSON can carry. */
const wireValues = <A, I>(schema: Schema.Schema<A, I>) =>
  Arbitrary.make(schema).filter((value) => !hasProtoKey(value) && !hasNegativeZero(value))

const document = parse(
  readFileSync(new URL("./fixtures/pipedrive-v1-leads.openapi.yaml", import.meta.url), "utf8")
) as {
  readonly paths: Record<string, Record<string, { readonly responses: Record<string, { readonly content: Record<string, { readonly schema: OpenApiNode }> }> }>>
}
const responseData = (path: string, method: string, status: string): OpenApiNode => {
  const schema = document.paths[path]![method]!.responses[status]!.content["application/json"]!.schema
  const data = [schema, ...(schema.allOf ?? [])].map((part) => part.properties?.data).find((node) => node !== undefined)
  if (data === undefined) throw new Error(`no data in the ${method} ${path} ${status} response`)
  return data
}

/** A positive id: Pipedrive's ids start at 1, which the excerpt does not say. */
const positiveId = FastCheck.integer({ min: 1, max: 2 ** 31 - 1 })
const customKey = FastCheck.stringMatching(/^[0-9a-f]{40}$/)

/**
 * Where the client knows more than the excerpt says, the document's arbitrary is narrowed:
 * ids are positive, a currency is not empty, and the lead search (visible_to as an integer,
 * type "lead") speaks of leads only. Each is a named departure of the contract test too.
 */
const leadOverrides = {
  owner_id: positiveId,
  creator_id: positiveId,
  person_id: FastCheck.option(positiveId, { nil: null }),
  organization_id: FastCheck.option(positiveId, { nil: null }),
  source_deal_id: FastCheck.option(positiveId, { nil: null }),
  next_activity_id: FastCheck.option(positiveId, { nil: null }),
  "value.currency": FastCheck.string({ minLength: 1 })
}

/** A lead as the document describes it, plus custom fields (any JSON under a 40-hex key). */
const documentedLeads = FastCheck.tuple(
  arbitrary(responseData("/leads/{id}", "get", "200"), "", leadOverrides),
  FastCheck.dictionary(customKey, FastCheck.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
).map(([lead, custom]) => ({ ...custom, ...(lead as object) }))
  .filter((lead) => !hasNegativeZero(lead))

const searchItemNode = (responseData("/leads/search", "get", "200") as {
  readonly properties: { readonly items: { readonly items: OpenApiNode } }
}).properties.items.items

const documentedSearchItems = arbitrary(searchItemNode, "", {
  "item.owner.id": positiveId,
  "item.person.id": positiveId,
  "item.organization.id": positiveId,
  "item.id": FastCheck.uuid(),
  "item.type": FastCheck.constant("lead"),
  "item.visible_to": FastCheck.constantFrom(1, 3, 5, 7)
}).filter((item) => !hasNegativeZero(item))

describe("what the document describes, the client decodes", () => {
  const runs = { fastCheck: { numRuns: 300 } }

  it.prop("a lead generated from the OpenAPI schema decodes as a Lead, unchanged", [documentedLeads], ([lead]) => {
    expect(Schema.decodeUnknownSync(Lead)(lead)).toStrictEqual(lead)
  }, runs)

  it.prop("a search item generated from the OpenAPI schema decodes, unchanged", [documentedSearchItems], ([item]) => {
    expect(Schema.decodeUnknownSync(LeadSearchItem)(item)).toStrictEqual(item)
  }, runs)
})

/**
 * Request bodies: the client's validation (encoding with `AddLead`/`UpdateLead`, before
 * anything is sent) against the in-memory Pipedrive's own, which is written from the contract
 * and shares no schema with the client. Bodies mix valid and invalid values for every
 * documented key, a custom field and a key nobody documents.
 */
const uuid = "f08b42a0-4e75-11ea-9643-03698ef1cfd6"
/** Per documented key: values the contract allows, and values it does not. */
const pools: Readonly<Record<string, readonly [valid: ReadonlyArray<unknown>, invalid: ReadonlyArray<unknown>]>> = {
  title: [["Lead"], ["", "  ", 5, null]],
  owner_id: [[1, 7], [21, 0, -3, 1.5, "3", null]],
  label_ids: [[[], [uuid]], [["nope"], uuid, null]],
  person_id: [[1, 1999], [0, -1, 2.5, "1", 2001, null]],
  organization_id: [[1, 999], [0, 2.5, 1001, null]],
  value: [[{ amount: 10, currency: "EUR" }, { amount: -2.5, currency: "USD" }, null], [
    { amount: 10 },
    { currency: "EUR" },
    { amount: "10", currency: "EUR" },
    { amount: 1, currency: "" },
    { amount: 1, currency: "EUR", rate: 1.1 },
    5
  ]],
  expected_close_date: [["2025-02-28", "2024-02-29", null], ["2025-02-30", "2025-2-1", 20250101]],
  visible_to: [["1", "3", "5", "7"], ["2", "", 3, true, null]],
  was_seen: [[true, false], ["true", null]],
  origin_id: [["import-7", null], [5]],
  channel: [[1, null], [-2, 1.5, "1"]],
  channel_id: [["Billboards", null], [3]],
  is_archived: [[true, false], ["no", null]],
  "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567": [["Met at the fair", 12, null], []],
  some_future_field: [[], [1]]
}
const keys = Object.keys(pools)
/** A body of allowed values, then up to two keys given any value of their pools. */
const bodies = FastCheck.tuple(
  FastCheck.record(
    Object.fromEntries(
      Object.entries(pools).filter(([, [valid]]) => valid.length > 0).map((
        [key, [valid]]
      ) => [key, FastCheck.constantFrom(...valid)])
    ),
    { requiredKeys: [] }
  ),
  FastCheck.array(
    FastCheck.constantFrom(...keys).chain((key) =>
      FastCheck.constantFrom(...pools[key]![0], ...pools[key]![1]).map((value) => [key, value] as const)
    ),
    { maxLength: 2 }
  )
).map(([body, changes]) => ({ ...body, ...Object.fromEntries(changes) }) as Record<string, unknown>)

/**
 * Where the two disagree on purpose, by the keys that decide it; each is shown by an example
 * below. Without those keys, a body must get the same answer from both.
 */
const differences: ReadonlyArray<{
  readonly why: string
  readonly mode: "create" | "update"
  readonly applies: (body: Record<string, unknown>) => boolean
  readonly keys: ReadonlyArray<string>
  readonly example: Record<string, unknown>
  readonly client: boolean
}> = [
  {
    why: "on create, a null person_id or organization_id means none to the server; the client asks to leave it out",
    mode: "create",
    applies: (body) => body.person_id === null || body.organization_id === null,
    keys: ["person_id", "organization_id"],
    example: { title: "Lead", person_id: 1, organization_id: null },
    client: false
  },
  ...(["create", "update"] as const).flatMap((mode) => [
    {
      why: `on ${mode}, an id of no user, person or organization: only the server knows which exist`,
      mode,
      applies: (body: Record<string, unknown>) =>
        (body.owner_id as number) > defaultDirectory.users || (body.person_id as number) > defaultDirectory.persons ||
        (body.organization_id as number) > defaultDirectory.organizations,
      keys: ["owner_id", "person_id", "organization_id"],
      example: { title: "Lead", person_id: 1, owner_id: defaultDirectory.users + 1 },
      client: true
    },
    {
      why: `on ${mode}, visible_to as a number: the server (as Pipedrive) takes 3 for "3", the client asks for the string`,
      mode,
      applies: (body: Record<string, unknown>) => typeof body.visible_to === "number",
      keys: ["visible_to"],
      example: { title: "Lead", person_id: 1, visible_to: 3 },
      client: false
    }
  ])
]

describe("what the client sends, the in-memory Pipedrive accepts, and only that", () => {
  const clientAccepts = {
    create: (body: unknown) => Either.isRight(Schema.encodeUnknownEither(AddLead)(body)),
    update: (body: unknown) => Either.isRight(Schema.encodeUnknownEither(UpdateLead)(body))
  }
  const agree = (body: Record<string, unknown>, mode: "create" | "update") => {
    const client = clientAccepts[mode](body)
    const server = validate(body, mode, defaultDirectory)
    expect(client, `${mode} ${JSON.stringify(body)}: the server says ${JSON.stringify(server)}`).toBe(Either.isRight(server))
  }
  const omit = (body: Record<string, unknown>, keys: ReadonlyArray<string>) =>
    Object.fromEntries(Object.entries(body).filter(([key]) => !keys.includes(key)))

  it.prop("for create and update, both accept or both refuse, but for the listed differences", [bodies], ([body]) => {
    for (const mode of ["create", "update"] as const) {
      const explained = differences.filter((d) => d.mode === mode && d.applies(body)).flatMap((d) => d.keys)
      agree(omit(body, explained), mode)
    }
  }, { fastCheck: { numRuns: 2000 } })

  it.each(differences)("a listed difference holds: $why", ({ client, example, mode }) => {
    expect(clientAccepts[mode](example)).toBe(client)
    expect(Either.isRight(validate(example, mode, defaultDirectory))).toBe(!client)
  })
})

describe("through the service", () => {
  const runs = { fastCheck: { numRuns: 60 } }
  const toJson = (u: unknown): unknown => JSON.parse(JSON.stringify(u))

  it.effect.prop("getLead returns any lead the document describes, exactly", [documentedLeads], ([lead]) =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      expect(yield* leads.getLead(String(lead.id))).toStrictEqual(lead)
    }).pipe(Effect.provide(makeTestLayer(() => json(200, { success: true, data: lead })))), runs)

  it.effect.prop("addLead sends any valid body as its JSON", [wireValues(AddLead)], ([body]) =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      yield* leads.addLead(body)
      const request = yield* onlyRequest
      expect(JSON.parse(request.bodyText ?? "null")).toStrictEqual(toJson(body))
    }).pipe(Effect.provide(makeTestLayer(() => json(201, { success: true, data: leadJson() })))), runs)

  it.effect.prop("updateLead sends exactly the keys of any valid change, nulls included", [wireValues(UpdateLead)], ([changes]) =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      yield* leads.updateLead(leadId(1), changes)
      const request = yield* onlyRequest
      const sent = JSON.parse(request.bodyText ?? "null") as Record<string, unknown>
      expect(Object.keys(sent).sort()).toStrictEqual(Object.keys(changes).sort())
      expect(sent).toStrictEqual(toJson(changes))
    }).pipe(Effect.provide(makeTestLayer(() => json(200, { success: true, data: leadJson() })))), runs)
})
