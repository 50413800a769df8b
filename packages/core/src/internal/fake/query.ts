import * as Either from "effect/Either"
import type { Lead } from "../../Lead.js"
import { enums } from "./contract.js"
import type { Entry } from "./store.js"

/**
 * Query parameters of the list and search endpoints, parsed the way the server sees them
 * (strings), with Pipedrive-like 400 messages; and the pagination block of a page.
 */

type Query = Readonly<Record<string, string>>

const integerParam = (
  query: Query,
  key: string,
  options: { readonly min: number; readonly max?: number }
): Either.Either<number | undefined, string> => {
  const raw = query[key]
  if (raw === undefined || raw === "") return Either.right(undefined)
  if (!/^-?\d+$/.test(raw)) return Either.left(`"${key}" must be a number`)
  const value = Number(raw)
  if (value < options.min) return Either.left(`"${key}" must be greater than or equal to ${options.min}`)
  if (options.max !== undefined && value > options.max) {
    return Either.left(`"${key}" must be less than or equal to ${options.max}`)
  }
  return Either.right(value)
}

const maxLimit = 500
const defaultLimit = 100

export interface PageRequest {
  readonly start: number
  readonly limit: number
}

export const pageRequest = (query: Query): Either.Either<PageRequest, string> =>
  Either.all({
    start: integerParam(query, "start", { min: 0 }),
    limit: integerParam(query, "limit", { min: 1, max: maxLimit })
  }).pipe(Either.map(({ limit, start }) => ({ start: start ?? 0, limit: limit ?? defaultLimit })))

/** One page of `items` and its pagination block (`next_start` only while there are more). */
export const paginate = <A>(items: ReadonlyArray<A>, { limit, start }: PageRequest) => {
  const slice = items.slice(start, start + limit)
  const more = start + slice.length < items.length
  return {
    items: slice,
    pagination: {
      start,
      limit,
      more_items_in_collection: more,
      ...(more ? { next_start: start + slice.length } : {})
    }
  }
}

// From the OpenAPI excerpt, not the client's `SortField`: a field the client drops or adds
// shows up as a disagreement with the server.
type SortField = typeof enums.sortFields[number]
const isSortField = (field: string): field is SortField => (enums.sortFields as ReadonlyArray<string>).includes(field)

interface SortKey {
  readonly field: SortField
  readonly descending: boolean
}

export interface ListQuery extends PageRequest {
  readonly ownerId: number | undefined
  readonly personId: number | undefined
  readonly organizationId: number | undefined
  /** Millis; leads with `update_time` at or after it. */
  readonly updatedSince: number | undefined
  readonly sort: ReadonlyArray<SortKey>
  /** What selects and orders the leads (not the page): the cache key of the view. */
  readonly key: string
}

/** A time as clients send it: ISO-8601, a space allowed for the `T`, UTC when no zone is given. */
const parseTime = (raw: string): number => {
  const iso = raw.trim().replace(" ", "T")
  return Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(iso) || !iso.includes("T") ? iso : `${iso}Z`)
}

const parseSort = (raw: string | undefined): Either.Either<ReadonlyArray<SortKey>, string> => {
  if (raw === undefined || raw.trim() === "") return Either.right([])
  const keys: Array<SortKey> = []
  for (const part of raw.split(",")) {
    const match = /^\s*([a-z_]+)(?:\s+(asc|desc))?\s*$/i.exec(part)
    if (match === null || !isSortField(match[1]!)) {
      return Either.left(`"sort" must be field names from [${enums.sortFields.join(", ")}], each with ASC or DESC`)
    }
    keys.push({ field: match[1], descending: match[2]?.toLowerCase() === "desc" })
  }
  return Either.right(keys)
}

/**
 * The query of `GET /leads` and `GET /leads/archived`. `filter_id` takes precedence over the
 * owner, person and organization filters; the model has no saved filters, so it keeps every lead.
 */
export const parseListQuery = (query: Query): Either.Either<ListQuery, string> =>
  Either.gen(function*() {
    const page = yield* pageRequest(query)
    const filterId = yield* integerParam(query, "filter_id", { min: 1 })
    const ownerId = yield* integerParam(query, "owner_id", { min: 1 })
    const personId = yield* integerParam(query, "person_id", { min: 1 })
    const organizationId = yield* integerParam(query, "organization_id", { min: 1 })
    const rawSince = query.updated_since
    const updatedSince = rawSince === undefined || rawSince === "" ? undefined : parseTime(rawSince)
    if (updatedSince !== undefined && Number.isNaN(updatedSince)) {
      return yield* Either.left(`"updated_since" must be a valid ISO-8601 date-time such as 2025-01-01T10:20:00Z`)
    }
    const sort = yield* parseSort(query.sort)
    const filtered = filterId === undefined
    const selection = {
      ownerId: filtered ? ownerId : undefined,
      personId: filtered ? personId : undefined,
      organizationId: filtered ? organizationId : undefined,
      updatedSince,
      sort
    }
    return { ...page, ...selection, key: JSON.stringify(selection) }
  })

