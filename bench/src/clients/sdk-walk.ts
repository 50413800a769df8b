/**
 * The official SDK (npm `pipedrive`, v1 `LeadsApi`, axios): a `getLeads` start/limit loop.
 * Its types give pagination flat (`additional_data.more_items_in_collection`) while the API
 * nests it under `pagination`, so the loop reads both, as its users have to.
 *
 *   sdk-walk --url U --token T --leads N [--limit 500]
 */
import { Configuration, LeadsApi } from "pipedrive/v1"
import { intArg, measure, report, requiredArg, touch } from "../lib/protocol.js"

interface Pagination {
  readonly more_items_in_collection?: boolean
  readonly next_start?: number
}

const paginationOf = (additional: unknown): Pagination | undefined => {
  if (typeof additional !== "object" || additional === null) return undefined
  const nested = (additional as { readonly pagination?: Pagination }).pagination
  return nested ?? (additional as Pagination)
}

const url = requiredArg("url")
const token = requiredArg("token")
const leads = intArg("leads", 100_000)
const limit = intArg("limit", 500)
const maxPages = Math.ceil(leads / limit) + 1

const api = new LeadsApi(new Configuration({ apiKey: token, basePath: url }))

const walk = async () => {
  const run = measure()
  let start = 0
  let count = 0
  let checksum = 0
  let pages = 0
  while (pages < maxPages && count < leads) {
    const response = await api.getLeads({ start, limit })
    pages++
    for (const lead of response.data ?? []) {
      if (count === leads) break
      checksum += touch({ id: lead.id ?? "", title: lead.title ?? "" })
      count++
    }
    const pagination = paginationOf(response.additional_data)
    if (pagination?.more_items_in_collection !== true) break
    start = pagination.next_start ?? start + limit
  }
  return run.stop(count, { pages, checksum })
}

walk().then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
