import type { ClientResult } from "../lib/protocol.js"
import { runClient } from "../lib/process.js"
import type { Check, ScenarioReport } from "../lib/report.js"
import { type Server, withServer } from "../lib/server.js"
import { alternate, median, ratioWithinRounds } from "../lib/stats.js"
import { type Context, noServerLimits, seededFor } from "./context.js"

const timeoutMs = 600_000
const pageSize = 500

/** The walking clients; `args` are added to the common ones. */
export const walkers = {
  effect: { name: "effect-walk", args: [], label: "a streamLeads, default K (Schema, PipedriveNode)" },
  sequential: { name: "effect-walk", args: ["--concurrency", "1"], label: "a1 streamLeads, concurrency: 1" },
  sequentialSink: {
    name: "effect-walk",
    args: ["--concurrency", "1", "--consumer", "sink"],
    label: "a1-sink the same, consumed with Stream.runForEachChunk"
  },
  sequentialTyped: {
    name: "effect-walk",
    args: ["--concurrency", "1", "--typed"],
    label: "a1-typed the same over TypedLeads (three custom fields and the labels by name)"
  },
  fetch: { name: "fetch-walk", args: [], label: "b fetch + JSON.parse loop" },
  sdk: { name: "sdk-walk", args: [], label: "c pipedrive SDK v1 getLeads loop" },
  platform: { name: "platform-walk", args: [], label: "d floor: bare @effect/platform loop" },
  undici: { name: "layers-walk", args: ["--layer", "undici"], label: "undici.request + JSON.parse, no Effect" },
  undiciPieces: { name: "layers-walk", args: ["--layer", "undici-pieces"], label: "the body's chunks parsed in pieces (ResponseBody.parseJson)" },
  effectUndici: { name: "layers-walk", args: ["--layer", "effect-undici"], label: "+ each request an Effect.async" },
  transport: { name: "layers-walk", args: ["--layer", "transport"], label: "+ UndiciHttpClient, a scope per request, its body reader" },
  getLeads: { name: "layers-walk", args: ["--layer", "get-leads"], label: "+ the policies, interpreter, validation (getLeads loop)" }
} as const

type Walker = keyof typeof walkers

/** One run, with the requests the server received during it (runs never overlap). */
interface Run extends ClientResult {
  readonly requests: number
  readonly rateLimited: number
}

const leadsPerSecond = (result: ClientResult) => result.items / (result.elapsedMs / 1000)

/** Runs `walker` once against `server`, walking `leads` leads; counts what the server saw. */
export const walkOnce = (
  context: Context,
  server: Server,
  walker: Walker,
  leads: number,
  extra: ReadonlyArray<string> = []
) =>
async (): Promise<Run> => {
  const { args, name } = walkers[walker]
  const before = await server.stats()
  const result = await runClient(context.runtime, name, [
    "--url", server.url, "--token", server.token, "--leads", String(leads), "--limit", String(pageSize),
    ...args, ...extra
  ], timeoutMs)
  const after = await server.stats()
  if (result.items !== leads) throw new Error(`${walker} walked ${result.items} leads, expected ${leads}`)
  return { ...result, requests: after.requests - before.requests, rateLimited: after.rateLimited - before.rateLimited }
}

/** What a throughput scenario measures and the targets it checks. */
export interface WalkScenario {
  readonly id: string
  readonly title: string
  readonly latencyMs: number
  readonly leads: keyof typeof seededFor
  readonly walkers: ReadonlyArray<Walker>
  /** Minimum of `a / <walker>` leads/s, within each round. */
  readonly targets: Partial<Record<Walker, number>>
  /** Also check client CPU per lead of `a1` against `b`, and the request counts. */
  readonly cpuAndRequests: boolean
  /** Also give every other walker's client CPU per lead as a multiple of this one's, within each round. */
  readonly cpuAgainst?: Walker
}

