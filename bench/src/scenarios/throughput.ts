import type { ClientResult } from "../lib/protocol.js"
import { runClient } from "../lib/process.js"
import type { ScenarioReport } from "../lib/report.js"
import { withServer } from "../lib/server.js"
import { alternate, median, ratioWithinRounds } from "../lib/stats.js"
import { type Context, noServerLimits, seededFor } from "./context.js"

const leads = 100_000
const timeoutMs = 180_000

const clients = [
  { key: "effect", name: "effect-walk", label: "a streamLeads (Schema, PipedriveNode)" },
  { key: "fetch", name: "fetch-walk", label: "b fetch + JSON.parse loop" },
  { key: "sdk", name: "sdk-walk", label: "c pipedrive SDK v1 getLeads loop" },
  { key: "platform", name: "platform-walk", label: "d floor: bare @effect/platform loop" }
] as const

const leadsPerSecond = (result: ClientResult) => result.items / (result.elapsedMs / 1000)

/** 1. Leads per second walking 100,000 leads at limit 500, no rate limit anywhere. */
export const run = (context: Context): Promise<ScenarioReport> =>
  withServer(context.runtime, ["--leads", String(seededFor[leads]), "--seed", "1", ...noServerLimits], async (server) => {
    const args = ["--url", server.url, "--token", server.token, "--leads", String(leads), "--limit", "500"]
    const once = (name: string) => async () => {
      const result = await runClient(context.runtime, name, args, timeoutMs)
      if (result.items !== leads) throw new Error(`${name} walked ${result.items} leads, expected ${leads}`)
      return result
    }
    context.log("throughput: warm-up round (not counted)")
    for (const client of clients) await once(client.name)()
    const before = await server.stats()
    const results = await alternate(
      context.rounds,
      clients.map((client) => ({ key: client.key, run: once(client.name) })),
      (key, round, result) => context.log(`throughput ${key} round ${round + 1}: ${leadsPerSecond(result).toFixed(0)} leads/s`)
    )
    const after = await server.stats()
    const rate = (key: string) => results[key]!.map(leadsPerSecond)
    const cpuPerLead = (key: string) => results[key]!.map((r) => r.cpuMicros / r.items)
    const vsFetch = ratioWithinRounds(rate("effect"), rate("fetch"))
    const vsSdk = ratioWithinRounds(rate("effect"), rate("sdk"))
    const floorVsFetch = ratioWithinRounds(rate("platform"), rate("fetch"))
    const vsFloor = ratioWithinRounds(rate("effect"), rate("platform"))
    return {
      id: "1",
      title: "Throughput: leads/s walking 100,000 leads at limit 500, no rate limit",
      setup: `fake server in its own process (${seededFor[leads]} seeded, ${leads} listed), each client in its own process`,
      rows: [
        ...clients.map((client) => ({
          label: client.label,
          unit: "leads/s",
          median: median(rate(client.key)),
          runs: rate(client.key)
        })),
        ...clients.map((client) => ({
          label: `${client.key}: client CPU per lead`,
          unit: "µs",
          median: median(cpuPerLead(client.key)),
          runs: cpuPerLead(client.key)
        }))
      ],
      checks: [
        { label: "a / b (within each round)", value: vsFetch.median, target: { op: ">=", value: 1.0 }, perRound: vsFetch.perRound },
        { label: "a / c (within each round)", value: vsSdk.median, target: { op: ">=", value: 1.1 }, perRound: vsSdk.perRound },
        { label: "429s seen by the server", value: after.rateLimited - before.rateLimited, target: { op: "<=", value: 0 } },
        { label: "d / b: the floor against fetch", value: floorVsFetch.median, perRound: floorVsFetch.perRound },
        { label: "a / d: our cost over the floor", value: vsFloor.median, perRound: vsFloor.perRound }
      ],
      notes: [
        "client CPU is user + system time of the client process over the walk (all its threads: GC helpers included)",
        "d carries no target: the same walk written directly on @effect/platform's HttpClient over undici, which PipedriveNode runs on; JSON only, no validation, no policies, no stream"
      ]
    }
  })
