/**
 * CPU per getLead in this process, no network: the `Leads` service over `PipedriveTest.layer`
 * (every policy at its default) or a bare `HttpClient` GET + JSON over the same in-memory model.
 *
 *   overhead --mode leads|bare --calls 20000
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Leads } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { Effect } from "effect"
import { intArg, measure, report, requiredArg } from "../lib/protocol.js"

const mode = requiredArg("mode")
const calls = intArg("calls", 20_000)
const warmup = 2_000
const seeded = 1_000

const modelOptions = {
  leads: seeded,
  seed: 1,
  // Room for every call: the limiter's cost is measured, not its waiting.
  limits: { requestsPerWindow: 100_000, dailyTokens: 1_000_000_000 }
} as const

const ids = PipedriveTest.generateLeads(seeded, { seed: 1 }).map((lead) => lead.id)

const loop = (call: (id: string) => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function*() {
    for (let i = 0; i < warmup; i++) yield* call(ids[i % seeded]!)
    const run = measure()
    for (let i = 0; i < calls; i++) yield* call(ids[i % seeded]!)
    return run.stop(calls)
  })

const viaLeads = Effect.gen(function*() {
  const leads = yield* Leads.Leads
  return yield* loop((id) => leads.getLead(id))
}).pipe(Effect.provide(PipedriveTest.layer(modelOptions)))

const bare = Effect.gen(function*() {
  const model = yield* PipedriveTest.make(modelOptions)
  const client = PipedriveTest.httpClient(model)
  return yield* loop((id) =>
    Effect.flatMap(
      client.execute(
        HttpClientRequest.get(`${PipedriveTest.baseUrl}/leads/${id}`).pipe(
          HttpClientRequest.setHeader("x-api-token", model.token),
          HttpClientRequest.acceptJson
        )
      ),
      (response) => response.json
    )
  )
})

Effect.runPromise(mode === "bare" ? bare : viaLeads).then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
