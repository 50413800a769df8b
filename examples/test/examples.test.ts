/**
 * Every example, exercised against a fake Pipedrive so none of them can rot: the programs
 * directly against the in-memory Pipedrive, the entry points as child processes against the
 * fake server on 127.0.0.1.
 */
import { type Lead, Leads, Pagination, TypedLeads } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { FakePipedriveServer } from "@effect-pipedrive/node-runtime"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option, TestClock } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { compose, composeReadOnly } from "../src/compose.js"
import { qualify } from "../src/domain.js"
import { LeadFields } from "../src/fakeFields.js"
import { overFakeServer } from "../src/internal/target.js"
import { lines, run, start } from "./support/child.js"

const { Fault, Trigger } = PipedriveTest

/** A temporary directory, removed with the scope. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-pipedrive-examples-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** The environment that points the examples at a fake server. */
const envFor = (server: FakePipedriveServer.Running) => ({
  PIPEDRIVE_API_TOKEN: server.token,
  PIPEDRIVE_BASE_URL: server.url
})

const readNdjson = (file: string): Array<Lead.Lead> => {
  const text = Fs.readFileSync(file, "utf8")
  expect(text === "" || text.endsWith("\n")).toBe(true)
  return lines(text).map((line) => JSON.parse(line) as Lead.Lead)
}

const notArchived = (leads: ReadonlyArray<Lead.Lead>) => leads.filter((lead) => !lead.is_archived)

const composeSteps = [
  "organization",
  "create",
  "search",
  "update",
  "permitted users",
  "archive",
  "archived list",
  "delete",
  "check"
]

describe("compose", () => {
  it.effect("lives a lead's whole life in an in-memory Pipedrive and leaves the store as it was", () =>
    Effect.gen(function*() {
      // After the seeded leads (2023–2024), as a lead created today would be.
      yield* TestClock.setTime(Date.UTC(2025, 5, 1))
      const model = yield* PipedriveTest.PipedriveTest
      const before = yield* model.leads
      const report = yield* compose()

      expect(report.steps.map((step) => step.name)).toEqual(composeSteps)
      const result = (name: string) => report.steps.find((step) => step.name === name)?.result
      expect(result("update")).toBe("value 5,000 EUR → 12,500 EUR")
      expect(result("search")).toMatch(/^found by its exact title/)
      expect(result("archived list")).toMatch(/^found in GET \/leads\/archived, #1 /)
      expect(result("delete")).toMatch(/^deleted/)
      expect(result("check")).toMatch(/404/)

      expect(yield* model.lead(report.leadId)).toEqual(Option.none())
      expect(yield* model.leads).toEqual(before)
      const stats = yield* model.stats
      expect(stats.byEndpoint).toMatchObject({
        addLead: 1,
        searchLeads: 1,
        updateLead: 2,
        getLeadUsers: 1,
        getArchivedLeads: 1,
        deleteLead: 1,
        getLead: 1
      })
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 60 }))))

  it.effect("creates the lead for the organization it is given", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const report = yield* compose({ organizationId: 42 })
      expect(report.steps[0]?.name).toBe("create")
      expect(report.steps[0]?.result).toMatch(/for organization 42,/)
      // No lead was read to find an organization.
      expect((yield* model.stats).byEndpoint.getLeads).toBeUndefined()
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 5 }))))

  it.effect("deletes the lead it created when a later step fails, and fails with the step's error", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const before = yield* model.leads
      const error = yield* Effect.flip(compose())
      expect(error._tag).toBe("ServerError")
      const stats = yield* model.stats
      expect(stats.byEndpoint).toMatchObject({ addLead: 1, getLeadUsers: 1, deleteLead: 1 })
      expect(yield* model.leads).toEqual(before)
    }).pipe(Effect.provide(PipedriveTest.layer({
      leads: 20,
      faults: [{ fault: Fault.ServerError({ status: 500 }), endpoints: ["getLeadUsers"] }],
      client: { retry: false }
    }))))

  it.effect("fails with NoOrganization when no lead names one", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.PipedriveTest
      const error = yield* Effect.flip(compose())
      expect(error._tag).toBe("NoOrganization")
      expect((yield* model.stats).byEndpoint.addLead).toBeUndefined()
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 0 }))))

  it.scopedLive("read-only, over real sockets, writes nothing", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 40 })
      const before = yield* server.model.leads
      const report = yield* Effect.provide(composeReadOnly(), overFakeServer(server))
      expect(report.steps.map((step) => step.name)).toEqual([
        "first lead",
        "read",
        "search",
        "permitted users",
        "archived list"
      ])
      expect(report.leadId).toBe(notArchived(before)[0]?.id)
      expect(report.steps[2]?.result).toMatch(/itself among them/)
      const { byEndpoint } = yield* server.model.stats
      expect(Object.keys(byEndpoint).sort()).toEqual(
        ["getArchivedLeads", "getLead", "getLeadUsers", "getLeads", "searchLeads"]
      )
      expect(yield* server.model.leads).toEqual(before)
    }))

  it.scopedLive("as a command, against the Pipedrive in the environment", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 30 })
      const before = yield* server.model.leads
      const done = yield* run("compose", [], envFor(server))
      expect(done.stderr).toBe("")
      expect(done.code).toBe(0)
      const id = /^lead ([0-9a-f-]{36})$/m.exec(done.stdout)?.[1]
      expect(id).toBeDefined()
      for (const step of composeSteps) expect(done.stdout).toContain(`  ${step} `)
      expect(yield* server.model.lead(id!)).toEqual(Option.none())
      expect(yield* server.model.leads).toEqual(before)
    }))

  it.live("as a command, explains a missing configuration", () =>
    Effect.gen(function*() {
      const done = yield* run("compose")
      expect(done.code).toBe(1)
      expect(done.stderr).toMatch(/Pipedrive is not configured/)
      expect(done.stderr).toMatch(/PIPEDRIVE_API_TOKEN/)
    }))
})