/** Leads per second walking `leads` leads at limit 500, no rate limit anywhere; `latencyMs` on every request. */
export const measure = (context: Context, scenario: WalkScenario): Promise<ScenarioReport> =>
  withServer(context.runtime, [
    "--leads", String(seededFor[scenario.leads]), "--seed", "1", ...noServerLimits,
    ...(scenario.latencyMs > 0 ? ["--latency-ms", String(scenario.latencyMs)] : [])
  ], async (server) => {
    const tag = `scenario ${scenario.id}`
    context.log(`${tag}: warm-up round (not counted)`)
    for (const walker of scenario.walkers) await walkOnce(context, server, walker, scenario.leads)()
    const results = await alternate(
      context.rounds,
      scenario.walkers.map((walker) => ({ key: walker, run: walkOnce(context, server, walker, scenario.leads) })),
      (key, round, result) => context.log(`${tag} ${key} round ${round + 1}: ${leadsPerSecond(result).toFixed(0)} leads/s`)
    )
    const rate = (key: Walker) => results[key]!.map(leadsPerSecond)
    const cpuPerLead = (key: Walker) => results[key]!.map((r) => r.cpuMicros / r.items)
    const pages = scenario.leads / pageSize
    const checks: Array<Check> = Object.entries(scenario.targets).map(([walker, target]) => {
      const ratio = ratioWithinRounds(rate("effect"), rate(walker as Walker))
      return { label: `a / ${walker} leads/s (within each round)`, value: ratio.median, target: { op: ">=", value: target }, perRound: ratio.perRound }
    })
    checks.push({
      label: "429s seen by the server",
      value: Object.values(results).flat().reduce((sum, r) => sum + r.rateLimited, 0),
      target: { op: "<=", value: 0 }
    })
    const against = scenario.cpuAgainst
    if (against !== undefined) {
      for (const walker of scenario.walkers.filter((walker) => walker !== against)) {
        const ratio = ratioWithinRounds(cpuPerLead(walker), cpuPerLead(against))
        checks.push({ label: `${walker}: client CPU per lead / ${against}'s`, value: ratio.median, perRound: ratio.perRound })
      }
    }
    if (scenario.cpuAndRequests) {
      const cpu = ratioWithinRounds(cpuPerLead("sequential"), cpuPerLead("fetch"))
      checks.push({ label: "client CPU per lead: a1 / b", value: cpu.median, target: { op: "<=", value: 1.1 }, perRound: cpu.perRound })
      const past = results["effect"]!.map((r) => r.requests - pages)
      checks.push({
        label: `a: requests past the end of a ${pages}-page walk (worst run)`,
        value: Math.max(...past),
        target: { op: "<=", value: 3 },
        perRound: past
      })
      const first = await walkOnce(context, server, "effect", 1)()
      checks.push({ label: "a: requests for Stream.take(1)", value: first.requests, target: { op: "<=", value: 1 } })
    }
    return {
      id: scenario.id,
      title: scenario.title,
      setup: `fake server in its own process (${seededFor[scenario.leads]} seeded, ${scenario.leads.toLocaleString("en-US")} listed, ${pages} pages of ${pageSize}), ${scenario.latencyMs} ms added to every request; each client in its own process`,
      rows: [
        ...scenario.walkers.map((walker) => ({
          label: walkers[walker].label,
          unit: "leads/s",
          median: median(rate(walker)),
          runs: rate(walker)
        })),
        ...scenario.walkers.map((walker) => ({
          label: `${walker}: client CPU per lead`,
          unit: "µs",
          median: median(cpuPerLead(walker)),
          runs: cpuPerLead(walker)
        }))
      ],
      checks,
      notes: [
        "client CPU is user + system time of the client process over the walk (all its threads: GC helpers included)",
        ...(scenario.walkers.includes("effect")
          ? ["a runs with the default K (what the limiter has room for, at most 4; no limit here, so 4); a1 walks one page at a time"]
          : []),
        "a and a1 consume each page with Pagination.forEachPage, as the README recommends",
        ...(scenario.walkers.includes("sequentialSink")
          ? ["a1-sink carries no target: a1 consumed with Stream.runForEachChunk, whose sink keeps each page long enough to be promoted"]
          : []),
        ...(scenario.walkers.includes("sequentialTyped")
          ? ["a1-typed carries no target: a1 over TypedLeads, each lead given its declared custom fields and its labels by name (one more object per lead)"]
          : []),
        ...(scenario.walkers.includes("platform")
          ? ["d carries no target: the same walk written directly on @effect/platform's HttpClient over undici, JSON only, no validation, no policies, no stream"]
          : [])
      ]
    }
  })

/** 1. Leads per second walking 100,000 leads at limit 500, no latency, no rate limit. */
export const run = (context: Context): Promise<ScenarioReport> =>
  measure(context, {
    id: "1",
    title: "Throughput: leads/s walking 100,000 leads at limit 500, no added latency, no rate limit",
    latencyMs: 0,
    leads: 100_000,
    walkers: ["effect", "sequential", "sequentialSink", "fetch", "sdk", "platform"],
    targets: { fetch: 1.2, sdk: 1.3 },
    cpuAndRequests: true
  })
