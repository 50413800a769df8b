/**
 * Every endpoint × every fault kind against the in-memory Pipedrive, on the TestClock, each
 * cell with the outcome the retry rules of design.md call for:
 *
 * - retried for every method: 429 (not a spent daily budget), 502/503/504;
 * - retried for GET, PATCH and DELETE only: 500 and ambiguous failures (a reset or a timeout
 *   after the request went out) — a POST could have created the lead;
 * - never retried: 4xx, undecodable bodies, a spent daily budget.
 *
 * A cell checks the outcome, how many requests reached the server, and what was written.
 * The conversion POSTs follow the POST rules: a second conversion is not the first one again.
 */
import { Conversions, Errors, LeadFields, LeadLabels, Leads, LeadSearch, LeadSources } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, TestClock } from "effect"

const { Fault, Trigger } = PipedriveTest

/** What a cell expects: success or the error's tag, after how many requests reached the server. */
interface Outcome {
  readonly result: "ok" | Errors.PipedriveError["_tag"]
  readonly attempts: number
}
const ok = (attempts: number): Outcome => ({ result: "ok", attempts })
const fails = (result: Errors.PipedriveError["_tag"], attempts: number): Outcome => ({ result, attempts })

interface Row {
  readonly name: string
  /** Injected once, into the first request of the endpoint under test. */
  readonly fault?: PipedriveTest.Fault
  readonly limits?: Partial<PipedriveTest.Limits>
  readonly expect: { readonly any: Outcome; readonly POST?: Outcome; readonly DELETE?: Outcome }
  /** Leads the addLead cell leaves created, and the deleteLead cell deleted. */
  readonly created: number
  readonly deleted: number
}

const rows: ReadonlyArray<Row> = [
  {
    name: "500",
    fault: Fault.ServerError({ status: 500 }),
    expect: { any: ok(2), POST: fails("ServerError", 1) },
    created: 0,
    deleted: 1
  },
  { name: "502", fault: Fault.ServerError({ status: 502 }), expect: { any: ok(2) }, created: 1, deleted: 1 },
  { name: "503", fault: Fault.ServerError({ status: 503 }), expect: { any: ok(2) }, created: 1, deleted: 1 },
  { name: "504", fault: Fault.ServerError({ status: 504 }), expect: { any: ok(2) }, created: 1, deleted: 1 },
  {
    name: "reset before processing",
    fault: Fault.ResetBeforeProcessing(),
    expect: { any: ok(2), POST: fails("TransportError", 1) },
    created: 0,
    deleted: 1
  },
  {
    name: "reset after commit",
    fault: Fault.ResetAfterCommit(),
    // The retried DELETE finds the lead already gone: done, as asked.
    expect: { any: ok(2), POST: fails("TransportError", 1) },
    created: 1,
    deleted: 1
  },
  {
    name: "truncated body",
    fault: Fault.TruncatedBody(),
    expect: { any: fails("ResponseDecodeError", 1) },
    created: 1,
    deleted: 1
  },
  { name: "HTML 403", fault: Fault.HtmlForbidden(), expect: { any: fails("Forbidden", 1) }, created: 0, deleted: 0 },
  { name: "429 with Retry-After", fault: Fault.RateLimited(), expect: { any: ok(2) }, created: 1, deleted: 1 },
  {
    name: "429 without Retry-After",
    fault: Fault.RateLimited(),
    limits: { retryAfter: false },
    expect: { any: ok(2) },
    created: 1,
    deleted: 1
  },
  { name: "latency 500 ms", fault: Fault.Latency({ millis: 500 }), expect: { any: ok(1) }, created: 1, deleted: 1 },
  {
    name: "latency 5 s > timeout 2 s",
    fault: Fault.Latency({ millis: 5000 }),
    expect: { any: ok(2), POST: fails("RequestTimeout", 1) },
    created: 0,
    deleted: 1
  },
  {
    name: "daily budget spent",
    limits: { dailyTokens: 0 },
    expect: { any: fails("DailyBudgetExhausted", 1) },
    created: 0,
    deleted: 0
  }
]

/** Every service, as a column's operation reaches them. */
interface Services {
  readonly leads: Leads.Leads["Type"]
  readonly labels: LeadLabels.LeadLabels["Type"]
  readonly sources: LeadSources.LeadSources["Type"]
  readonly fields: LeadFields.LeadFields["Type"]
  readonly search: LeadSearch.LeadSearch["Type"]
  readonly conversions: Conversions.Conversions["Type"]
}