describe("export", () => {
  it.scopedLive("writes every lead, in order, one JSON object per line, with progress on stderr", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 1200 })
      const out = Path.join(yield* tempDir, "leads.ndjson")
      const done = yield* run("export", ["--out", out, "--page-size", "100", "--progress-every", "3"], envFor(server))
      expect(done.code).toBe(0)
      expect(done.stdout).toBe("")

      const expected = notArchived(yield* server.model.leads)
      const written = readNdjson(out)
      expect(written.map((lead) => lead.id)).toEqual(expected.map((lead) => lead.id))
      expect(written).toEqual(expected)

      const pages = Math.ceil(expected.length / 100)
      // One request per page, and at most K − 1 requested ahead past the last one.
      const requested = (yield* server.model.stats).byEndpoint.getLeads
      expect(requested).toBeGreaterThanOrEqual(pages)
      expect(requested).toBeLessThanOrEqual(pages + Pagination.defaultConcurrency - 1)
      const progress = lines(done.stderr).filter((line) => / leads · \d+ pages? · /.test(line))
      expect(progress.length).toBe(Math.floor(pages / 3))
      expect(progress[0]).toMatch(
        /^300 leads · 3 pages · [\d,]+ leads\/s · window \d+\/100 left · daily [\d,]+ tokens left$/
      )
      expect(lines(done.stderr).slice(-2)).toEqual([
        expect.stringMatching(
          new RegExp(`^exported ${expected.length.toLocaleString("en-US")} leads in ${pages} pages to ${out} `)
        ),
        expect.stringMatching(/^next incremental export: --since \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
      ])
    }))

  it.scopedLive("--since exports only what changed since; --include-archived adds the archived leads; stdout", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 800 })
      const all = yield* server.model.leads
      const times = all.map((lead) => Date.parse(lead.update_time!)).sort((a, b) => a - b)
      const since = new Date(Math.floor(times[Math.floor(times.length / 2)]! / 1000) * 1000).toISOString()
      const changed = (lead: Lead.Lead) => Date.parse(lead.update_time!) >= Date.parse(since)

      const done = yield* run("export", ["--since", since, "--include-archived"], envFor(server))
      expect(done.code).toBe(0)
      const written = lines(done.stdout).map((line) => JSON.parse(line) as Lead.Lead)
      const expected = [
        ...all.filter((lead) => !lead.is_archived && changed(lead)),
        ...all.filter((lead) => lead.is_archived && changed(lead))
      ]
      expect(expected.length).toBeGreaterThan(300)
      expect(expected.length).toBeLessThan(all.length)
      expect(written.map((lead) => lead.id)).toEqual(expected.map((lead) => lead.id))
      expect(done.stderr).toMatch(/^exported [\d,]+ leads in \d+ pages? to stdout /m)
    }))

  it.scopedLive("incremental sync: the --since it prints brings exactly what changed afterwards", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 300 })
      const first = yield* run("export", ["--out", Path.join(yield* tempDir, "full.ndjson")], envFor(server))
      expect(first.code).toBe(0)
      const since = /^next incremental export: --since (\S+)$/m.exec(first.stderr)?.[1]
      expect(since).toBeDefined()

      const [a, b] = notArchived(yield* server.model.leads).slice(10, 12)
      const changed = yield* Effect.gen(function*() {
        const leads = yield* Leads.Leads
        return [
          yield* leads.updateLead(a!.id, { title: "Renamed after the export" }),
          yield* leads.updateLead(b!.id, { value: { amount: 1, currency: "EUR" } })
        ]
      }).pipe(Effect.provide(overFakeServer(server)))

      const next = yield* run("export", ["--since", since!], envFor(server))
      expect(next.code).toBe(0)
      expect(lines(next.stdout).map((line) => JSON.parse(line) as Lead.Lead)).toEqual(changed)
    }))

  it.scopedLive("Ctrl-C stops it between pages: the file holds whole lines only, and says so", () =>
    Effect.gen(function*() {
      // Two pages come back at once; the third request never does, so only Ctrl-C can end it.
      const server = yield* FakePipedriveServer.make({
        leads: 1000,
        faults: [{
          fault: Fault.Latency({ millis: 600_000 }),
          endpoints: ["getLeads"],
          when: Trigger.EveryNth({ n: 3 })
        }]
      })
      const out = Path.join(yield* tempDir, "leads.ndjson")
      const child = yield* start("export", ["--out", out, "--page-size", "50", "--progress-every", "1"], envFor(server))
      yield* child.waitFor("stderr", /^100 leads · 2 pages · /m)
      child.process.kill("SIGINT")
      const done = yield* child.finished

      expect(done.code).toBe(130)
      expect(lines(done.stderr).at(-1)).toBe(`interrupted: 100 leads in 2 pages written to ${out}, every line complete`)
      const written = readNdjson(out)
      expect(written).toEqual(notArchived(yield* server.model.leads).slice(0, 100))
      // The two pages written, the third that never came back, and at most K − 1 ahead of it.
      const requested = (yield* server.model.stats).byEndpoint.getLeads
      expect(requested).toBeGreaterThanOrEqual(3)
      expect(requested).toBeLessThanOrEqual(3 + Pagination.defaultConcurrency - 1)
    }))

  it.scopedLive("a spent daily budget stops it with what was written intact, and advice", () =>
    Effect.gen(function*() {
      // 70 tokens: three pages at 20 each, then the client knows the fourth cannot be paid for.
      const server = yield* FakePipedriveServer.make({ leads: 1000, limits: { dailyTokens: 70 } })
      const out = Path.join(yield* tempDir, "leads.ndjson")
      const done = yield* run("export", ["--out", out, "--page-size", "50"], envFor(server))
      expect(done.code).toBe(1)
      expect(done.stderr).toContain(`stopped by an error: 150 leads in 3 pages written to ${out}, every line complete`)
      expect(done.stderr).toMatch(/daily API token budget exhausted \(10 tokens left, 20 needed\)/)
      expect(done.stderr).toMatch(/export --since later to catch up/)
      expect(readNdjson(out)).toEqual(notArchived(yield* server.model.leads).slice(0, 150))
      // Three pages paid for; a page requested ahead before the third's answer told the client
      // what was left may reach the server too (it refuses it) — how many depends on timing.
      const requested = (yield* server.model.stats).byEndpoint.getLeads
      expect(requested).toBeGreaterThanOrEqual(3)
      expect(requested).toBeLessThanOrEqual(3 + Pagination.defaultConcurrency - 1)
    }))

  it.live("rejects a bad flag with the usage line", () =>
    Effect.gen(function*() {
      const done = yield* run("export", ["--page-size", "0"], {
        PIPEDRIVE_API_TOKEN: "t",
        PIPEDRIVE_COMPANY_DOMAIN: "acme"
      })
      expect(done.code).toBe(2)
      expect(done.stderr).toMatch(/--page-size must be a whole number of at least 1/)
      expect(done.stderr).toMatch(/^usage: export /m)
    }))
})

