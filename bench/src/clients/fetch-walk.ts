/**
 * The baseline: a bare `fetch` + `JSON.parse` start/limit loop, no validation, no policies.
 *
 *   fetch-walk --url U --token T --leads N [--limit 500]
 */
import { intArg, report, requiredArg } from "../lib/protocol.js"
import { makeWalk, type RawPage } from "../lib/walk.js"

interface ListBody {
  readonly data: RawPage["leads"]
  readonly additional_data?: { readonly pagination?: RawPage["pagination"] }
}

const url = requiredArg("url")
const token = requiredArg("token")
const leads = intArg("leads", 100_000)
const limit = intArg("limit", 500)

const walk = async () => {
  const pages = makeWalk(leads, limit)
  let start: number | undefined = 0
  while (start !== undefined) {
    const response: Response = await fetch(`${url}/leads?start=${start}&limit=${limit}`, {
      headers: { "x-api-token": token, accept: "application/json" }
    })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    const body = JSON.parse(await response.text()) as ListBody
    start = pages.take({ leads: body.data, pagination: body.additional_data?.pagination }, start)
  }
  return pages.stop()
}

walk().then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