type SortValue = number | string | null

const sortValue = (lead: Lead, field: SortField): SortValue => {
  const value = lead[field]
  if (value === null || value === undefined) return null
  if (field === "add_time" || field === "update_time") return Date.parse(String(value).replace(" ", "T"))
  if (typeof value === "boolean") return value ? 1 : 0
  return typeof value === "number" ? value : String(value)
}

/** Ascending with nulls last (so first when descending), as a database would. */
const compareValues = (a: SortValue, b: SortValue): number =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1

/** The leads of the list, in the default order or as `sort` asks (ties keep the default order). */
export const selectLeads = (
  ordered: ReadonlyArray<Entry>,
  archived: boolean,
  query: ListQuery
): ReadonlyArray<Entry> => {
  const selected = ordered.filter(({ lead }) =>
    (lead.is_archived ?? false) === archived &&
    (query.ownerId === undefined || lead.owner_id === query.ownerId) &&
    (query.personId === undefined || lead.person_id === query.personId) &&
    (query.organizationId === undefined || lead.organization_id === query.organizationId) &&
    (query.updatedSince === undefined ||
      (lead.update_time !== undefined && Date.parse(lead.update_time.replace(" ", "T")) >= query.updatedSince))
  )
  if (query.sort.length === 0) return selected
  const keyed = selected.map((entry) => ({
    entry,
    values: query.sort.map(({ field }) => sortValue(entry.lead, field))
  }))
  keyed.sort((a, b) => {
    for (let i = 0; i < query.sort.length; i++) {
      const order = compareValues(a.values[i]!, b.values[i]!)
      if (order !== 0) return query.sort[i]!.descending ? -order : order
    }
    return 0
  })
  return keyed.map(({ entry }) => entry)
}

export type SearchField = typeof enums.searchFields[number]
const searchFields: ReadonlyArray<SearchField> = enums.searchFields

export interface SearchQuery extends PageRequest {
  readonly term: string
  readonly fields: ReadonlySet<SearchField>
  readonly exactMatch: boolean
  readonly personId: number | undefined
  readonly organizationId: number | undefined
  readonly includeWasSeen: boolean
  /** What selects and orders the hits (not the page): the cache key of the view. */
  readonly key: string
}

const booleanParam = (query: Query, key: string): Either.Either<boolean, string> => {
  const raw = query[key]
  if (raw === undefined || raw === "" || raw === "false" || raw === "0") return Either.right(false)
  return raw === "true" || raw === "1" ? Either.right(true) : Either.left(`"${key}" must be a boolean`)
}

/** The query of `GET /leads/search`: `term` of 2 characters or more, or 1 with `exact_match`. */
export const parseSearchQuery = (query: Query): Either.Either<SearchQuery, string> =>
  Either.gen(function*() {
    const page = yield* pageRequest(query)
    const exactMatch = yield* booleanParam(query, "exact_match")
    const raw = query.term
    if (raw === undefined) return yield* Either.left(`"term" is required`)
    const term = raw.trim()
    const min = exactMatch ? 1 : 2
    if (term.length < min) return yield* Either.left(`"term" length must be at least ${min} characters long`)
    const fields = new Set<SearchField>()
    for (const field of (query.fields ?? "").split(",").map((f) => f.trim()).filter((f) => f !== "")) {
      if (!(searchFields as ReadonlyArray<string>).includes(field)) {
        return yield* Either.left(`"fields" must be one of [${searchFields.join(", ")}]`)
      }
      fields.add(field as SearchField)
    }
    const include = (query.include_fields ?? "").split(",").map((f) => f.trim()).filter((f) => f !== "")
    const includable: ReadonlyArray<string> = enums.searchIncludeFields
    const unknownInclude = include.find((f) => !includable.includes(f))
    if (unknownInclude !== undefined) {
      return yield* Either.left(`"include_fields" must be one of [${includable.join(", ")}]`)
    }
    const selection = {
      term,
      fields: fields.size === 0 ? searchFields : searchFields.filter((field) => fields.has(field)),
      exactMatch,
      personId: yield* integerParam(query, "person_id", { min: 1 }),
      organizationId: yield* integerParam(query, "organization_id", { min: 1 })
    }
    return {
      ...page,
      ...selection,
      fields: new Set(selection.fields),
      includeWasSeen: include.includes("lead.was_seen"),
      key: JSON.stringify(selection)
    }
  })