describe("budget", () => {
  it.live("prints the rate-limit state after every call", () =>
    Effect.gen(function*() {
      const done = yield* run("budget", ["--calls", "6", "--leads", "20"])
      expect(done.code).toBe(0)
      const rows = lines(done.stdout).filter((line) => /^\s+\d+ \w+/.test(line))
      expect(rows.map((row) => row.trim().split(/\s+/)[1])).toEqual([
        "getLeads",
        "getLead",
        "getLeadUsers",
        "searchLeads",
        "getLeads",
        "getLead"
      ])
      // 600 tokens, less 20 for the first look, then each call's cost.
      const daily = rows.map((row) => row.trim().split(/\s+/).at(-1))
      expect(daily).toEqual(["560/600", "558/600", "548/600", "508/600", "488/600", "486/600"])
      expect(done.stdout).toMatch(/^6 of 6 calls made$/m)
    }))

  it.live("stops, handled by tag, when the daily budget is spent", () =>
    Effect.gen(function*() {
      const done = yield* run("budget", ["--calls", "30", "--leads", "20", "--daily-tokens", "100"])
      expect(done.code).toBe(0)
      // 100 − 20 − 20 − 2 − 10 − 40 leaves 8: the next getLeads (20) is never sent.
      expect(done.stdout).toMatch(
        /call 5 \(getLeads, 20 tokens\) not sent: the client knows the daily budget is spent \(8 tokens left\)/
      )
      expect(done.stdout).toMatch(/^4 of 30 calls made$/m)
    }))
})

