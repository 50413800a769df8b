/**
 * CSV: every lead with named, typed custom fields — a header of field names, one row a lead,
 * labels by name — instead of 40-hex keys and option ids. The declaration is the module
 * `pnpm pipedrive-fields --fake` printed for the fake Pipedrive (it prints one for any account).
 *
 *   pnpm csv [--out leads.csv]
 *
 * Runs against the Pipedrive in the environment (PIPEDRIVE_API_TOKEN and
 * PIPEDRIVE_COMPANY_DOMAIN, or PIPEDRIVE_BASE_URL for the fake server). A declared name the
 * account does not have stops it before any lead is read, naming the closest fields.
 */
import { Pagination, TypedLeads } from "@effect-pipedrive/core"
import { PipedriveNode } from "@effect-pipedrive/node-runtime"
import { ConfigError, Console, Effect, Stream } from "effect"
import * as Fs from "node:fs"
import { isMain, parseFlags, runMain } from "./internal/cli.js"
import { LeadFields } from "./fakeFields.js"
import { configFailure } from "./internal/target.js"

/** The fields the export names: the fake Pipedrive's, as `pnpm pipedrive-fields --fake` printed them. */
const DemoFields = LeadFields

type Row = TypedLeads.TypedLead<typeof DemoFields>

/** A cell: quoted when it holds a comma, a quote or a line break. */
const cell = (value: string): string => /[",\r\n]/.test(value) ? `"${value.replaceAll("\"", "\"\"")}"` : value

const text = (value: unknown): string => {
  if (value === null || value === undefined) return ""
  if (Array.isArray(value)) return value.join("; ")
  if (typeof value === "object" && "amount" in value && "currency" in value) return `${value.amount} ${value.currency}`
  return String(value)
}

/** The header: the lead's own columns, then each declared field by its name in Pipedrive. */
export const header: string = ["id", "title", "labels", ...Object.values(DemoFields).map((field) => field.name)]
  .map(cell)
  .join(",")

/** One lead as a CSV line. */
export const row = (lead: Row): string =>
  [lead.id, lead.title, lead.labels.join("; "), ...Object.keys(DemoFields).map((name) => text(lead.fields[name as keyof typeof DemoFields]))]
    .map(cell)
    .join(",")

/** Every lead that is not archived, as CSV lines after the header. */
export const csvLines = Effect.map(TypedLeads.make(DemoFields), (leads) =>
  Stream.concat(Stream.make(header), Stream.map(leads.streamLeads(), row)))

const usage = "usage: csv [--out FILE]"

const main = Effect.gen(function*() {
  const values = yield* parseFlags({ out: { type: "string" } }, usage)
  const fd = values.out === undefined
    ? 1
    : yield* Effect.acquireRelease(Effect.sync(() => Fs.openSync(values.out!, "w")), (fd) => Effect.sync(() => Fs.closeSync(fd)))
  let rows = -1
  // A page at a time: memory stays flat however many leads there are.
  yield* Pagination.forEachPage(yield* csvLines, (lines) =>
    Effect.sync(() => {
      rows += lines.length
      Fs.writeSync(fd, [...lines].join("\n") + "\n")
    }))
  yield* Console.error(`${rows} leads written to ${values.out ?? "stdout"}`)
}).pipe(
  Effect.scoped,
  Effect.provide(PipedriveNode.layerConfig()),
  Effect.catchIf(ConfigError.isConfigError, (error) => Effect.fail(configFailure(error)))
)

if (isMain(import.meta.url)) runMain(main)
