import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as Errors from "../src/Errors.js"
import * as Lead from "../src/Lead.js"
import * as Leads from "../src/Leads.js"
import type { AddLead, ListLeadsParams, SearchLeadsParams, UpdateLead } from "../src/Requests.js"
import { json, leadId, leadJson, makeTestLayer, onlyRequest, pagination, requestCount } from "./support/mockHttp.js"

const id = leadId(3)

/** Answers every request as Pipedrive would if the input had been valid. */
const layer = makeTestLayer((request) =>
  request.path.endsWith("/search")
    ? json(200, { success: true, data: { items: [] }, additional_data: pagination(0, 100, undefined) })
    : request.path.endsWith("/leads") && request.method === "GET"
    ? json(200, { success: true, data: [], additional_data: pagination(0, 100, undefined) })
    : json(request.method === "POST" ? 201 : 200, { success: true, data: leadJson({ id }) })
)

/**
 * Runs `call`, expects `InvalidInput` for `operation` with an issue mentioning `field`, and
 * that nothing reached the HTTP client.
 */
const rejects = <A>(
  operation: string,
  field: string,
  call: (leads: Leads.Leads["Type"]) => Effect.Effect<A, Errors.PipedriveError>
) =>
  Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const error = yield* Effect.flip(call(leads))
    expect(error).toBeInstanceOf(Errors.InvalidInput)
    if (error._tag !== "InvalidInput") return
    expect(error.operation).toBe(operation)
    expect(error.issues.length).toBeGreaterThan(0)
    expect(error.issues.join("\n")).toContain(field)
    expect(error.message).toContain(field)
    expect(error.message).toContain("nothing was sent")
    expect(yield* requestCount).toBe(0)
    return error
  }).pipe(Effect.provide(layer))

/** Runs `call` and expects it to succeed with exactly one request. */
const sends = <A>(call: (leads: Leads.Leads["Type"]) => Effect.Effect<A, Errors.PipedriveError>) =>
  Effect.gen(function*() {
    const leads = yield* Leads.Leads
    yield* call(leads)
    return yield* onlyRequest
  }).pipe(Effect.provide(layer))

// Inputs the types already forbid, as a caller without types (or with a cast) could send them.
const addLead = (body: Record<string, unknown>) => body as unknown as AddLead
const updateLead = (body: Record<string, unknown>) => body as unknown as UpdateLead

describe("addLead input", () => {
  it.effect("without title", () => rejects("addLead", "title", (l) => l.addLead(addLead({ person_id: 1 }))))

  it.effect("with an empty title", () => rejects("addLead", "title", (l) => l.addLead({ title: "", person_id: 1 })))

  it.effect("with a blank title", () => rejects("addLead", "title", (l) => l.addLead({ title: "   ", person_id: 1 })))

  it.effect("without person_id or organization_id", () =>
    Effect.gen(function*() {
      const error = yield* rejects("addLead", "person_id", (l) => l.addLead({ title: "Lonely lead" }))
      expect(error?.message).toContain("organization_id")
    }))

  it.effect("with is_archived", () =>
    rejects("addLead", "is_archived", (l) => l.addLead({ title: "x", person_id: 1, is_archived: true })))

  it.effect.each(["2024-13-01", "tomorrow", "2024-02-30", "2024-1-5"])(
    "with expected_close_date %s",
    (date) => rejects("addLead", "expected_close_date", (l) => l.addLead({ title: "x", person_id: 1, expected_close_date: date }))
  )

  it.effect("with visible_to \"2\"", () =>
    rejects("addLead", "visible_to", (l) => l.addLead(addLead({ title: "x", person_id: 1, visible_to: "2" }))))

  it.effect("with a value lacking its currency", () =>
    rejects("addLead", "value", (l) => l.addLead(addLead({ title: "x", person_id: 1, value: { amount: 5 } }))))

  it.effect("reports every problem at once", () =>
    Effect.gen(function*() {
      const error = yield* rejects("addLead", "expected_close_date", (l) =>
        l.addLead(addLead({ title: "x", person_id: 0, expected_close_date: "soon" })))
      expect(error?.issues.join("\n")).toContain("person_id")
    }))
})