describe("testing", () => {
  it.live("archives the stale leads of an in-memory Pipedrive", () =>
    Effect.gen(function*() {
      const done = yield* run("testing", ["--leads", "50", "--days", "180"])
      expect(done.code).toBe(0)
      const counts = /: (\d+) leads scanned, (\d+) not updated in 180 days, (\d+) archived/.exec(done.stdout)
      expect(counts).not.toBeNull()
      const [, scanned, stale, archived] = counts!.map(Number)
      expect(scanned).toBe(notArchived(PipedriveTest.generateLeads(50)).length)
      expect(stale).toBeGreaterThan(0)
      expect(archived).toBe(stale)
    }))
})

describe("demo", () => {
  const summaryValue = (stdout: string, label: string) => new RegExp(`^  ${label} +(.+)$`, "m").exec(stdout)?.[1]

  it.scopedLive("runs compose and the export against its own fake Pipedrive and sums it up", () =>
    Effect.gen(function*() {
      const out = Path.join(yield* tempDir, "demo.ndjson")
      const done = yield* run("demo", ["--leads", "400", "--out", out])
      expect(done.code).toBe(0)
      expect(done.stdout).toMatch(
        /^effect-pipedrive demo — fake Pipedrive at http:\/\/127\.0\.0\.1:\d+\/api\/v1 with 400 leads/
      )
      for (const step of composeSteps) expect(done.stdout).toMatch(new RegExp(`^  ${step} `, "m"))

      const expected = notArchived(PipedriveTest.generateLeads(400))
      expect(summaryValue(done.stdout, "leads exported")).toBe(expected.length.toLocaleString("en-US"))
      expect(summaryValue(done.stdout, "pages")).toBe("1")
      expect(readNdjson(out).map((lead) => lead.id)).toEqual(expected.map((lead) => lead.id))
      expect(summaryValue(done.stdout, "429s")).toBe("0")
      const seen = /^(\d+) \(/.exec(summaryValue(done.stdout, "requests") ?? "")?.[1]
      expect(seen).toBeDefined()
      expect(summaryValue(done.stdout, "requests sent")).toBe(seen)
    }))

  it.scopedLive("against a Pipedrive from the environment it only reads, unless --write", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 120 })
      const before = yield* server.model.leads
      const dir = yield* tempDir
      const readOnly = yield* run("demo", ["--out", Path.join(dir, "a.ndjson")], envFor(server))
      expect(readOnly.code).toBe(0)
      expect(readOnly.stdout).toMatch(/read-only \(--write runs compose's writes\)/)
      expect(readOnly.stdout).toMatch(/^  first lead +lead /m)
      const reads = (yield* server.model.stats).byEndpoint
      expect([reads.addLead, reads.updateLead, reads.deleteLead]).toEqual([undefined, undefined, undefined])
      expect(yield* server.model.leads).toEqual(before)
      expect(readNdjson(Path.join(dir, "a.ndjson")).length).toBe(notArchived(before).length)

      const written = yield* run("demo", ["--out", Path.join(dir, "b.ndjson"), "--write"], envFor(server))
      expect(written.code).toBe(0)
      expect((yield* server.model.stats).byEndpoint).toMatchObject({ addLead: 1, updateLead: 2, deleteLead: 1 })
      expect(yield* server.model.leads).toEqual(before)
    }))
})

