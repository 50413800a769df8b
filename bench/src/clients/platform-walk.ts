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
import { intArg, report, requiredArg } from "../lib/protocol.js"
import { type ListBody, makeWalk, pageOf } from "../lib/walk.js"

const url = requiredArg("url")
const token = requiredArg("token")
const leads = intArg("leads", 100_000)
const limit = intArg("limit", 500)

const walk = Effect.gen(function*() {
  const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
  const pages = makeWalk(leads, limit)
  let start: number | undefined = 0
  while (start !== undefined) {
    const response = yield* client.get(`${url}/leads`, {
      urlParams: { start, limit },
      headers: { "x-api-token": token, accept: "application/json" }
    })
    const body = (yield* response.json) as ListBody
    start = pages.take(pageOf(body), start)
  }
  return pages.stop()
})

Effect.runPromise(Effect.provide(walk, NodeHttpClient.layerUndici)).then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
