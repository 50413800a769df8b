import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect, Schema } from "effect"
import { Lead, LeadSearchItem } from "../src/Lead.js"
import * as Leads from "../src/Leads.js"
import { AddLead, UpdateLead } from "../src/Requests.js"
import { json, leadId, leadJson, makeTestLayer, onlyRequest } from "./support/mockHttp.js"

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

/**
 * For every value the schema's arbitrary yields: decoding what encoding produced gives the
 * value back, also after the encoded form went through JSON text (as it does on the wire).
 */
const wireValues = <A, I>(schema: Schema.Schema<A, I>) =>
  Arbitrary.make(schema).filter((value) => !hasProtoKey(value) && !hasNegativeZero(value))

const roundTrips = <A, I>(name: string, schema: Schema.Schema<A, I>) => {
  const encode = Schema.encodeSync(schema)
  const decode = Schema.decodeUnknownSync(schema)

  const values = Arbitrary.make(schema).filter((value) => !hasProtoKey(value))
  const jsonSafe = wireValues(schema)
  it.prop(`${name}: decode ∘ encode is the identity`, [values], ([value]) => {
    expect(decode(encode(value))).toStrictEqual(value)
  }, { fastCheck: { numRuns: 200 } })

  it.prop(`${name}: decode of the JSON text of encode is the identity`, [jsonSafe], ([value]) => {
    const wire: unknown = JSON.parse(JSON.stringify(encode(value)))
    expect(decode(wire)).toStrictEqual(value)
  }, { fastCheck: { numRuns: 200 } })
}

describe("schema round trips", () => {
  roundTrips("Lead", Lead)
  roundTrips("AddLead", AddLead)
  roundTrips("UpdateLead", UpdateLead)
  roundTrips("LeadSearchItem", LeadSearchItem)
})

describe("through the service", () => {
  const runs = { fastCheck: { numRuns: 60 } }
  const toJson = (u: unknown): unknown => JSON.parse(JSON.stringify(u))

  it.effect.prop("getLead returns any lead Pipedrive sends, exactly", [wireValues(Lead)], ([lead]) =>
    Effect.gen(function*() {
      const leads = yield* Leads.Leads
      expect(yield* leads.getLead(lead.id)).toStrictEqual(lead)
    }).pipe(Effect.provide(makeTestLayer(() => json(200, { success: true, data: Schema.encodeSync(Lead)(lead) })))), runs)

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
