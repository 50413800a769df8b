/**
 * The demo: a fake Pipedrive on 127.0.0.1 with thousands of realistic leads, the compose
 * program against it, then an export of every lead to NDJSON, and a summary of what happened
 * — on both sides of the wire.
 *
 *   pnpm demo [--leads 5000] [--out FILE] [--rate-limit 100] [--write]
 *
 * With PIPEDRIVE_API_TOKEN (and PIPEDRIVE_COMPANY_DOMAIN) set it runs against that Pipedrive
 * instead, and writes nothing there — compose only reads — unless `--write` is given.
 */
import { type Errors, Leads, PipedriveClient, type RateLimit } from "@effect-pipedrive/core"
import { FakePipedriveServer, PipedriveNode } from "@effect-pipedrive/node-runtime"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Clock, ConfigError, Console, Effect, Either } from "effect"
import * as Path from "node:path"
import {
  compose,
  type ComposeReport,
  composeReadOnly,
  formatSteps,
  type LeadMissing,
  type NoLeads,
  type NoOrganization
} from "./compose.js"
import { exportLeads } from "./export.js"
import { CliFailure, intFlag, isMain, parseFlags, runMain } from "./internal/cli.js"
import * as Format from "./internal/format.js"
import * as Ndjson from "./internal/ndjson.js"
import * as Progress from "./internal/progress.js"
import { configFailure, overFakeServer, realPipedriveConfigured } from "./internal/target.js"

/** What the demo did: compose's steps (or why it skipped them), the export, the client's view of its limits. */
export interface DemoResult {
  readonly compose: Either.Either<ComposeReport, string>
  readonly composeTitle: string
  readonly exported: Progress.Counts & { readonly bytes: number; readonly file: string }
  readonly rateLimit: RateLimit.RateLimitInfo
}

/** Compose (or its read-only twin), then the export to `out`. */
const run = (options: { readonly write: boolean; readonly out: string }) =>
  Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const program: Effect.Effect<
      ComposeReport,
      Errors.PipedriveError | NoOrganization | NoLeads | LeadMissing,
      Leads.Leads
    > = options.write ? compose() : composeReadOnly()
    const composed = yield* program.pipe(
      Effect.map(Either.right),
      // What makes compose pointless here is worth a line in the summary, not a failure.
      Effect.catchTags({
        NoOrganization: (error) => Effect.succeed(Either.left(`skipped: ${error.message}`)),
        NoLeads: (error) => Effect.succeed(Either.left(`skipped: ${error.message}`))
      })
    )

    const progress = yield* Progress.make({ rateLimitInfo: leads.rateLimitInfo })
    const bytes = yield* Effect.scoped(Effect.gen(function*() {
      yield* progress.display
      const writer = yield* Ndjson.toFile(options.out)
      yield* exportLeads(writer, {}, progress.page)
      return yield* writer.bytes
    }))

    return {
      compose: composed,
      composeTitle: options.write
        ? "compose — create, search, update, permitted users, archive, archived list, delete"
        : "compose, read-only — first lead, read, search, permitted users, archived list",
      exported: { ...(yield* progress.counts), bytes, file: options.out },
      rateLimit: yield* leads.rateLimitInfo
    } satisfies DemoResult
  })

/** What the fake server counted. */
type ServerStats = Effect.Effect.Success<FakePipedriveServer.Running["model"]["stats"]>

const section = (title: string, rows: ReadonlyArray<readonly [string, string]>): string =>
  [title, ...rows.map(([label, value]) => `  ${label.padEnd(17)}${value}`)].join("\n")

