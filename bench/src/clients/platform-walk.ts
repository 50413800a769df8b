/**
 * The floor of the stack the client is built on: a start/limit loop written directly against
 * `@effect/platform`'s `HttpClient` over undici (`NodeHttpClient.layerUndici`, what
 * `PipedriveNode.layer` uses), JSON parsed, no validation, no policies, no stream. It shows
 * what the Effect runtime and the platform client cost before any of our code runs.
 *
 *   platform-walk --url U --token T --leads N [--limit 500]
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
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

const walk = Effect.gen(function*() {
  const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
  const run = measure()
  let start = 0
  let count = 0
  let checksum = 0
  let pages = 0
  while (pages < maxPages && count < leads) {
    const response = yield* client.get(`${url}/leads`, {
      urlParams: { start, limit },
      headers: { "x-api-token": token, accept: "application/json" }
    })
    const body = (yield* response.json) as ListBody
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
})

Effect.runPromise(Effect.provide(walk, NodeHttpClient.layerUndici)).then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
