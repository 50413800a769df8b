/**
 * Testing: a small program of the kind a user writes — archive the leads nobody touched for
 * N days — and the layers it runs on. The program asks for `Leads` and nothing else, so the
 * same code runs against real Pipedrive (`PipedriveNode.layerConfig()`), an in-memory
 * Pipedrive (`PipedriveTest.layer`) or a hand-made mock `HttpClient` under the real client.
 * `test/testing.test.ts` does the last two.
 *
 *   pnpm testing [--days 180] [--leads 200] [--real [--write]]
 *
 * By default it runs against an in-memory Pipedrive with `--leads` generated leads. With
 * `--real` it runs against the Pipedrive in the environment, as a dry run unless `--write`.
 */
import { type Errors, Leads } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { PipedriveNode } from "@effect-pipedrive/node-runtime"
import { Clock, ConfigError, Console, Effect, Stream } from "effect"
import { CliFailure, intFlag, isMain, parseFlags, runMain } from "./internal/cli.js"
import * as Format from "./internal/format.js"
import { configFailure } from "./internal/target.js"

const dayMillis = 86_400_000

/** A lead the program found stale. */
export interface StaleLead {
  readonly id: string
  readonly title: string
  readonly update_time: string
}

export interface StaleLeadsReport {
  /** Leads looked at (those not archived). */
  readonly scanned: number
  /** Leads not updated within the period, oldest page first. */
  readonly stale: ReadonlyArray<StaleLead>
  /** Ids archived by this run (none in a dry run). */
  readonly archived: ReadonlyArray<string>
  /** Ids that were stale but gone or archived by someone else before this run got to them. */
  readonly skipped: ReadonlyArray<string>
}

export interface StaleLeadsOptions {
  /** A lead is stale when its `update_time` is more than this many days ago. */
  readonly olderThanDays: number
  /** Find them, archive nothing. */
  readonly dryRun?: boolean | undefined
  /** Archive requests in flight at once (default 4; the client's rate limiter paces them). */
  readonly concurrency?: number | undefined
}

/** Pipedrive's times are UTC; older responses leave out the zone and use a space. */
const timeOf = (timestamp: string): number => {
  const iso = timestamp.replace(" ", "T")
  return Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`)
}

/**
 * Archives every lead not updated in `olderThanDays` days, as of the Effect `Clock`.
 *
 * It collects first and archives after: archiving while paging by offset would move the
 * leads after it one place up, under the stream, and skip some of them.
 */
export const archiveStaleLeads = (
  options: StaleLeadsOptions
): Effect.Effect<StaleLeadsReport, Errors.PipedriveError, Leads.Leads> =>
  Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const cutoff = (yield* Clock.currentTimeMillis) - options.olderThanDays * dayMillis
    const { scanned, stale } = yield* Stream.runFold(
      leads.streamLeads(),
      { scanned: 0, stale: [] as Array<StaleLead> },
      (found, lead) => {
        // A lead from before Pipedrive sent update_time counts from its creation.
        const updated = lead.update_time ?? lead.add_time
        if (updated !== undefined && timeOf(updated) < cutoff) {
          found.stale.push({ id: lead.id, title: lead.title, update_time: updated })
        }
        return { scanned: found.scanned + 1, stale: found.stale }
      }
    )
    if (options.dryRun === true) return { scanned, stale, archived: [], skipped: [] }

    const outcomes = yield* Effect.forEach(
      stale,
      (lead) =>
        leads.updateLead(lead.id, { is_archived: true }).pipe(
          Effect.as({ id: lead.id, archived: true }),
          // Someone deleted it, or archived it (archived leads cannot be edited), meanwhile.
          Effect.catchTags({
            NotFound: () => Effect.succeed({ id: lead.id, archived: false }),
            BadRequest: (error) =>
              /archived/i.test(`${error.error} ${error.errorInfo}`)
                ? Effect.succeed({ id: lead.id, archived: false })
                : Effect.fail(error)
          })
        ),
      { concurrency: options.concurrency ?? 4 }
    )
    return {
      scanned,
      stale,
      archived: outcomes.filter((outcome) => outcome.archived).map((outcome) => outcome.id),
      skipped: outcomes.filter((outcome) => !outcome.archived).map((outcome) => outcome.id)
    }
  })

/**
 * `count` generated leads, their times moved so that the newest was updated now: two years
 * of leads up to today, whatever today is.
 */
const recentLeads = (count: number) =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    // Generated leads carry every field, times included.
    const generated = PipedriveTest.generateLeads(count)
    const newest = generated.reduce((latest, lead) => Math.max(latest, timeOf(lead.update_time!)), 0)
    const shift = (timestamp: string) => new Date(timeOf(timestamp) + now - newest).toISOString()
    return generated.map((lead) => ({ ...lead, add_time: shift(lead.add_time!), update_time: shift(lead.update_time!) }))
  })

const usage = "usage: testing [--days 180] [--leads 200] [--real [--write]]"

const main = Effect.gen(function*() {
  const values = yield* parseFlags({
      days: { type: "string" },
      leads: { type: "string" },
      real: { type: "boolean" },
      write: { type: "boolean" }
    }, usage)
  const olderThanDays = yield* intFlag("days", values.days, 180, usage, 1)
  const seeded = yield* intFlag("leads", values.leads, 200, usage)
  const real = values.real === true
  const dryRun = real && values.write !== true

  const program = archiveStaleLeads({ olderThanDays, dryRun })
  const report = yield* real
    ? Effect.provide(program, PipedriveNode.layerConfig())
    : Effect.provide(program, PipedriveTest.layer({ leads: yield* recentLeads(seeded) }))

  yield* Console.log(
    `${real ? "Pipedrive" : `in-memory Pipedrive with ${Format.count(seeded)} generated leads`}: ` +
      `${Format.count(report.scanned)} leads scanned, ${Format.count(report.stale.length)} not updated in ` +
      `${olderThanDays} days, ` +
      (dryRun ? "dry run: none archived" : `${Format.count(report.archived.length)} archived`) +
      (report.skipped.length > 0 ? `, ${report.skipped.length} skipped` : "")
  )
  for (const lead of report.stale.slice(0, 5)) {
    yield* Console.log(`  ${lead.update_time}  ${lead.id}  ${lead.title}`)
  }
  if (report.stale.length > 5) yield* Console.log(`  … and ${Format.count(report.stale.length - 5)} more`)
}).pipe(
  Effect.catchTags({
    Unauthorized: (error) =>
      Effect.fail(new CliFailure({ message: `${error.message}\nIs PIPEDRIVE_API_TOKEN the company's current token?` }))
  }),
  Effect.catchIf(ConfigError.isConfigError, (error) => Effect.fail(configFailure(error)))
)

if (isMain(import.meta.url)) runMain(main)
