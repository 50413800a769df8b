import * as Either from "effect/Either"
import { parseSearchQuery } from "./query.js"
import { hash32 } from "./random.js"
import { badRequest, type Call, type Reply, success } from "./replies.js"
import { search, toSearchItem } from "./search.js"
import type { LeadStore } from "./store.js"

/**
 * v2 search: the same hits as v1, paged by an opaque cursor. A cursor names the offset of the
 * next page and the search it belongs to, so one taken to another search is refused as
 * Pipedrive refuses a cursor it did not issue.
 */

const toBase64Url = (text: string): string => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
const fromBase64Url = (text: string): string => atob(text.replace(/-/g, "+").replace(/_/g, "/"))

const encodeCursor = (offset: number, searchKey: string): string =>
  toBase64Url(JSON.stringify({ offset, search: hash32(searchKey) }))

const decodeCursor = (cursor: string): { readonly offset: number; readonly search: number } | undefined => {
  try {
    const parsed: unknown = JSON.parse(fromBase64Url(cursor))
    if (typeof parsed !== "object" || parsed === null) return undefined
    const { offset, search } = parsed as { readonly offset?: unknown; readonly search?: unknown }
    return Number.isInteger(offset) && (offset as number) >= 0 && typeof search === "number"
      ? { offset: offset as number, search }
      : undefined
  } catch {
    return undefined
  }
}

const invalidCursor = badRequest(`"cursor" is not a valid cursor`, "Validation failed")

/** `GET /api/v2/leads/search`. */
export const searchV2Handlers = (leads: LeadStore) => ({
  searchLeadsV2: (call: Call): Reply => {
    const { cursor, start: _offsetsAreV1, ...filters } = call.request.query
    const position = cursor === undefined || cursor === "" ? { offset: 0, search: undefined } : decodeCursor(cursor)
    if (position === undefined) return invalidCursor
    return Either.match(parseSearchQuery({ ...filters, start: String(position.offset) }), {
      onLeft: (info) => badRequest(info, "Validation failed"),
      onRight: (query) => {
        if (position.search !== undefined && position.search !== hash32(query.key)) return invalidCursor
        const hits = leads.view(`search:${query.key}`, (ordered) => search(ordered, query))
        const page = hits.slice(query.start, query.start + query.limit)
        const next = query.start + page.length
        return success(
          200,
          { items: page.map((hit) => toSearchItem(hit, query.includeWasSeen)) },
          { next_cursor: next < hits.length ? encodeCursor(next, query.key) : null }
        )
      }
    })
  }
})
