/**
 * What a caller sends: lead bodies for create and update, and the query parameters of the
 * list and search endpoints. Each schema's type is what the caller writes; its encoded side
 * is what goes on the wire. Encoding validates, so bad input fails before anything is sent.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { isCalendarDate } from "./internal/dates.js"
import { CustomFieldKey, DateOnly, EntityId, LeadValue, Timestamp, VisibleTo } from "./Lead.js"

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })
const optionalNullable = <S extends Schema.Schema.Any>(schema: S) =>
  Schema.optionalWith(Schema.NullOr(schema), { exact: true })

const Title = Schema.String.pipe(
  Schema.filter((s) => s.trim().length > 0, { message: () => "title must not be empty" })
)

const isPlainObject = (u: object): boolean => {
  const prototype = Object.getPrototypeOf(u)
  return prototype === Object.prototype || prototype === null
}

const maxDepth = 32

/**
 * Why `value` cannot travel as JSON unchanged, with the path to the offending part, or
 * `undefined` when it can. `JSON.stringify` would turn NaN and ±Infinity into `null` (which
 * on a PATCH clears the field), drop `undefined`, throw on a BigInt or a cycle, and flatten a
 * Map, a Date or a class instance into something else.
 */
const jsonIssue = (
  value: unknown,
  path: Array<PropertyKey>,
  ancestors: Array<object>
): { readonly path: ReadonlyArray<PropertyKey>; readonly message: string } | undefined => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined
    case "number":
      return Number.isFinite(value)
        ? undefined
        : { path, message: `${value} is not a JSON number (it would be sent as null, which clears the field)` }
    case "bigint":
      return { path, message: "a BigInt cannot be sent as JSON; pass a number or a string" }
    case "undefined":
      return {
        path,
        message: "undefined cannot be sent as JSON: leave the key out to keep the field, or pass null to clear it"
      }
    case "object": {
      if (value === null) return undefined
      if (ancestors.includes(value)) return { path, message: "a circular reference cannot be sent as JSON" }
      if (ancestors.length >= maxDepth) return { path, message: `nested deeper than ${maxDepth} levels` }
      const isArray = Array.isArray(value)
      if (!isArray && !isPlainObject(value)) {
        return { path, message: "only plain objects and arrays can be sent as JSON (not a Date, Map or class instance)" }
      }
      ancestors.push(value)
      try {
        const keys = isArray ? value.keys() : Object.keys(value)
        for (const key of keys) {
          path.push(key)
          const issue = jsonIssue((value as Record<PropertyKey, unknown>)[key], path, ancestors)
          if (issue !== undefined) return { path: [...issue.path], message: issue.message }
          path.pop()
        }
        return undefined
      } finally {
        ancestors.pop()
      }
    }
    default:
      return { path, message: `a ${typeof value} cannot be sent as JSON` }
  }
}

/**
 * A value JSON carries unchanged: `null`, a boolean, a string, a finite number, or a plain
 * object or array of such values, without cycles.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonValue = Schema.Unknown.pipe(
  Schema.filter((value) => jsonIssue(value, [], []) ?? true)
).annotations({
  identifier: "JsonValue",
  arbitrary: () => (fc) => fc.jsonValue({ maxDepth: 2 })
})

/**
 * The custom fields of a request body: custom-field keys with JSON values.
 */
const CustomFields = Schema.Record({ key: CustomFieldKey, value: JsonValue })

/**
 * A key that is neither a field of the body nor a custom-field key is refused, whatever the
 * caller's parse options: a typo (`titel`) or a key Pipedrive sets itself (`id`,
 * `creator_id`, `add_time`, `origin_id` on an update) would otherwise be sent, and either be
 * ignored by Pipedrive or change what the caller did not mean to change.
 */
const body = <Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.Struct(fields, CustomFields).annotations({ parseOptions: { onExcessProperty: "error" } })

