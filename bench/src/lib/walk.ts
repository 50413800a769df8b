/**
 * The start/limit loop the baseline clients share: each fetches a page its own way and hands
 * it here, which touches every lead until enough are seen and says where the next page starts.
 */
import { type ClientResult, measure, touch } from "./protocol.js"

/** A page as a baseline reads it: its leads, and the pagination block if there is one. */
export interface RawPage {
  readonly leads: ReadonlyArray<{ readonly id?: string | null; readonly title?: string | null }> | null | undefined
  readonly pagination:
    | { readonly more_items_in_collection?: boolean; readonly next_start?: number }
    | undefined
}

/** The list envelope as the JSON baselines read it, unvalidated. */
export interface ListBody {
  readonly data: RawPage["leads"]
  readonly additional_data?: { readonly pagination?: RawPage["pagination"] }
}

/** The page in a list envelope (pagination nested, as real traffic has it). */
export const pageOf = (body: ListBody): RawPage => ({ leads: body.data, pagination: body.additional_data?.pagination })

/** A walk of `leads` leads, `limit` per page; starts measuring when made. */
export const makeWalk = (leads: number, limit: number) => {
  const run = measure()
  const maxPages = Math.ceil(leads / limit) + 1
  let count = 0
  let checksum = 0
  let pages = 0
  return {
    /** Where the next page starts, or `undefined` when the walk is over. */
    take: (page: RawPage, start: number): number | undefined => {
      pages++
      for (const lead of page.leads ?? []) {
        if (count === leads) break
        checksum += touch(lead)
        count++
      }
      const pagination = page.pagination
      if (count === leads || pages === maxPages || pagination?.more_items_in_collection !== true) return undefined
      return pagination.next_start ?? start + limit
    },
    stop: (): ClientResult => run.stop(count, { pages, checksum })
  }
}