describe("oauth", () => {
  it.live("authorizes through a local callback server, then exports across several token expiries", () =>
    Effect.gen(function*() {
      const done = yield* run("oauth", ["--leads", "1500", "--ttl-seconds", "1"])
      expect(done.stderr).toBe("")
      expect(done.code).toBe(0)
      expect(done.stdout).toContain("browser shows: Installed")
      const [, refreshes] = /: (\d+) refreshes, (\d+) calls answered 401/.exec(done.stdout) ?? []
      // 15 pages of 100 ms with 1-second tokens, refreshed half a second early: at least one
      // refresh, and every lead exported (the exit code). Not "no 401": that holds only while
      // the token's answer and each request take less than the half second between them,
      // which a machine whose cores are busy does not promise; a 401 is refreshed and retried.
      // The client's TestClock tests hold it to refreshing ahead.
      expect(Number(refreshes)).toBeGreaterThanOrEqual(1)
      // The secret never reaches the output.
      expect(done.stdout).not.toContain("pipedrive-test-secret")
    }))
})

describe("csv", () => {
  it.scopedLive("every lead as a CSV row: a header of field names, typed values and label names from the raw keys", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 600 })
      const out = Path.join(yield* tempDir, "leads.csv")
      const done = yield* run("csv", ["--out", out], envFor(server))
      expect(done.code).toBe(0)
      const rows = lines(Fs.readFileSync(out, "utf8"))
      const expected = notArchived(yield* server.model.leads)
      expect(rows[0]).toBe(
        "id,title,labels,Industry,Budget,Employees,Next review,Referrer,Customer type,Interests,Account manager"
      )
      expect(rows.length - 1).toBe(expected.length)
      expect(done.stderr).toContain(`${expected.length} leads written to ${out}`)

      // The oracle: the raw keys of each lead, read with the model's own field definitions.
      const { budget, customerType, industry, interests } = PipedriveTest.customFields
      const label = (id: string) => PipedriveTest.labels.find((l) => l.id === id)?.name
      const option = (options: ReadonlyArray<{ readonly id: number; readonly label: string }>, id: string) =>
        options.find((o) => String(o.id) === id)?.label
      let checked = 0
      for (const [i, lead] of expected.entries()) {
        const cells = rows[i + 1]!
        expect(cells.startsWith(`${lead.id},`)).toBe(true)
        const expectedCells = [
          lead.id,
          /[",]/.test(lead.title) ? `"${lead.title.replaceAll("\"", "\"\"")}"` : lead.title,
          (lead.label_ids ?? []).map(label).join("; "),
          (lead[industry.key] as string | undefined) ?? "",
          lead[budget.key] === undefined ? "" : `${lead[budget.key]} ${lead[`${budget.key}_currency`]}`
        ]
        expect(cells.startsWith(expectedCells.join(","))).toBe(true)
        const type = lead[customerType.key] as string | undefined
        if (type !== undefined) expect(cells).toContain(`,${option(customerType.options, type)},`)
        const set = lead[interests.key] as string | undefined
        if (set !== undefined && set !== "") {
          expect(cells).toContain(set.split(",").map((id) => option(interests.options, id)).join("; "))
          checked++
        }
      }
      expect(checked).toBeGreaterThan(0)
    }))
})

