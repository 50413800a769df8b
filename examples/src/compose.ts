/**
 * Compose: one Effect program over the `Leads` service. It creates a lead for an
 * organization, finds it by search, updates its value, reads who may see it, archives it,
 * finds it among the archived leads and deletes it.
 *
 * Errors are values with tags, handled where handling means something: a lead the search
 * index has not picked up yet is looked for again; a lead already gone when deleted is fine;
 * any failure half-way deletes the lead the program created; the entry point turns the rest
 * into advice.
 *
 *   pnpm compose [--organization-id N] [--read-only]
 *
 * The entry point runs against the Pipedrive in the environment (PIPEDRIVE_API_TOKEN and
 * PIPEDRIVE_COMPANY_DOMAIN); `--read-only` runs {@link composeReadOnly}, which writes nothing.
 * {@link compose} itself runs against whatever layer provides `Leads`: the demo gives it the
 * fake server, the tests an in-memory Pipedrive.
 */
import { type Errors, Lead, Leads } from "@effect-pipedrive/core"
import { PipedriveNode } from "@effect-pipedrive/node-runtime"
import {
  Clock,
  ConfigError,
  Console,
  Data,
  DateTime,
  Duration,
  Effect,
  Exit,
  Option,
  Predicate,
  Random,
  Ref,
  Schedule,
  Stream
} from "effect"
import { CliFailure, intFlag, isMain, parseFlags, runMain } from "./internal/cli.js"
import * as Format from "./internal/format.js"
import { configFailure } from "./internal/target.js"

/** One step of the program and what came of it. */
export interface Step {
  readonly name: string
  readonly result: string
  readonly millis: number
}

/** What the program did, step by step. */
export interface ComposeReport {
  /** The lead the program worked on. */
  readonly leadId: string
  readonly steps: ReadonlyArray<Step>
}

/** No lead names an organization, so there is none to create the lead for. */
export class NoOrganization extends Data.TaggedError("NoOrganization")<{}> {
  override get message() {
    return "no existing lead names an organization to create the lead for: give one with --organization-id"
  }
}

/** The company has no leads to look at. */
export class NoLeads extends Data.TaggedError("NoLeads")<{}> {
  override get message() {
    return "the company has no leads to look at"
  }
}

/** The lead is not where it should be by now. */
export class LeadMissing extends Data.TaggedError("LeadMissing")<{
  readonly leadId: string
  readonly where: string
}> {
  override get message() {
    return `lead ${this.leadId} is not in ${this.where}`
  }
}

export interface ComposeOptions {
  /** The organization to create the lead for (default: the first one an existing lead names). */
  readonly organizationId?: number | undefined
  /**
   * How long to keep looking for the new lead in search results, which Pipedrive indexes
   * asynchronously (default 10 seconds).
   */
  readonly searchPatience?: Duration.DurationInput | undefined
}

/** Runs steps, timing each and keeping what it says about its result. */
const makeRecorder = Effect.map(Ref.make<ReadonlyArray<Step>>([]), (steps) => ({
  step: <A, E, R>(name: string, effect: Effect.Effect<A, E, R>, result: (a: A) => string) =>
    Effect.gen(function*() {
      const start = yield* Clock.currentTimeMillis
      const value = yield* effect
      const millis = (yield* Clock.currentTimeMillis) - start
      yield* Ref.update(steps, (done) => [...done, { name, result: result(value), millis }])
      return value
    }).pipe(Effect.withSpan(`compose.${name}`)),
  steps: Ref.get(steps)
}))

const money = (value: Lead.Lead["value"]): string =>
  value == null ? "none" : `${Format.count(value.amount)} ${value.currency}`

/** The first organization an existing lead names, looking at no more than a few pages. */
const findOrganization = (leads: Leads.Leads["Type"]) =>
  leads.streamLeads({ limit: 100 }).pipe(
    Stream.take(500),
    Stream.map((lead) => lead.organization_id),
    Stream.filter(Predicate.isNotNullable),
    Stream.runHead,
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(new NoOrganization()),
      onSome: Effect.succeed
    }))
  )