describe("lead ids", () => {
  const bad = "not-a-uuid"
  it.effect("getLead", () => rejects("getLead", "id", (l) => l.getLead(bad)))
  it.effect("updateLead", () => rejects("updateLead", "id", (l) => l.updateLead(bad, { title: "x" })))
  it.effect("deleteLead", () => rejects("deleteLead", "id", (l) => l.deleteLead(bad)))
  it.effect("getLeadUsers", () => rejects("getLeadUsers", "id", (l) => l.getLeadUsers(bad)))
  it.effect("a path-changing id is rejected, not sent", () =>
    rejects("getLead", "id", (l) => l.getLead(`${id}/../../deals`)))
})

describe("updateLead input", () => {
  it.effect("an empty body", () => rejects("updateLead", "at least one field", (l) => l.updateLead(id, {})))

  it.effect("an empty title", () => rejects("updateLead", "title", (l) => l.updateLead(id, { title: "" })))

  it.effect.each(["2024-13-01", "tomorrow"])("expected_close_date %s", (date) =>
    rejects("updateLead", "expected_close_date", (l) => l.updateLead(id, { expected_close_date: date })))

  it.effect("visible_to \"2\"", () =>
    rejects("updateLead", "visible_to", (l) => l.updateLead(id, updateLead({ visible_to: "2" }))))
})

describe("search input", () => {
  it.effect("a 1-character term", () => rejects("searchLeads", "term", (l) => l.searchLeads({ term: "a" })))

  it.effect("a blank term", () => rejects("searchLeads", "term", (l) => l.searchLeads({ term: "  " })))

  it.effect("a missing term", () =>
    rejects("searchLeads", "term", (l) => l.searchLeads({} as unknown as SearchLeadsParams)))

  it.effect("an unknown search field", () =>
    rejects("searchLeads", "fields", (l) =>
      l.searchLeads({ term: "acme", fields: ["email"] } as unknown as SearchLeadsParams)))

  it.effect("a 1-character term with exact_match is sent", () =>
    Effect.gen(function*() {
      const request = yield* sends((l) => l.searchLeads({ term: "a", exact_match: true }))
      expect(request.query).toStrictEqual({ term: "a", exact_match: "true" })
    }))
})

describe("list input", () => {
  it.effect.each([0, 501, 1.5, -1])("limit %d", (limit) =>
    rejects("getLeads", "limit", (l) => l.getLeads({ limit })))

  it.effect("a negative start", () => rejects("getLeads", "start", (l) => l.getLeads({ start: -10 })))

  it.effect("limit 501 on search", () => rejects("searchLeads", "limit", (l) => l.searchLeads({ term: "ab", limit: 501 })))

  it.effect("limit 0 on a stream fails before its first request", () =>
    rejects("getLeads", "limit", (l) => Stream.runCollect(l.streamLeads({ limit: 0 }))))

  it.effect.each(["yesterday", "2024-13-01T00:00:00Z", "2024-02-30T10:00:00Z", "2024-01-01T25:00:00Z"])(
    "updated_since %s",
    (updated_since) => rejects("getLeads", "updated_since", (l) => l.getLeads({ updated_since }))
  )

  it.effect("an unknown sort field", () =>
    Effect.gen(function*() {
      const error = yield* rejects("getLeads", "sort", (l) => l.getLeads({ sort: "foo DESC" }))
      expect(error?.message).toContain("foo")
    }))

  it.effect("a sort direction that is not ASC or DESC", () =>
    rejects("getArchivedLeads", "sort", (l) => l.getArchivedLeads({ sort: "title UP" })))

  it.effect("a valid multi-field sort is sent verbatim", () =>
    Effect.gen(function*() {
      const request = yield* sends((l) => l.getLeads({ sort: "add_time DESC, title ASC" }))
      expect(request.query).toStrictEqual({ sort: "add_time DESC, title ASC" })
    }))

  it.effect("an owner id that is not a positive integer", () =>
    rejects("getLeads", "owner_id", (l) => l.getLeads({ owner_id: 0 } satisfies ListLeadsParams)))
})