/**
 * The body of `addLead`. A lead needs a title and a person or an organization (or both).
 * Custom fields are passed as extra keys (40-hex keys and their siblings) with JSON values;
 * any other key is refused.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AddLead = body({
  title: Schema.propertySignature(Title).annotations({ missingMessage: () => "title is required" }),
  owner_id: optional(EntityId),
  label_ids: optional(Schema.Array(Schema.UUID)),
  person_id: optional(EntityId),
  organization_id: optional(EntityId),
  value: optionalNullable(LeadValue),
  expected_close_date: optionalNullable(DateOnly),
  visible_to: optional(VisibleTo),
  was_seen: optional(Schema.Boolean),
  origin_id: optionalNullable(Schema.String),
  channel: optionalNullable(Schema.Int),
  channel_id: optionalNullable(Schema.String)
}).pipe(
  Schema.filter((lead) =>
    lead.person_id !== undefined || lead.organization_id !== undefined ||
    "a lead needs a person_id or an organization_id (or both)"
  ),
  Schema.annotations({ identifier: "AddLead" })
)

/**
 * @since 0.1.0
 * @category schemas
 */
export interface AddLead extends Schema.Schema.Type<typeof AddLead> {}

/**
 * The body of `updateLead` (a PATCH): only the keys present change, and an explicit `null`
 * unsets the field. A key left out and a key set to `null` are different requests; a key set
 * to `undefined` is refused, since it could mean either. `origin_id` cannot be changed.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UpdateLead = body({
  title: optional(Title),
  owner_id: optional(EntityId),
  label_ids: optional(Schema.Array(Schema.UUID)),
  person_id: optionalNullable(EntityId),
  organization_id: optionalNullable(EntityId),
  is_archived: optional(Schema.Boolean),
  value: optionalNullable(LeadValue),
  expected_close_date: optionalNullable(DateOnly),
  visible_to: optional(VisibleTo),
  was_seen: optional(Schema.Boolean),
  channel: optionalNullable(Schema.Int),
  channel_id: optionalNullable(Schema.String)
}).pipe(
  Schema.filter((lead) => Object.keys(lead).length > 0 || "updateLead needs at least one field to change"),
  Schema.annotations({ identifier: "UpdateLead" })
)

/**
 * @since 0.1.0
 * @category schemas
 */
export interface UpdateLead extends Schema.Schema.Type<typeof UpdateLead> {}

const IntFromString = (schema: Schema.Schema<number>): Schema.Schema<number, string> =>
  Schema.compose(Schema.NumberFromString, schema)

/**
 * Page size: 1 to 500.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Limit = Schema.Int.pipe(Schema.between(1, 500)).annotations({
  identifier: "Limit",
  message: (issue) => `limit must be an integer from 1 to 500, got ${JSON.stringify(issue.actual)}`
})

/**
 * Pagination offset: 0 or more.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Start = Schema.NonNegativeInt.annotations({
  identifier: "Start",
  message: (issue) => `start must be a non-negative integer, got ${JSON.stringify(issue.actual)}`
})

/**
 * The fields a lead list can be sorted by.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SortField = Schema.Literal(
  "id",
  "title",
  "owner_id",
  "creator_id",
  "was_seen",
  "expected_close_date",
  "next_activity_id",
  "add_time",
  "update_time"
)

/**
 * @since 0.1.0
 * @category schemas
 */
export type SortField = typeof SortField.Type

const isSortField = Schema.is(SortField)

const sortIssue = (sort: string): string | undefined => {
  for (const part of sort.split(",")) {
    const match = /^\s*([a-z_]+)(?:\s+(asc|desc))?\s*$/i.exec(part)
    if (match === null) return `sort must read like "add_time DESC, title ASC", got ${JSON.stringify(sort)}`
    if (!isSortField(match[1])) {
      return `unknown sort field ${JSON.stringify(match[1])}; one of ${SortField.literals.join(", ")}`
    }
  }
  return undefined
}