/** Where the lead ranks in an exact title search, or `LeadMissing`. */
const findBySearch = (leads: Leads.Leads["Type"], lead: Lead.Lead) =>
  leads.streamSearchLeads({ term: lead.title, fields: ["title"], exact_match: true, limit: 50 }).pipe(
    Stream.filter((hit) => hit.item.id === lead.id),
    Stream.runHead,
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(new LeadMissing({ leadId: lead.id, where: "the search results" })),
      onSome: Effect.succeed
    }))
  )

/** Where the lead is among the archived leads, newest first, or `LeadMissing`. */
const findArchived = (leads: Leads.Leads["Type"], id: string) =>
  leads.streamArchivedLeads({ sort: "update_time DESC", limit: 100 }).pipe(
    Stream.take(1000),
    Stream.zipWithIndex,
    Stream.filter(([lead]) => lead.id === id),
    Stream.runHead,
    Effect.flatMap(Option.match({
      onNone: () =>
        Effect.fail(new LeadMissing({ leadId: id, where: "the 1,000 most recently updated archived leads" })),
      onSome: ([, index]) => Effect.succeed(index + 1)
    }))
  )

/**
 * The whole life of a lead, as one program. Needs `Leads`; writes (and finally deletes) one lead.
 */
export const compose = (
  options: ComposeOptions = {}
): Effect.Effect<ComposeReport, Errors.PipedriveError | NoOrganization | LeadMissing, Leads.Leads> =>
  Effect.scoped(Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const { step, steps } = yield* makeRecorder

    const organizationId = options.organizationId ?? (yield* step(
      "organization",
      findOrganization(leads),
      (id) => `${id}, named by an existing lead`
    ))
    const now = yield* DateTime.now
    const title = `effect-pipedrive compose ${DateTime.formatIso(now)} #${yield* Random.nextIntBetween(1000, 10_000)}`

    // If anything below fails or is interrupted, the scope deletes the lead again.
    const created = yield* step(
      "create",
      Effect.acquireRelease(
        leads.addLead({ title, organization_id: organizationId, value: { amount: 5000, currency: "EUR" } }),
        (lead, exit) => Exit.isSuccess(exit) ? Effect.void : Effect.ignore(leads.deleteLead(lead.id))
      ),
      (lead) => `lead ${lead.id} "${lead.title}" for organization ${organizationId}, value ${money(lead.value)}`
    )

    yield* step(
      "search",
      findBySearch(leads, created).pipe(
        Effect.retry({
          while: (error) => error._tag === "LeadMissing",
          schedule: Schedule.spaced(Duration.millis(500)).pipe(
            Schedule.upTo(options.searchPatience ?? Duration.seconds(10))
          )
        }),
        Effect.map(Option.some),
        // Not indexed yet is not a failure of the program: Pipedrive indexes when it can.
        Effect.catchTags({ LeadMissing: () => Effect.succeedNone })
      ),
      (found: Option.Option<Lead.LeadSearchItem>) =>
        Option.match(found, {
          onNone: () => "not in the search results yet (Pipedrive indexes asynchronously)",
          onSome: (hit) => `found by its exact title, score ${hit.result_score}`
        })
    )

    const updated = yield* step(
      "update",
      leads.updateLead(created.id, { value: { amount: 12_500, currency: "EUR" } }),
      (lead) => `value ${money(created.value)} → ${money(lead.value)}`
    )

    yield* step(
      "permitted users",
      leads.getLeadUsers(created.id),
      (users) => `user ids ${users.join(", ")}`
    )

    yield* step(
      "archive",
      leads.updateLead(created.id, { is_archived: true }),
      (lead) => `is_archived ${lead.is_archived}, archived at ${lead.archive_time ?? lead.update_time}`
    )

    yield* step(
      "archived list",
      findArchived(leads, created.id),
      (position) => `found in GET /leads/archived, #${position} by update time, newest first`
    )

    yield* step(
      "delete",
      leads.deleteLead(created.id).pipe(
        Effect.as("deleted"),
        Effect.catchTags({ NotFound: () => Effect.succeed("already gone") })
      ),
      (outcome) => `${outcome}; it had value ${money(updated.value)}`
    )

    yield* step(
      "check",
      leads.getLead(created.id).pipe(
        Effect.as("still readable right after the delete"),
        Effect.catchTags({ NotFound: () => Effect.succeed("GET /leads/{id} answers 404: the lead is gone") })
      ),
      (outcome) => outcome
    )

    return { leadId: created.id, steps: yield* steps }
  }))

