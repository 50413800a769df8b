/**
 * The official SDK (npm `pipedrive`, v1 `LeadsApi`, axios): a `getLeads` start/limit loop.
 * Its types give pagination flat (`additional_data.more_items_in_collection`) while the API
 * nests it under `pagination`, so the loop reads both, as its users have to.
 *
 *   sdk-walk --url U --token T --leads N [--limit 500]
 */
import { Configuration, LeadsApi } from "pipedrive/v1"
import { intArg, report, requiredArg } from "../lib/protocol.js"
import { makeWalk, type RawPage } from "../lib/walk.js"

const paginationOf = (additional: unknown): RawPage["pagination"] => {
  if (typeof additional !== "object" || additional === null) return undefined
  const nested = (additional as { readonly pagination?: RawPage["pagination"] }).pagination
  return nested ?? (additional as RawPage["pagination"])
}

const url = requiredArg("url")
const token = requiredArg("token")
const leads = intArg("leads", 100_000)
const limit = intArg("limit", 500)

const api = new LeadsApi(new Configuration({ apiKey: token, basePath: url }))

const walk = async () => {
  const pages = makeWalk(leads, limit)
  let start: number | undefined = 0
  while (start !== undefined) {
    const response = await api.getLeads({ start, limit })
    start = pages.take({ leads: response.data, pagination: paginationOf(response.additional_data) }, start)
  }
  return pages.stop()
}

walk().then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
