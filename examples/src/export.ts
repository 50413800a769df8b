/**
 * Export: every lead as NDJSON, one JSON object per line, streamed lazily — a page is
 * fetched only when the previous one is written, so memory stays flat for any number of
 * leads. Progress goes to stderr; `--since` exports only what changed (`updated_since`), for
 * incremental sync. Ctrl-C interrupts the stream: the page being written is finished, the file
 * is synced and closed, and every line in it is complete JSON.
 *
 *   pnpm export [--out leads.ndjson] [--since 2025-06-01T00:00:00Z] [--include-archived]
 *               [--page-size 500] [--progress-every 10] [--progress-seconds 5]
 *
 * An error stops it the same way, after saying how much was written.
 *
 * Runs against the Pipedrive in the environment (PIPEDRIVE_API_TOKEN and
 * PIPEDRIVE_COMPANY_DOMAIN, or PIPEDRIVE_BASE_URL for the fake server).
 */
import type { Errors, Requests } from "@effect-pipedrive/core"
import { Lead, Leads, Pagination } from "@effect-pipedrive/core"
import { PipedriveNode } from "@effect-pipedrive/node-runtime"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Cause, Chunk, ConfigError, Console, DateTime, Effect, Exit, Layer, Schema, Stream } from "effect"
import { CliFailure, intFlag, isMain, parseFlags, runMain } from "./internal/cli.js"
import * as Format from "./internal/format.js"
import * as Ndjson from "./internal/ndjson.js"
import * as Progress from "./internal/progress.js"
import { configFailure } from "./internal/target.js"

export interface ExportOptions {
  /** Only leads updated at or after this ISO time (`updated_since`); a bare date means its midnight UTC. */
  readonly since?: string | undefined
  /** Archived leads too, after the others (`GET /leads` lists only leads that are not archived). */
  readonly includeArchived?: boolean | undefined
  /** Leads per request, 1 to 500 (default 500: a page costs the same tokens whatever its size). */
  readonly pageSize?: number | undefined
}

const isTimestamp = Schema.is(Lead.Timestamp)

/** A time `--since` takes: ISO-8601, or a bare date. */
const isTime = (raw: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(raw) || isTimestamp(raw)

const listParams = (options: ExportOptions): Requests.ListLeadsParams => ({
  ...(options.since === undefined
    ? {}
    : { updated_since: /^\d{4}-\d{2}-\d{2}$/.test(options.since) ? `${options.since}T00:00:00Z` : options.since }),
  ...(options.pageSize === undefined ? {} : { limit: options.pageSize })
})

/**
 * Streams every lead to `writer`, one write per page, and tells `onPage` of each page written.
 * Interrupting it stops between pages.
 */
export const exportLeads = (
  writer: Ndjson.NdjsonWriter,
  options: ExportOptions,
  onPage: (leads: number) => Effect.Effect<void>
): Effect.Effect<void, Errors.PipedriveError | Ndjson.OutputError, Leads.Leads> =>
  Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const params = listParams(options)
    const all = options.includeArchived === true
      ? Stream.concat(leads.streamLeads(params), leads.streamArchivedLeads(params))
      : leads.streamLeads(params)
    // The stream's chunks are its pages: each becomes one write of whole lines.
    yield* Pagination.forEachPage(all, (page) =>
      Chunk.isEmpty(page) ? Effect.void : Effect.zipRight(writer.write(page), onPage(Chunk.size(page))))
  })

const usage = "usage: export [--out FILE] [--since ISO-TIME] [--include-archived] [--page-size 1-500] " +
  "[--progress-every PAGES] [--progress-seconds SECONDS]"

const main = Effect.gen(function*() {
  const values = yield* parseFlags({
      out: { type: "string" },
      since: { type: "string" },
      "include-archived": { type: "boolean" },
      "page-size": { type: "string" },
      "progress-every": { type: "string" },
      "progress-seconds": { type: "string" }
    }, usage)
  if (values.since !== undefined && !isTime(values.since)) {
    return yield* new CliFailure({
      message: `--since must be an ISO-8601 time such as 2025-06-01T00:00:00Z (or a date), got ${
        JSON.stringify(values.since)
      }\n${usage}`,
      exitCode: 2
    })
  }
  const options: ExportOptions = {
    since: values.since,
    includeArchived: values["include-archived"] === true,
    pageSize: yield* intFlag("page-size", values["page-size"], 500, usage, 1)
  }
  const everyPages = yield* intFlag("progress-every", values["progress-every"], 10, usage, 1)
  const everySeconds = yield* intFlag("progress-seconds", values["progress-seconds"], 5, usage, 1)

  const leads = yield* Leads.Leads
  const progress = yield* Progress.make({
    rateLimitInfo: leads.rateLimitInfo,
    everyPages,
    everyMillis: everySeconds * 1000
  })
  const target = values.out ?? "stdout"
  // Whatever changes from now on has an update time at or after this: the next run's --since.
  const startedAt = DateTime.formatIso(DateTime.startOf(yield* DateTime.now, "second"))

  const bytes = yield* Effect.scoped(Effect.gen(function*() {
    yield* progress.display
    const writer = yield* (values.out === undefined ? Ndjson.toStdout() : Ndjson.toFile(values.out))
    yield* exportLeads(writer, options, progress.page)
    return yield* writer.bytes
  })).pipe(
    // Runs once the scope above has closed the file.
    Effect.onExit((exit) =>
      Exit.isSuccess(exit) ? Effect.void : Effect.flatMap(progress.counts, (counts) =>
        Console.error(
          `${Cause.isInterruptedOnly(exit.cause) ? "interrupted" : "stopped by an error"}: ` +
            `${Format.counted(counts.leads, "lead")} in ${Format.counted(counts.pages, "page")} ` +
            `written to ${target}, every line complete`
        ))
    )
  )
  const counts = yield* progress.counts
  yield* Console.error(
    `exported ${Format.counted(counts.leads, "lead")} in ${Format.counted(counts.pages, "page")} to ${target} ` +
      `(${Format.size(bytes)}) in ${Format.duration(counts.elapsedMillis)}, ` +
      `${Format.perSecond(counts.leads, counts.elapsedMillis)} leads/s\n` +
      `next incremental export: --since ${startedAt.replace(/\.000Z$/, "Z")}`
  )
}).pipe(
  Effect.provide(Layer.merge(PipedriveNode.layerConfig(), NodeFileSystem.layer)),
  Effect.catchTags({
    InvalidInput: (error) =>
      Effect.fail(new CliFailure({ message: `${error.issues.join("; ")}\n${usage}`, exitCode: 2 })),
    Unauthorized: (error) =>
      Effect.fail(new CliFailure({ message: `${error.message}\nIs PIPEDRIVE_API_TOKEN the company's current token?` })),
    DailyBudgetExhausted: (error) =>
      Effect.fail(
        new CliFailure({ message: `${error.message}\nWhat was written is complete; export --since later to catch up.` })
      )
  }),
  Effect.catchIf(ConfigError.isConfigError, (error) => Effect.fail(configFailure(error)))
)

if (isMain(import.meta.url)) runMain(main)
