import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, FastCheck as fc, Schema } from "effect"
import { compile } from "../src/internal/validator.js"
import { Lead, LeadSearchItem } from "../src/Lead.js"
import { ListEnvelope, SearchEnvelope } from "../src/Pagination.js"

// The fast validator must answer exactly what the schema answers, or the interpreter would
// accept a body the contract rejects (or explain a rejection that did not happen).
const agreesWithSchema = <A, I>(schema: Schema.Schema<A, I>) => {
  const fast = compile(schema.ast)
  const slow = Schema.is(schema)
  expect(fast).toBeDefined()
  const valid = Arbitrary.make(schema).map((value) => JSON.parse(JSON.stringify(Schema.encodeSync(schema)(value))))
  const mutated = fc.tuple(valid, fc.nat(), fc.jsonValue({ maxDepth: 1 })).map(([value, n, replacement]) => {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record)
    return { ...record, [keys[n % keys.length]!]: replacement }
  })
  // Absent keys: optional fields (what older leads lack) and required ones alike.
  const removed = fc.tuple(valid, fc.nat()).map(([value, n]) => {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record)
    const { [keys[n % keys.length]!]: _removed, ...rest } = record
    return rest
  })
  fc.assert(fc.property(valid, (json) => fast!(json) === true && slow(json)), { numRuns: 200 })
  fc.assert(fc.property(mutated, (json) => fast!(json) === slow(json)), { numRuns: 500 })
  fc.assert(fc.property(removed, (json) => fast!(json) === slow(json)), { numRuns: 300 })
}

describe("fast response validator", () => {
  it("agrees with the Lead schema on valid and mutated leads", () => agreesWithSchema(Lead))
  it("agrees with the search item schema", () => agreesWithSchema(LeadSearchItem))
  it("agrees with the list and search envelopes", () => {
    agreesWithSchema(ListEnvelope(Lead))
    agreesWithSchema(SearchEnvelope(LeadSearchItem))
  })

  it("rejects the classic mistakes", () => {
    const check = compile(Lead.ast)!
    const lead = JSON.parse(JSON.stringify(Schema.encodeSync(Lead)(fc.sample(Arbitrary.make(Lead), 1)[0]!)))
    expect(check(lead)).toBe(true)
    expect(check({ ...lead, visible_to: 3 })).toBe(false)
    expect(check({ ...lead, add_time: "2020-13-14T11:30:36.551Z" })).toBe(false)
    expect(check({ ...lead, expected_close_date: "2021-02-29" })).toBe(false)
    expect(check({ ...lead, owner_id: 1.5 })).toBe(false)
    const { title: _title, ...untitled } = lead
    expect(check(untitled)).toBe(false)
    const { id: _id, ...anonymous } = lead
    expect(check(anonymous)).toBe(false)
    expect(check({ id: lead.id, title: lead.title })).toBe(true)
    expect(check({ id: lead.id, title: lead.title, origin: null })).toBe(false)
  })

  it("agrees with the schema on the refinements it writes out, and on inherited key names", () => {
    agreesWithSchema(Schema.Struct({
      positive: Schema.Finite.pipe(Schema.positive()),
      above: Schema.Finite.pipe(Schema.greaterThan(2.5)),
      nonNegative: Schema.NonNegativeInt,
      atLeast: Schema.Int.pipe(Schema.greaterThanOrEqualTo(-3)),
      finite: Schema.Finite,
      text: Schema.String.pipe(Schema.minLength(2)),
      custom: Schema.Number.pipe(Schema.filter((n) => n % 2 === 0)),
      constructor: Schema.optionalWith(Schema.String, { exact: true }),
      toString: Schema.NullOr(Schema.Number)
    }))
    const check = compile(Schema.Struct({ toString: Schema.Number }).ast)!
    expect(check({})).toBe(false)
    expect(check({ toString: 1 })).toBe(true)
  })

  it("still checks extra keys when the index signature constrains their values", () => {
    const schema = Schema.Struct({ id: Schema.Number }, Schema.Record({ key: Schema.String, value: Schema.Number }))
    const check = compile(schema.ast)!
    const is = Schema.is(schema)
    for (const value of [{ id: 1, n: 1 }, { id: 1, n: "1" }, { id: 1 }, { n: 1 }]) expect(check(value)).toBe(is(value))
  })

  it("declines schemas with transformations, so the interpreter decodes them", () => {
    expect(compile(Schema.NumberFromString.ast)).toBeUndefined()
  })
})