describe("request bodies carry only known keys and values JSON keeps", () => {
  const custom = "d4de1c1518b4531717c676029a45911c340390a6"
  const update = (body: Record<string, unknown>) => (l: Leads.Leads["Type"]) => l.updateLead(id, updateLead(body))
  const add = (body: Record<string, unknown>) => (l: Leads.Leads["Type"]) =>
    l.addLead(addLead({ title: "x", person_id: 1, ...body }))
  const circular: Record<string, unknown> = { name: "loop" }
  circular.self = circular

  it.effect.each([
    ["NaN", NaN, custom, "null"],
    ["Infinity", Infinity, custom, "null"],
    ["-Infinity", -Infinity, custom, "null"],
    ["a BigInt", 10n, custom, "BigInt"],
    ["a circular object", circular, `${custom}.self`, "circular"],
    ["NaN inside an array", [1, NaN], `${custom}[1]`, "null"],
    ["a Date", new Date(0), custom, "plain objects"],
    ["a Map", new Map([["a", 1]]), custom, "plain objects"],
    ["a function", () => 1, custom, "function"],
    ["undefined inside an object", { a: undefined }, `${custom}.a`, "undefined"]
  ] as const)("a custom field holding %s is refused on update and on create, naming the key", ([, value, path, why]) =>
    Effect.gen(function*() {
      const onUpdate = yield* rejects("updateLead", path, update({ [custom]: value }))
      expect(onUpdate?.issues.join("\n")).toContain(why)
      const onCreate = yield* rejects("addLead", path, add({ [custom]: value }))
      expect(onCreate?.issues.join("\n")).toContain(why)
    }))

  it.effect.each([
    ["a typo", "titel"],
    ["origin_id, which cannot be changed", "origin_id"],
    ["the server-owned id", "id"],
    ["the server-owned creator_id", "creator_id"],
    ["the server-owned add_time", "add_time"],
    ["an unknown sibling suffix", `${custom}_colour`],
    ["an upper-case hex key", custom.toUpperCase()],
    ["a __proto__ key", "__proto__"]
  ] as const)("an update with %s is refused, naming the key", ([, key]) =>
    // Defined as an own key, as JSON.parse would make it: `{ __proto__: … }` would set the prototype.
    rejects("updateLead", key, update(Object.defineProperty({ title: "x" }, key, { value: "v", enumerable: true }))))

  it.effect("a create with a server-owned or unknown key is refused, naming each", () =>
    Effect.gen(function*() {
      const error = yield* rejects("addLead", "titel", add({ titel: "oops", creator_id: 1, is_archived: true }))
      expect(error?.issues.join("\n")).toContain("creator_id")
      expect(error?.issues.join("\n")).toContain("is_archived")
    }))

  it.effect("an update whose only key is undefined has nothing to send", () =>
    rejects("updateLead", custom, update({ [custom]: undefined })))

  it.effect("a key named __proto__ (as JSON.parse makes it) is refused, not taken as a prototype", () =>
    rejects("updateLead", "__proto__", update(JSON.parse(`{"__proto__": {"title": "x"}}`) as Record<string, unknown>)))

  it.effect("custom fields, every sibling suffix and nested JSON are sent as given", () =>
    Effect.gen(function*() {
      const siblings = Object.fromEntries(Lead.customFieldSuffixes.map((suffix) => [`${custom}_${suffix}`, `${suffix} value`]))
      const changes = { [custom]: { id: 9, tags: ["a", null, 1.5, { deep: true }] }, ...siblings, title: "t" }
      const request = yield* sends((l) => l.updateLead(id, changes))
      expect(JSON.parse(request.bodyText ?? "null")).toStrictEqual(changes)
    }))
})
