/**
 * The baseline: a bare `fetch` + `JSON.parse` start/limit loop, no validation, no policies.
 *
 *   fetch-walk --url U --token T --leads N [--limit 500]
 */
import { intArg, measure, report, requiredArg, touch } from "../lib/protocol.js"

interface ListBody {
  readonly data: ReadonlyArray<{ readonly id: string; readonly title: string }> | null
  readonly additional_data?: {
    readonly pagination?: { readonly more_items_in_collection: boolean; readonly next_start?: number }
  }
}

const url = requiredArg("url")
const token = requiredArg("token")
const leads = intArg("leads", 100_000)
const limit = intArg("limit", 500)
const maxPages = Math.ceil(leads / limit) + 1

const walk = async () => {
  const run = measure()
  let start = 0
  let count = 0
  let checksum = 0
  let pages = 0
  while (pages < maxPages && count < leads) {
    const response = await fetch(`${url}/leads?start=${start}&limit=${limit}`, {
      headers: { "x-api-token": token, accept: "application/json" }
    })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    const body = JSON.parse(await response.text()) as ListBody
    pages++
    for (const lead of body.data ?? []) {
      if (count === leads) break
      checksum += touch(lead)
      count++
    }
    const pagination = body.additional_data?.pagination
    if (pagination?.more_items_in_collection !== true) break
    start = pagination.next_start ?? start + limit
  }
  return run.stop(count, { pages, checksum })
}

walk().then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