const services = Effect.all({
  leads: Leads.Leads,
  labels: LeadLabels.LeadLabels,
  sources: LeadSources.LeadSources,
  fields: LeadFields.LeadFields,
  search: LeadSearch.LeadSearch,
  conversions: Conversions.Conversions
})

interface Target {
  readonly leadId: string
  readonly labelId: string
  readonly dealId: number
  /** What `prepare` made: the conversion a status column reads. */
  readonly prepared: string
}

interface Column {
  readonly name: PipedriveTest.EndpointName
  readonly method: "GET" | "POST" | "PATCH" | "DELETE"
  /** Runs the operation on an open lead, a seeded label and a seeded deal. */
  readonly run: (services: Services, target: Target) => Effect.Effect<unknown, Errors.PipedriveError>
  /** Done before the cell's limits apply and its counting starts. */
  readonly prepare?: (
    services: Services,
    target: Omit<Target, "prepared">
  ) => Effect.Effect<string, Errors.PipedriveError, PipedriveTest.PipedriveTest>
}

/** A conversion that ends `failed`, so that reading its status never changes any lead. */
const failingConversion = (start: Effect.Effect<{ readonly conversion_id: string }, Errors.PipedriveError>) =>
  Effect.flatMap(PipedriveTest.PipedriveTest, (model) =>
    model.endConversions("failed").pipe(Effect.zipRight(start), Effect.map((job) => job.conversion_id)))

const columns: ReadonlyArray<Column> = [
  { name: "addLead", method: "POST", run: ({ leads }) => leads.addLead({ title: "Matrix lead", person_id: 1 }) },
  { name: "getLead", method: "GET", run: ({ leads }, { leadId }) => leads.getLead(leadId) },
  {
    name: "updateLead",
    method: "PATCH",
    run: ({ leads }, { leadId }) => leads.updateLead(leadId, { title: "Matrix update" })
  },
  { name: "deleteLead", method: "DELETE", run: ({ leads }, { leadId }) => leads.deleteLead(leadId) },
  { name: "getLeadUsers", method: "GET", run: ({ leads }, { leadId }) => leads.getLeadUsers(leadId) },
  { name: "getLeads", method: "GET", run: ({ leads }) => leads.getLeads({ limit: 5 }) },
  { name: "getArchivedLeads", method: "GET", run: ({ leads }) => leads.getArchivedLeads({ limit: 5 }) },
  { name: "searchLeads", method: "GET", run: ({ leads }) => leads.searchLeads({ term: "for" }) },
  { name: "getLeadLabels", method: "GET", run: ({ labels }) => labels.getLeadLabels() },
  { name: "addLeadLabel", method: "POST", run: ({ labels }) => labels.addLeadLabel({ name: "Matrix", color: "green" }) },
  {
    name: "updateLeadLabel",
    method: "PATCH",
    run: ({ labels }, { labelId }) => labels.updateLeadLabel(labelId, { name: "Matrix" })
  },
  { name: "deleteLeadLabel", method: "DELETE", run: ({ labels }, { labelId }) => labels.deleteLeadLabel(labelId) },
  { name: "getLeadSources", method: "GET", run: ({ sources }) => sources.getLeadSources() },
  { name: "getLeadFields", method: "GET", run: ({ fields }) => fields.getLeadFields({ limit: 5 }) },
  { name: "searchLeadsV2", method: "GET", run: ({ search }) => search.searchLeadsV2({ term: "for", limit: 5 }) },
  {
    name: "convertLeadToDeal",
    method: "POST",
    run: ({ conversions }, { leadId }) => conversions.convertLeadToDeal(leadId)
  },
  {
    name: "getLeadConversionStatus",
    method: "GET",
    prepare: ({ conversions }, { leadId }) => failingConversion(conversions.convertLeadToDeal(leadId)),
    run: ({ conversions }, { leadId, prepared }) => conversions.getLeadConversionStatus(leadId, prepared)
  },
  {
    name: "convertDealToLead",
    method: "POST",
    run: ({ conversions }, { dealId }) => conversions.convertDealToLead(dealId)
  },
  {
    name: "getDealConversionStatus",
    method: "GET",
    prepare: ({ conversions }, { dealId }) => failingConversion(conversions.convertDealToLead(dealId)),
    run: ({ conversions }, { dealId, prepared }) => conversions.getDealConversionStatus(dealId, prepared)
  }
]

const expectedFor = (row: Row, column: Column): Outcome =>
  (column.method === "POST" ? row.expect.POST : column.method === "DELETE" ? row.expect.DELETE : undefined) ??
    row.expect.any

