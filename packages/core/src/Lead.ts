/**
 * The Lead as Pipedrive sends it, with wire names kept as Pipedrive spells them.
 *
 * Custom fields (40-character hex keys) and fields Pipedrive adds later are kept as extra
 * keys of type `unknown`: decoding never drops them, so a read-modify-write round trip
 * writes them back unchanged.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { addressParts } from "./CustomFields.js"
import { isCalendarDate } from "./internal/dates.js"

/**
 * A lead id: a UUID string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LeadId = Schema.UUID.annotations({
  identifier: "LeadId",
  message: (issue) =>
    `a lead id must be a UUID such as adf21080-0e10-11eb-879b-05d71fb426ec, got ${JSON.stringify(issue.actual)}`
})

/**
 * Pipedrive user, person, organization, channel and activity ids are positive integers.
 *
 * @since 0.1.0
 * @category schemas
 */
export const EntityId = Schema.Int.pipe(Schema.positive()).annotations({
  identifier: "EntityId",
  message: () => "an id must be a positive integer"
})

/**
 * A calendar date `YYYY-MM-DD`, as `expected_close_date` uses.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DateOnly = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/),
  Schema.filter(isCalendarDate)
).annotations({
  identifier: "DateOnly",
  message: (issue) => `expected a date YYYY-MM-DD, got ${JSON.stringify(issue.actual)}`,
  arbitrary: () => (fc) =>
    fc.date({ min: new Date("1990-01-01"), max: new Date("2100-12-31"), noInvalidDate: true }).map((d) =>
      d.toISOString().slice(0, 10)
    )
})

// Month, day, hour, minute and second in range, in one pass: two of these per lead per page.
const timestampPattern =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[T ](?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?$/

/**
 * An ISO-8601 date-time as Pipedrive writes it (`2020-10-14T11:30:36.551Z`), kept as a string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Timestamp = Schema.String.pipe(Schema.pattern(timestampPattern)).annotations({
  identifier: "Timestamp",
  message: (issue) => `expected an ISO-8601 date-time such as 2025-01-01T10:20:00Z, got ${JSON.stringify(issue.actual)}`,
  arbitrary: () => (fc) =>
    fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) =>
      d.toISOString()
    )
})

/**
 * Who can see a lead: `"1"` owner and followers, `"3"` entire company, `"5"` and `"7"` for
 * visibility groups. A string in lead objects, an integer in search results.
 *
 * @since 0.1.0
 * @category schemas
 */
export const VisibleTo = Schema.Literal("1", "3", "5", "7").annotations({
  identifier: "VisibleTo",
  message: (issue) => `visible_to must be one of "1", "3", "5", "7", got ${JSON.stringify(issue.actual)}`
})

/**
 * @since 0.1.0
 * @category schemas
 */
export type VisibleTo = typeof VisibleTo.Type

/**
 * The potential value of a lead. Both keys are required.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LeadValue = Schema.Struct({
  amount: Schema.Finite,
  currency: Schema.String.pipe(Schema.nonEmptyString())
}).annotations({ identifier: "LeadValue" })

/**
 * @since 0.1.0
 * @category schemas
 */
export interface LeadValue extends Schema.Schema.Type<typeof LeadValue> {}

/**
 * The value of a custom field or of a field this library does not know yet: any JSON value.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ExtraValue = Schema.Unknown.annotations({
  identifier: "ExtraValue",
  arbitrary: () => (fc) => fc.jsonValue({ maxDepth: 2 })
})

/**
 * The index signature that keeps custom-field and unknown keys.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ExtraFields = Schema.Record({ key: Schema.String, value: ExtraValue })

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })
const optionalNullable = <S extends Schema.Schema.Any>(schema: S) =>
  Schema.optionalWith(Schema.NullOr(schema), { exact: true })

/**
 * The fields of a Lead this library knows, with their real nullability. Only what a lead
 * cannot lack is required: Pipedrive's OpenAPI marks no lead field as required, and leads
 * recorded before a field was added lack it entirely (`origin`, `origin_id`, `channel`,
 * `channel_id` since 2024-05-20; `visible_to`, `cc_email` since 2021). Such a key is absent,
 * never filled in with a guess.
 *
 * @since 0.1.0
 * @category schemas
 */
