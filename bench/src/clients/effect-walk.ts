/**
 * Walks the leads with `streamLeads` over `PipedriveNode.layer` (undici, full Schema
 * validation), rate limiting off. Optional CPU work per page stands for a consumer that does
 * something with each page. With `--rate-limit`, the client is told the server's limit (N
 * requests per M ms), as a user who configures `plan` or `rateLimit` does.
 *
 *   effect-walk --url U --token T --leads N [--concurrency K] [--work-ms 0] [--limit 500] [--tracer off]
 *               [--rate-limit N --window-ms M] [--transport undici|platform] [--consumer pages|sink] [--typed]
 *
 * Without `--concurrency`, the stream's default (what the rate limiter has room for, at most 4).
 * The pages are consumed as the README recommends, with `Pagination.forEachPage`; `--consumer
 * sink` consumes them with `Stream.runForEachChunk` instead (a reference: Effect's sink keeps
 * each page long enough for it to be promoted).
 *
 * `--typed` walks `TypedLeads.streamLeads` instead, with three of the fake server's custom
 * fields declared by name (a text, a monetary and an option field) and the labels by name.
 *
 * `--tracer off` (a diagnostic, not a scenario) runs the walk with Effect's tracer disabled;
 * `--transport platform` runs it over @effect/platform-node's undici client instead of
 * PipedriveNode's default (UndiciHttpClient).
 */
import { CustomFields, LeadFields, LeadLabels, Leads, Pagination, TypedLeads } from "@effect-pipedrive/core"
import * as PipedriveNode from "@effect-pipedrive/node-runtime/PipedriveNode"
import { Chunk, Effect, Redacted, Stream } from "effect"
import { arg, busyWork, intArg, measure, report, requiredArg, touch } from "../lib/protocol.js"

const url = requiredArg("url")
const token = requiredArg("token")
const leads = intArg("leads", 100_000)
const workMs = intArg("work-ms", 0)
const limit = intArg("limit", 500)
const concurrency = arg("concurrency") === undefined ? undefined : intArg("concurrency", 1)

/** Custom fields the fake server seeds, by name. */
const Fields = CustomFields.define({
  industry: CustomFields.text("Industry"),
  budget: CustomFields.monetary("Budget"),
  customerType: CustomFields.option("Customer type")
})

/** What the walk reads of a lead, plain or typed. */
interface Item {
  readonly id: string
  readonly title: string
}

/** The leads as a stream, plain or typed. */
type Walk = Stream.Stream<Item, unknown>

const walkOf: Effect.Effect<Walk, never, Leads.Leads | LeadFields.LeadFields | LeadLabels.LeadLabels> =
  process.argv.includes("--typed")
    ? Effect.map(TypedLeads.make(Fields), (typed): Walk => typed.streamLeads({ limit }, { concurrency }))
    : Effect.map(Leads.Leads, (plain): Walk => plain.streamLeads({ limit }, { concurrency }))

const program = Effect.gen(function*() {
  const all = yield* walkOf
  const rssBeforeKb = process.memoryUsage().rss / 1024
  const run = measure()
  let checksum = 0
  let pages = 0
  let count = 0
  const consume = (chunk: Chunk.Chunk<Item>) =>
    Effect.sync(() => {
      for (const lead of chunk) checksum += touch(lead)
      if (workMs > 0) busyWork(workMs)
      pages++
      count += Chunk.size(chunk)
    })
  const walk = Stream.take(all, leads)
  yield* arg("consumer") === "sink" ? Stream.runForEachChunk(walk, consume) : Pagination.forEachPage(walk, consume)
  return run.stop(count, { pages, checksum, rssBeforeKb })
})

const rateLimit = arg("rate-limit") === undefined
  ? false as const
  : { requestsPerWindow: intArg("rate-limit", 40), window: `${intArg("window-ms", 2000)} millis` as const }

const layer = PipedriveNode.layer({
  apiToken: Redacted.make(token),
  baseUrl: url,
  rateLimit,
  transport: arg("transport") === "platform" ? "platform" : "undici"
})

const traced = arg("tracer") === "off" ? Effect.withTracerEnabled(program, false) : program

Effect.runPromise(Effect.provide(traced, layer)).then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