/** Small backoff and a short timeout keep the clock advance small; the rules do not depend on them. */
const client = { retry: { baseDelay: "100 millis" }, timeout: "2 seconds" } as const

interface Cell {
  readonly row: string
  readonly column: string
  readonly expected: string
  readonly actual: string
  readonly passed: boolean
}
const cells: Array<Cell> = []

const show = (outcome: Outcome, writes: number | undefined) =>
  `${outcome.result} ×${outcome.attempts}${writes === undefined ? "" : ` w${writes}`}`

describe("fault matrix: every endpoint × every fault kind", () => {
  for (const row of rows) {
    for (const column of columns) {
      it.effect(`${row.name} × ${column.name}`, () =>
        Effect.gen(function*() {
          const model = yield* PipedriveTest.PipedriveTest
          const all = yield* services
          const before = yield* model.leads
          const found = {
            leadId: before.find((lead) => !lead.is_archived)!.id,
            labelId: (yield* model.labels)[0]!.id,
            dealId: (yield* model.deals)[0]!.id
          }
          const target = { ...found, prepared: column.prepare === undefined ? "" : yield* column.prepare(all, found) }
          if (row.limits !== undefined) yield* model.setLimits(row.limits)
          yield* model.resetStats

          const fiber = yield* Effect.fork(Effect.either(column.run(all, target)))
          yield* TestClock.adjust("5 minutes")
          const result = yield* Fiber.join(fiber)

          const attempts = (yield* model.stats).byEndpoint[column.name] ?? 0
          const after = yield* model.leads
          const actual: Outcome = Either.isRight(result) ? ok(attempts) : fails(result.left._tag, attempts)
          const expected = expectedFor(row, column)
          // What the cell wrote: leads created by addLead, deleted by deleteLead.
          const writes = column.name === "addLead"
            ? { expected: row.created, actual: after.filter((lead) => lead.title === "Matrix lead").length }
            : column.name === "deleteLead"
            ? { expected: row.deleted, actual: before.length - after.length }
            : { expected: 0, actual: Math.abs(before.length - after.length) }
          const shownWrites = column.name === "addLead" || column.name === "deleteLead"
          // The error says how many attempts the client made: the same number the server saw.
          const clientAttempts = Either.isLeft(result) && "attempts" in result.left ? result.left.attempts : attempts

          const passed = actual.result === expected.result && actual.attempts === expected.attempts &&
            writes.actual === writes.expected && clientAttempts === attempts
          cells.push({
            row: row.name,
            column: column.name,
            expected: show(expected, shownWrites ? writes.expected : undefined),
            actual: show(actual, shownWrites ? writes.actual : undefined),
            passed
          })
          expect({ ...actual, writes: writes.actual, clientAttempts }).toEqual({
            ...expected,
            writes: writes.expected,
            clientAttempts: expected.attempts
          })
        }).pipe(
          Effect.provide(PipedriveTest.layer({
            leads: 12,
            seed: 3,
            faults: row.fault === undefined
              ? []
              : [{ fault: row.fault, endpoints: [column.name], when: Trigger.Next({ count: 1 }) }],
            client
          }))
        ))
    }
  }

  afterAll(() => {
    const passed = cells.filter((cell) => cell.passed).length
    const width = (texts: ReadonlyArray<string>) => Math.max(...texts.map((text) => text.length))
    const rowWidth = width(["fault \\ endpoint", ...rows.map((row) => row.name)])
    const columnWidths = columns.map((column) =>
      width([column.name, ...cells.filter((cell) => cell.column === column.name).map((cell) => `✓ ${cell.expected}`)])
    )
    const line = (first: string, rest: ReadonlyArray<string>) =>
      [first.padEnd(rowWidth), ...rest.map((text, i) => text.padEnd(columnWidths[i]!))].join(" | ")
    const table = [
      line("fault \\ endpoint", columns.map((column) => column.name)),
      line("-".repeat(rowWidth), columnWidths.map((w) => "-".repeat(w))),
      ...rows.map((row) =>
        line(
          row.name,
          columns.map((column) => {
            const cell = cells.find((c) => c.row === row.name && c.column === column.name)
            if (cell === undefined) return "(not run)"
            return cell.passed ? `✓ ${cell.actual}` : `✗ ${cell.actual} (expected ${cell.expected})`
          })
        )
      )
    ]
    console.log(
      [
        `Fault matrix: ${passed}/${rows.length * columns.length} cells passed`,
        "(ok = success; otherwise the error's tag; ×n = requests the server received; wN = leads created/deleted)",
        ...table
      ].join("\n")
    )
  })
})
