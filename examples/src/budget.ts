/**
 * Budget: Pipedrive's rate limits as the client sees them, call after call — the burst
 * window (limit, remaining, reset) and the daily token budget each call spends by its cost.
 * The client paces itself from these: when the window is spent it waits (the "took" column
 * grows), and when the daily budget is spent it refuses to send and fails with
 * `DailyBudgetExhausted`, which this program handles by tag and stops.
 *
 *   pnpm budget [--calls 40] [--leads 200] [--rate-limit 10] [--daily-tokens 600] [--real]
 *
 * By default it starts a fake Pipedrive on 127.0.0.1 with a small window and budget, so both
 * show within seconds. `--real` reads (only reads) from the Pipedrive in the environment.
 */
import { type Errors, Leads, type RateLimit } from "@effect-pipedrive/core"
import { FakePipedriveServer, PipedriveNode } from "@effect-pipedrive/node-runtime"
import { Clock, ConfigError, Console, Effect } from "effect"
import { CliFailure, intFlag, isMain, parseFlags, runMain } from "./internal/cli.js"
import * as Format from "./internal/format.js"
import { configFailure, overFakeServer } from "./internal/target.js"

interface Call {
  readonly name: string
  readonly cost: number
  readonly run: Effect.Effect<unknown, Errors.PipedriveError>
}

/** Reads of every kind, in turn: a list page, a lead, its users, a search. */
const callsOver = (leads: Leads.Leads["Type"], lead: { readonly id: string; readonly title: string } | undefined) => {
  const list: Call = { name: "getLeads", cost: Leads.endpoints.getLeads.cost, run: leads.getLeads({ limit: 100 }) }
  if (lead === undefined) return [list]
  return [
    list,
    { name: "getLead", cost: Leads.endpoints.getLead.cost, run: leads.getLead(lead.id) },
    { name: "getLeadUsers", cost: Leads.endpoints.getLeadUsers.cost, run: leads.getLeadUsers(lead.id) },
    {
      name: "searchLeads",
      cost: Leads.endpoints.searchLeads.cost,
      run: leads.searchLeads({ term: lead.title.slice(0, 20), fields: ["title"], limit: 10 })
    }
  ]
}

const columns = ["#", "call", "cost", "took", "window left", "resets in", "daily tokens left"] as const
const widths = [4, 14, 6, 10, 13, 11, 20] as const

const row = (cells: ReadonlyArray<string>): string =>
  cells.map((cell, i) => i === 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)).join(" ")

const describe = (index: number, call: Call, took: number, info: RateLimit.RateLimitInfo, now: number) =>
  row([
    String(index),
    call.name,
    String(call.cost),
    Format.duration(took),
    `${Format.known(info.reported.remaining)}/${Format.known(info.reported.limit)}`,
    info.reported.resetAt === undefined ? "?" : Format.duration(Math.max(0, info.reported.resetAt.getTime() - now)),
    `${Format.known(info.dailyRemaining)}/${Format.known(info.dailyLimit)}`
  ])

/**
 * Makes `calls` calls, printing the rate-limit state after each; stops early when the daily
 * budget is spent. Answers how many calls went through.
 */
export const showBudget = (calls: number): Effect.Effect<number, Errors.PipedriveError, Leads.Leads> =>
  Effect.gen(function*() {
    const leads = yield* Leads.Leads
    yield* Console.log(row(columns))
    const first = yield* leads.getLeads({ limit: 1 })
    const plan = callsOver(leads, first.items[0])
    yield* Console.log(
      `${"".padStart(widths[0])} (a first getLeads found the lead to read: ${Leads.endpoints.getLeads.cost} tokens)`
    )
    for (let i = 0; i < calls; i++) {
      const call = plan[i % plan.length]!
      const start = yield* Clock.currentTimeMillis
      const sent = yield* call.run.pipe(
        Effect.as(true),
        Effect.catchTags({
          DailyBudgetExhausted: (error) =>
            Console.log(
              `\ncall ${i + 1} (${call.name}, ${call.cost} tokens) not sent: ${
                error.status === undefined ? "the client knows" : "Pipedrive says"
              } the daily budget is spent (${Format.known(error.remaining)} tokens left)` +
                (error.resetsAt === undefined ? "" : `; it resets at ${error.resetsAt.toISOString()}`)
            ).pipe(Effect.as(false))
        })
      )
      if (!sent) return i
      const now = yield* Clock.currentTimeMillis
      yield* Console.log(describe(i + 1, call, now - start, yield* leads.rateLimitInfo, now))
    }
    return calls
  })

const usage = "usage: budget [--calls 40] [--leads 200] [--rate-limit 10] [--daily-tokens 600] [--real]"

const main = Effect.gen(function*() {
  const values = yield* parseFlags({
      calls: { type: "string" },
      leads: { type: "string" },
      "rate-limit": { type: "string" },
      "daily-tokens": { type: "string" },
      real: { type: "boolean" }
    }, usage)
  const calls = yield* intFlag("calls", values.calls, 40, usage)
  const leadCount = yield* intFlag("leads", values.leads, 200, usage)
  const requestsPerWindow = yield* intFlag("rate-limit", values["rate-limit"], 10, usage, 1)
  const dailyTokens = yield* intFlag("daily-tokens", values["daily-tokens"], 600, usage)

  const pipedrive = values.real === true
    ? Effect.as(Console.log("Pipedrive from the environment\n"), PipedriveNode.layerConfig())
    : Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({
        leads: leadCount,
        limits: { requestsPerWindow, dailyTokens }
      })
      yield* Console.log(
        `fake Pipedrive at ${server.url}: ${requestsPerWindow} requests per 2 s window, ` +
          `${Format.count(dailyTokens)} daily tokens\n`
      )
      return overFakeServer(server)
    })

  const done = yield* Effect.flatMap(pipedrive, (layer) => Effect.provide(showBudget(calls), layer))
  yield* Console.log(`\n${done} of ${calls} calls made`)
}).pipe(
  Effect.scoped,
  Effect.catchTags({
    Unauthorized: (error) =>
      Effect.fail(new CliFailure({ message: `${error.message}\nIs PIPEDRIVE_API_TOKEN the company's current token?` }))
  }),
  Effect.catchIf(ConfigError.isConfigError, (error) => Effect.fail(configFailure(error)))
)

if (isMain(import.meta.url)) runMain(main)