export const leadFields = {
  id: LeadId,
  title: Schema.String,
  owner_id: optional(EntityId),
  creator_id: optional(EntityId),
  label_ids: optional(Schema.Array(Schema.UUID)),
  person_id: optionalNullable(EntityId),
  organization_id: optionalNullable(EntityId),
  source_name: optional(Schema.String),
  origin: optional(Schema.String),
  origin_id: optionalNullable(Schema.String),
  channel: optionalNullable(Schema.Int),
  channel_id: optionalNullable(Schema.String),
  source_deal_id: optionalNullable(EntityId),
  is_archived: optional(Schema.Boolean),
  was_seen: optional(Schema.Boolean),
  archive_time: optionalNullable(Schema.String),
  value: optionalNullable(LeadValue),
  expected_close_date: optionalNullable(DateOnly),
  next_activity_id: optionalNullable(EntityId),
  add_time: optional(Timestamp),
  update_time: optional(Timestamp),
  visible_to: optional(VisibleTo),
  cc_email: optional(Schema.String)
} as const

/**
 * A lead. Typed fields plus every other key Pipedrive sent (custom fields, new fields).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Lead = Schema.Struct(leadFields, ExtraFields).annotations({ identifier: "Lead" })

/**
 * @since 0.1.0
 * @category schemas
 */
export interface Lead extends Schema.Schema.Type<typeof Lead> {}

const knownLeadKeys: ReadonlySet<string> = new Set(Object.keys(leadFields))

/**
 * The keys of a lead this library does not type: custom fields (and their siblings) and fields
 * Pipedrive added later, exactly as received. The object has no prototype, so a key named
 * `__proto__` is a key like any other (kept, and written out by `JSON.stringify`), never the
 * prototype of the result.
 *
 * @since 0.1.0
 * @category getters
 */
export const extraFields = (lead: Lead): Record<string, unknown> => {
  const extra: Record<string, unknown> = Object.create(null)
  for (const key of Object.keys(lead)) {
    if (!knownLeadKeys.has(key)) extra[key] = lead[key]
  }
  return extra
}

/**
 * The suffixes of the sibling keys Pipedrive adds beside a custom field's own key: the
 * currency of a monetary field, the end of a date or time range, the parts of an address.
 *
 * @since 0.1.0
 * @category constants
 */
export const customFieldSuffixes = ["currency", "until", ...addressParts] as const

const customFieldKeyPattern = new RegExp(`^[0-9a-f]{40}(?:_(?:${customFieldSuffixes.join("|")}))?$`)

/**
 * A custom field key: the 40-character hex hash Pipedrive uses, or one of its siblings
 * (`<key>_currency`, `<key>_until`, `<key>_locality`, …; see {@link customFieldSuffixes}).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isCustomFieldKey = (key: string): boolean => customFieldKeyPattern.test(key)

/**
 * A custom field key as a schema, for the index signature of request bodies.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CustomFieldKey = Schema.String.pipe(Schema.pattern(customFieldKeyPattern)).annotations({
  identifier: "CustomFieldKey",
  description: "a custom field key (40 hex digits, or one with a sibling suffix such as _currency)"
})

/**
 * The custom fields of a lead (and their siblings): what a read-modify-write sends back. Keys
 * Pipedrive added that this library does not know are left out, since an update refuses them.
 * Like {@link extraFields}, the result has no prototype.
 *
 * @since 0.1.0
 * @category getters
 */
export const customFields = (lead: Lead): Record<string, unknown> => {
  const custom: Record<string, unknown> = Object.create(null)
  for (const key of Object.keys(lead)) {
    if (isCustomFieldKey(key)) custom[key] = lead[key]
  }
  return custom
}

const SearchRef = Schema.Struct({ id: EntityId, name: optionalNullable(Schema.String) })

/**
 * One lead found by `searchLeads`, as the search endpoint shapes it (`visible_to` is an
 * integer here). As in {@link Lead}, only `id` and `title` are required of the item.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LeadSearchItem = Schema.Struct({
  result_score: Schema.Finite,
  item: Schema.Struct({
    id: LeadId,
    type: optional(Schema.Literal("lead")),
    title: Schema.String,
    owner: optional(Schema.Struct({ id: EntityId })),
    person: optionalNullable(SearchRef),
    organization: optionalNullable(SearchRef),
    phones: optional(Schema.Array(Schema.String)),
    emails: optional(Schema.Array(Schema.String)),
    custom_fields: optional(Schema.Array(ExtraValue)),
    notes: optional(Schema.Array(Schema.String)),
    value: optionalNullable(Schema.Finite),
    currency: optionalNullable(Schema.String),
    visible_to: optional(Schema.Literal(1, 3, 5, 7)),
    is_archived: optional(Schema.Boolean),
    was_seen: optional(Schema.Boolean)
  }, ExtraFields)
}).annotations({ identifier: "LeadSearchItem" })

/**
 * @since 0.1.0
 * @category schemas
 */
export interface LeadSearchItem extends Schema.Schema.Type<typeof LeadSearchItem> {}
