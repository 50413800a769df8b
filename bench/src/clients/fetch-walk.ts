/**
 * The baseline: a bare `fetch` + `JSON.parse` start/limit loop, no validation, no policies.
 *
 *   fetch-walk --url U --token T --leads N [--limit 500]
 */
import { intArg, report, requiredArg } from "../lib/protocol.js"
import { type ListBody, makeWalk, pageOf } from "../lib/walk.js"

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
    start = pages.take(pageOf(body), start)
  }
  return pages.stop()
}

walk().then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
