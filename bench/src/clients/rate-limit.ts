/**
 * `calls` getLead at `concurrency` over `PipedriveNode.layer`, with the server's limits
 * configured in the client (`--mode configured`) or learned from its headers (`--mode learned`).
 * The lead ids are the ones the server seeded (same seed, same generator).
 *
 *   rate-limit --url U --token T --mode configured|learned --calls 600 --concurrency 50 --limit 40 --window-ms 400
 */
import { Leads } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import * as PipedriveNode from "@effect-pipedrive/node-runtime/PipedriveNode"
import { Duration, Effect, Either, Redacted } from "effect"
import { intArg, measure, report, requiredArg } from "../lib/protocol.js"

const url = requiredArg("url")
const token = requiredArg("token")
const mode = requiredArg("mode")
const calls = intArg("calls", 600)
const concurrency = intArg("concurrency", 50)
const limit = intArg("limit", 40)
const windowMs = intArg("window-ms", 400)

const ids = PipedriveTest.generateLeads(calls, { seed: 1 }).map((lead) => lead.id)

const program = Effect.gen(function*() {
  const leads = yield* Leads.Leads
  const run = measure()
  const outcomes = yield* Effect.forEach(ids, (id) => Effect.either(leads.getLead(id)), { concurrency })
  const failed = outcomes.filter(Either.isLeft)
  for (const failure of failed.slice(0, 3)) console.error(failure.left.message)
  return run.stop(calls, { failed: failed.length })
})

const layer = PipedriveNode.layer({
  apiToken: Redacted.make(token),
  baseUrl: url,
  ...(mode === "configured"
    ? { rateLimit: { requestsPerWindow: limit, window: Duration.millis(windowMs) } }
    : {})
})

Effect.runPromise(Effect.provide(program, layer)).then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