/**
 * A program that only reads: the first lead, read back, found by search, its permitted users,
 * and a look at the archived leads. Safe against a real company.
 */
export const composeReadOnly = (): Effect.Effect<ComposeReport, Errors.PipedriveError | NoLeads, Leads.Leads> =>
  Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const { step, steps } = yield* makeRecorder

    const first = yield* step(
      "first lead",
      leads.getLeads({ limit: 1 }).pipe(
        Effect.flatMap((page) => Option.match(Option.fromNullable(page.items[0]), {
          onNone: () => Effect.fail(new NoLeads()),
          onSome: Effect.succeed
        }))
      ),
      (lead) => `lead ${lead.id} "${lead.title}"`
    )

    yield* step(
      "read",
      leads.getLead(first.id),
      (lead) =>
        `value ${money(lead.value)}, organization ${lead.organization_id ?? "none"}, ` +
        `${Object.keys(Lead.extraFields(lead)).length} custom or untyped fields kept`
    )

    yield* step(
      "search",
      leads.searchLeads({ term: first.title, fields: ["title"], exact_match: true, limit: 50 }),
      (page) =>
        `${page.items.length} result(s) for its exact title` +
        (page.items.some((hit) => hit.item.id === first.id) ? ", itself among them" : ", not itself (not indexed yet?)")
    )

    yield* step(
      "permitted users",
      leads.getLeadUsers(first.id),
      (users) => `user ids ${users.join(", ")}`
    )

    yield* step(
      "archived list",
      leads.getArchivedLeads({ limit: 100 }),
      (page) =>
        `${page.items.length}${page.pagination.more_items_in_collection ? "+" : ""} archived leads on the first page`
    )

    return { leadId: first.id, steps: yield* steps }
  })

/** The steps as aligned lines, for a terminal. */
export const formatSteps = (steps: ReadonlyArray<Step>, indent = "  "): string => {
  const width = Math.max(...steps.map((step) => step.name.length)) + 2
  return steps
    .map((step) => `${indent}${step.name.padEnd(width)}${step.result}  (${Format.duration(step.millis)})`)
    .join("\n")
}

const usage = "usage: compose [--organization-id N] [--read-only]"

const main = Effect.gen(function*() {
  const values = yield* parseFlags({ "organization-id": { type: "string" }, "read-only": { type: "boolean" } }, usage)
  const organizationId = values["organization-id"] === undefined
    ? undefined
    : yield* intFlag("organization-id", values["organization-id"], 0, usage, 1)
  const report = yield* (values["read-only"] === true ? composeReadOnly() : compose({ organizationId }))
  yield* Console.log(`lead ${report.leadId}\n${formatSteps(report.steps)}`)
}).pipe(
  Effect.provide(PipedriveNode.layerConfig()),
  Effect.catchTags({
    Unauthorized: (error) =>
      Effect.fail(new CliFailure({ message: `${error.message}\nIs PIPEDRIVE_API_TOKEN the company's current token?` })),
    Forbidden: (error) =>
      Effect.fail(new CliFailure({ message: `${error.message}\nThe token's user may not manage leads.` })),
    DailyBudgetExhausted: (error) =>
      Effect.fail(new CliFailure({ message: `${error.message}\nNothing more can be done today with this token.` })),
    BadRequest: (error) =>
      Effect.fail(new CliFailure({ message: `Pipedrive rejected a request: ${error.message}` })),
    NoOrganization: (error) => Effect.fail(new CliFailure({ message: error.message, exitCode: 2 })),
    LeadMissing: (error) => Effect.fail(new CliFailure({ message: `${error.message}; the lead was deleted again` }))
  }),
  Effect.catchIf(ConfigError.isConfigError, (error) => Effect.fail(configFailure(error)))
)

if (isMain(import.meta.url)) runMain(main)