describe("the generated declaration (examples/src/fakeFields.ts)", () => {
  it.effect("reads and writes the fake's leads typed: a read–modify–write changes one field and nothing else", () =>
    Effect.gen(function*() {
      const leads = yield* TypedLeads.make(LeadFields)
      const model = yield* PipedriveTest.PipedriveTest
      const { customerType, interests } = PipedriveTest.customFields
      const lead = (yield* leads.getLeads({ limit: 500 })).items.find((l) => l[customerType.key] !== undefined)!
      const before = Option.getOrThrow(yield* model.lead(lead.id))
      expect(lead.fields.customerType).toBe(customerType.options.find((o) => String(o.id) === before[customerType.key])?.label)

      const updated = yield* leads.updateLead(lead.id, { fields: { interests: ["Training", "Hardware"] } })
      expect(updated.fields.interests).toEqual(["Training", "Hardware"])
      const after = Option.getOrThrow(yield* model.lead(lead.id))
      const { [interests.key]: changed, update_time: _t, ...rest } = after
      const { [interests.key]: _was, update_time: _u, ...restBefore } = before
      expect(changed).toBe("204,201")
      expect(rest).toEqual(restBefore)
      // One read of the fields and of the labels for the whole test.
      const stats = yield* model.stats
      expect([stats.byEndpoint.getLeadFields, stats.byEndpoint.getLeadLabels]).toEqual([1, 1])
    }).pipe(Effect.provide(PipedriveTest.layer({ leads: 300 }))))
})

describe("domain", () => {
  it.scopedLive("labels, sources, a new label on a lead, then the lead converted to a deal, over real sockets", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 20 })
      const labelsBefore = yield* server.model.labels
      const report = yield* Effect.provide(qualify("Qualified"), overFakeServer(server))

      expect(report.labels).toEqual(labelsBefore.map((label) => label.name))
      expect(report.sources).toContain("API")
      const labels = yield* server.model.labels
      expect(labels.map((label) => label.id)).toEqual([...labelsBefore.map((label) => label.id), report.label.id])
      expect(report.label).toMatchObject({ name: "Qualified", color: "green" })
      expect(report.lead.label_ids).toContain(report.label.id)

      expect(Either.isRight(report.outcome)).toBe(true)
      const dealId = Either.getOrThrow(report.outcome)
      expect(yield* server.model.lead(report.lead.id)).toEqual(Option.none())
      const deal = (yield* server.model.deals).find((d) => d.id === dealId)
      expect(deal).toMatchObject({ title: report.lead.title, lead_id: report.lead.id })
      const stats = yield* server.model.stats
      expect(stats.byEndpoint).toMatchObject({
        getLeadLabels: 1,
        getLeadSources: 1,
        addLeadLabel: 1,
        getLeads: 1,
        updateLead: 1,
        convertLeadToDeal: 1
      })
      expect(stats.byEndpoint.getLeadConversionStatus).toBeGreaterThanOrEqual(1)
    }))

  it.live("as a command: prints the labels, the sources, the new label and the deal it created", () =>
    Effect.gen(function*() {
      const done = yield* run("domain", ["--leads", "20", "--label", "Hot lead"])
      expect(done.code).toBe(0)
      expect(done.stdout).toMatch(/^labels: \S/m)
      expect(done.stdout).toMatch(/^sources: .*\bAPI\b/m)
      expect(done.stdout).toMatch(/^created label "Hot lead" \(green\) [0-9a-f-]{36}$/m)
      const lead = /^tagged lead ([0-9a-f-]{36}) /m.exec(done.stdout)?.[1]
      expect(lead).toBeDefined()
      expect(done.stdout).toMatch(new RegExp(`^deal \\d+ created from lead ${lead}$`, "m"))
    }))

  it.live("a rejected conversion is handled by its tag and printed, not a crash", () =>
    Effect.gen(function*() {
      const done = yield* run("domain", ["--leads", "20", "--outcome", "rejected"])
      expect(done.code).toBe(0)
      expect(done.stdout).toMatch(/^not converted: lead [0-9a-f-]{36}, conversion [0-9a-f-]{36}: the conversion was rejected$/m)
      expect(done.stdout).not.toMatch(/^deal /m)
    }))
})