/**
 * Sort order as Pipedrive takes it: `"field ASC, field DESC"`, fields from {@link SortField}.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Sort = Schema.String.pipe(
  Schema.filter((sort) => sortIssue(sort) ?? true)
).annotations({ identifier: "Sort" })

const toSecondsUtc = (timestamp: string): string => {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(timestamp)
  const date = new Date(hasZone ? timestamp.replace(" ", "T") : `${timestamp.replace(" ", "T")}Z`)
  return `${date.toISOString().slice(0, 19)}Z`
}

/**
 * `updated_since`: an ISO-8601 time (UTC when no zone is given). Sent as
 * `YYYY-MM-DDTHH:MM:SSZ`, rounded down to the second, so no lead updated at that time is missed.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UpdatedSince = Schema.transform(
  Schema.String,
  Timestamp.pipe(Schema.filter(isCalendarDate, { message: () => "updated_since is not a day of the calendar" })),
  {
    strict: true,
    decode: (wire) => wire,
    encode: toSecondsUtc
  }
)

const query = {
  start: optional(IntFromString(Start)),
  limit: optional(IntFromString(Limit))
}

/**
 * Query parameters of an offset page: `start` and `limit`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const PageParams = Schema.Struct(query).annotations({ identifier: "PageParams" })

/**
 * @since 0.2.0
 * @category models
 */
export interface PageParams extends Schema.Schema.Type<typeof PageParams> {}

/**
 * Query parameters of `getLeads` and `getArchivedLeads`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ListLeadsParams = Schema.Struct({
  ...query,
  owner_id: optional(IntFromString(EntityId)),
  person_id: optional(IntFromString(EntityId)),
  organization_id: optional(IntFromString(EntityId)),
  /** Takes precedence over owner_id, person_id and organization_id. */
  filter_id: optional(IntFromString(EntityId)),
  /** Only leads with `update_time` at or after this time. */
  updated_since: optional(UpdatedSince),
  sort: optional(Sort)
}).annotations({ identifier: "ListLeadsParams" })

/**
 * @since 0.1.0
 * @category schemas
 */
export interface ListLeadsParams extends Schema.Schema.Type<typeof ListLeadsParams> {}

const CommaList = <A extends string>(item: Schema.Schema<A>) =>
  Schema.transform(
    Schema.String,
    Schema.Array(item).pipe(Schema.minItems(1)),
    { strict: false, decode: (wire) => wire.split(","), encode: (items) => items.join(",") }
  )

/**
 * The fields a search looks in.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SearchField = Schema.Literal("title", "notes", "custom_fields")

const searchFilters = {
  term: Schema.propertySignature(Schema.String).annotations({ missingMessage: () => "term is required" }),
  fields: optional(CommaList(SearchField)),
  exact_match: optional(Schema.BooleanFromString),
  person_id: optional(IntFromString(EntityId)),
  organization_id: optional(IntFromString(EntityId)),
  include_fields: optional(CommaList(Schema.Literal("lead.was_seen")))
}

const termIssue = (params: { readonly term: string; readonly exact_match?: boolean }) => {
  const min = params.exact_match === true ? 1 : 2
  return params.term.trim().length >= min ||
    `term must have at least ${min} character${min === 1 ? "" : "s"}${
      min === 2 ? " (1 with exact_match)" : ""
    }, got ${JSON.stringify(params.term)}`
}

/**
 * Query parameters of `searchLeads`. `term` needs 2 characters, or 1 with `exact_match`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SearchLeadsParams = Schema.Struct({ ...query, ...searchFilters }).pipe(
  Schema.filter(termIssue),
  Schema.annotations({ identifier: "SearchLeadsParams" })
)

/**
 * @since 0.1.0
 * @category schemas
 */
export interface SearchLeadsParams extends Schema.Schema.Type<typeof SearchLeadsParams> {}

/**
 * A v2 page marker: the opaque `next_cursor` of the page before.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Cursor = Schema.String.pipe(Schema.nonEmptyString()).annotations({
  identifier: "Cursor",
  message: () => "cursor must be the non-empty next_cursor of a previous page"
})

/**
 * Query parameters of the v2 `searchLeadsV2`: the filters of {@link SearchLeadsParams}, with
 * a `cursor` where v1 has `start`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const SearchLeadsV2Params = Schema.Struct({
  ...searchFilters,
  limit: optional(IntFromString(Limit)),
  cursor: optional(Cursor)
}).pipe(
  Schema.filter(termIssue),
  Schema.annotations({ identifier: "SearchLeadsV2Params" })
)

/**
 * @since 0.2.0
 * @category models
 */
export interface SearchLeadsV2Params extends Schema.Schema.Type<typeof SearchLeadsV2Params> {}