const summary = (
  result: DemoResult,
  requestsSent: number,
  server: { readonly stats: ServerStats; readonly limit: number } | undefined,
  now: number
): string => {
  const { exported, rateLimit } = result
  const parts = [
    Either.match(result.compose, {
      onLeft: (reason) => `${result.composeTitle}\n  ${reason}`,
      onRight: (report) => `${result.composeTitle}\n${formatSteps(report.steps)}`
    }),
    section("export — streamLeads, page by page, to NDJSON", [
      ["leads exported", Format.count(exported.leads)],
      ["pages", Format.count(exported.pages)],
      ["time", Format.duration(exported.elapsedMillis)],
      ["leads/s", Format.perSecond(exported.leads, exported.elapsedMillis)],
      ["file", `${exported.file} (${Format.size(exported.bytes)})`]
    ])
  ]
  if (server !== undefined) {
    const { stats } = server
    const perEndpoint = Object.entries(stats.byEndpoint)
      .sort(([, a], [, b]) => b - a)
      .map(([name, n]) => `${name} ${n}`)
      .join(", ")
    parts.push(section("the fake Pipedrive saw", [
      ["requests", `${Format.count(stats.requests)} (${perEndpoint})`],
      ["429s", Format.count(stats.rateLimited)],
      ["busiest window", `${stats.peakPerWindow} of ${server.limit} requests allowed per 2 s`]
    ]))
  }
  parts.push(section("the client", [
    ["requests sent", Format.count(requestsSent)],
    [
      "rate limit",
      `${Format.known(rateLimit.reported.remaining)}/${Format.known(rateLimit.reported.limit)} left in the window` +
      (rateLimit.reported.resetAt === undefined
        ? ""
        : `, resets in ${Math.max(0, Math.ceil((rateLimit.reported.resetAt.getTime() - now) / 1000))} s`)
    ],
    ["daily tokens", `${Format.known(rateLimit.dailyRemaining)}/${Format.known(rateLimit.dailyLimit)} left`]
  ]))
  return parts.join("\n\n")
}

const usage = "usage: demo [--leads 5000] [--out FILE] [--rate-limit 100] [--write (against real Pipedrive)]"

const main = Effect.gen(function*() {
  const values = yield* parseFlags({
      leads: { type: "string" },
      out: { type: "string" },
      "rate-limit": { type: "string" },
      write: { type: "boolean" }
    }, usage)
  const leadCount = yield* intFlag("leads", values.leads, 5000, usage)
  const requestsPerWindow = yield* intFlag("rate-limit", values["rate-limit"], 100, usage, 1)
  const fs = yield* FileSystem.FileSystem
  const out = values.out ??
    Path.join(yield* fs.makeTempDirectory({ prefix: "effect-pipedrive-demo-" }), "leads.ndjson")

  // Every attempt the client sends, retries included, passes through here.
  let requestsSent = 0
  const policies: PipedriveClient.Policies = {
    transformClient: HttpClient.tapRequest(() => Effect.sync(() => void requestsSent++))
  }

  const real = yield* realPipedriveConfigured
  if (real) {
    const write = values.write === true
    const location = yield* PipedriveClient.config
    yield* Console.log(
      `effect-pipedrive demo — Pipedrive at ${Either.match(PipedriveClient.apiBaseOf(location), { onLeft: () => "?", onRight: (base) => base.v1 })}` +
        (write ? ", --write: compose creates and deletes one lead\n" : ", read-only (--write runs compose's writes)\n")
    )
    const result = yield* Effect.provide(
      run({ write, out }),
      PipedriveNode.layerConfig(policies)
    )
    yield* Console.log(summary(result, requestsSent, undefined, yield* Clock.currentTimeMillis))
    return
  }

  const started = yield* Clock.currentTimeMillis
  const server = yield* FakePipedriveServer.make({ leads: leadCount, limits: { requestsPerWindow } })
  yield* Console.log(
    `effect-pipedrive demo — fake Pipedrive at ${server.url} with ${Format.count(leadCount)} leads ` +
      `(ready in ${Format.duration((yield* Clock.currentTimeMillis) - started)}), ` +
      `${requestsPerWindow} requests per 2 s window\n`
  )
  const result = yield* Effect.provide(
    run({ write: true, out }),
    overFakeServer(server, policies)
  )
  const stats = yield* server.model.stats
  yield* Console.log(summary(result, requestsSent, { stats, limit: requestsPerWindow }, yield* Clock.currentTimeMillis))
}).pipe(
  Effect.scoped,
  Effect.provide(NodeFileSystem.layer),
  Effect.catchTags({
    Unauthorized: (error) =>
      Effect.fail(new CliFailure({ message: `${error.message}\nIs PIPEDRIVE_API_TOKEN the company's current token?` })),
    DailyBudgetExhausted: (error) =>
      Effect.fail(new CliFailure({ message: `${error.message}\nNothing more can be done today with this token.` })),
    LeadMissing: (error) =>
      Effect.fail(new CliFailure({ message: `compose: ${error.message}; the lead was deleted again` }))
  }),
  Effect.catchIf(ConfigError.isConfigError, (error) => Effect.fail(configFailure(error)))
)

if (isMain(import.meta.url)) runMain(main)
