/**
 * The lead domain around a lead: list the company's labels and lead sources, create a label,
 * tag a lead with it, then convert the lead to a deal and wait for the outcome — a deal id,
 * or Pipedrive's refusal handled by its tag.
 *
 *   pnpm domain [--leads 50] [--label Qualified] [--outcome completed|failed|rejected]
 *
 * It starts a fake Pipedrive on 127.0.0.1 (converting a lead removes it, so this example does
 * not touch a real account); `--outcome` makes the fake end the conversion that way.
 * `qualify` asks only for the services, so the same code runs against real Pipedrive.
 */
import { Conversions, type Errors, LeadLabels, Leads, LeadSources } from "@effect-pipedrive/core"
import { FakePipedriveServer } from "@effect-pipedrive/node-runtime"
import { Console, Data, Effect, Either } from "effect"
import { CliFailure, intFlag, isMain, parseFlags, runMain } from "./internal/cli.js"
import { overFakeServer } from "./internal/target.js"

/** The account has no open lead to qualify. */
export class NoOpenLead extends Data.TaggedError("NoOpenLead")<{}> {
  override get message() {
    return "there is no open lead to qualify"
  }
}

/** What `qualify` did. */
export interface QualifyReport {
  /** The label names there were before. */
  readonly labels: ReadonlyArray<string>
  readonly sources: ReadonlyArray<string>
  readonly label: LeadLabels.LeadLabel
  readonly lead: { readonly id: string; readonly title: string; readonly label_ids: ReadonlyArray<string> }
  /** The new deal's id, or why the conversion did not happen. */
  readonly outcome: Either.Either<number, string>
}

/**
 * Creates the label `labelName`, tags the first open lead with it, and converts that lead to a
 * deal, waiting for the outcome. A failed or rejected conversion is an outcome, not a failure.
 */
export const qualify = (
  labelName: string
): Effect.Effect<
  QualifyReport,
  Errors.PipedriveError | Conversions.ConversionNotFound | Conversions.ConversionPending | NoOpenLead,
  LeadLabels.LeadLabels | LeadSources.LeadSources | Leads.Leads | Conversions.Conversions
> =>
  Effect.gen(function*() {
    const labels = yield* LeadLabels.LeadLabels
    const sources = yield* LeadSources.LeadSources
    const leads = yield* Leads.Leads
    const conversions = yield* Conversions.Conversions

    const before = yield* labels.getLeadLabels()
    const known = yield* sources.getLeadSources()
    const label = yield* labels.addLeadLabel({ name: labelName, color: "green" })

    const { items } = yield* leads.getLeads({ limit: 1 })
    const first = items[0]
    if (first === undefined) return yield* new NoOpenLead()
    const tagged = yield* leads.updateLead(first.id, { label_ids: [...(first.label_ids ?? []), label.id] })

    const outcome = yield* conversions.convertLeadToDealAndWait(tagged.id).pipe(
      Effect.map(Either.right),
      Effect.catchTags({
        ConversionFailed: (error) => Effect.succeed(Either.left(error.message)),
        ConversionRejected: (error) => Effect.succeed(Either.left(error.message))
      })
    )
    return {
      labels: before.map((l) => l.name),
      sources: known.map((s) => s.name),
      label,
      lead: { id: tagged.id, title: tagged.title, label_ids: tagged.label_ids ?? [] },
      outcome
    }
  })

/** The report in lines. */
export const describeReport = (report: QualifyReport): string =>
  [
    `labels: ${report.labels.join(", ") || "(none)"}`,
    `sources: ${report.sources.join(", ")}`,
    `created label "${report.label.name}" (${report.label.color}) ${report.label.id}`,
    `tagged lead ${report.lead.id} "${report.lead.title}": ${report.lead.label_ids.length} label(s)`,
    Either.match(report.outcome, {
      onRight: (dealId) => `deal ${dealId} created from lead ${report.lead.id}`,
      onLeft: (reason) => `not converted: ${reason}`
    })
  ].join("\n")

const outcomes = ["completed", "failed", "rejected"] as const
const usage = "usage: domain [--leads 50] [--label Qualified] [--outcome completed|failed|rejected]"

const main = Effect.gen(function*() {
  const values = yield* parseFlags({
      leads: { type: "string" },
      label: { type: "string" },
      outcome: { type: "string" }
    }, usage)
  const leadCount = yield* intFlag("leads", values.leads, 50, usage, 1)
  const outcome = values.outcome ?? "completed"
  if (!(outcomes as ReadonlyArray<string>).includes(outcome)) {
    return yield* new CliFailure({ message: `--outcome must be one of ${outcomes.join(", ")}\n${usage}`, exitCode: 2 })
  }
  const server = yield* FakePipedriveServer.make({ leads: leadCount })
  if (outcome !== "completed") yield* server.model.endConversions(outcome as "failed" | "rejected")
  yield* Console.log(`fake Pipedrive at ${server.url} with ${leadCount} leads\n`)
  const report = yield* Effect.provide(qualify(values.label ?? "Qualified"), overFakeServer(server))
  yield* Console.log(describeReport(report))
}).pipe(
  Effect.scoped
)

if (isMain(import.meta.url)) runMain(main)
