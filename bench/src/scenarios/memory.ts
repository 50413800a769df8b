import { runClient } from "../lib/process.js"
import type { ScenarioReport } from "../lib/report.js"
import { withServer } from "../lib/server.js"
import { alternate, median, ratioWithinRounds } from "../lib/stats.js"
import { type Context, noServerLimits, seededFor } from "./context.js"

const timeoutMs = 300_000
const sizes = [20_000, 200_000] as const

/** Our client, then the baselines walked the same way: how much of the peak is the runtime's. */
const clients = [
  { key: "effect", name: "effect-walk", label: "streamLeads" },
  { key: "fetch", name: "fetch-walk", label: "reference: fetch loop" },
  { key: "platform", name: "platform-walk", label: "reference: bare @effect/platform loop" }
] as const

const variants = clients.flatMap((client) => sizes.map((leads) => ({ client, leads, key: `${client.key}:${leads}` })))

/** 3. Peak RSS of the client walking 20,000 and then 200,000 leads with `streamLeads`. */
export const run = (context: Context): Promise<ScenarioReport> =>
  withServer(context.runtime, ["--leads", String(seededFor[200_000]), "--seed", "1", ...noServerLimits], async (server) => {
    const once = (name: string, leads: number) => async () => {
      const result = await runClient(context.runtime, name, [
        "--url", server.url, "--token", server.token, "--leads", String(leads), "--limit", "500"
      ], timeoutMs)
      if (result.items !== leads) throw new Error(`${name} walked ${result.items} leads, expected ${leads}`)
      return result
    }
    context.log("memory: warm-up (not counted)")
    await once("effect-walk", sizes[0])()
    const results = await alternate(
      context.rounds,
      variants.map((variant) => ({ key: variant.key, run: once(variant.client.name, variant.leads) })),
      (key, round, result) => context.log(`memory ${key} round ${round + 1}: ${(result.maxRssKb / 1024).toFixed(1)} MB`)
    )
    const peak = (key: string, leads: number) => results[`${key}:${leads}`]!.map((r) => r.maxRssKb / 1024)
    const before = (leads: number) => results[`effect:${leads}`]!.map((r) => (r.extra?.["rssBeforeKb"] ?? 0) / 1024)
    const growth = (key: string) => ratioWithinRounds(peak(key, 200_000), peak(key, 20_000))
    const ours = growth("effect")
    const vsFetch = ratioWithinRounds(peak("effect", 200_000), peak("fetch", 200_000))
    return {
      id: "3",
      title: "Memory: peak RSS of the client walking 20,000 then 200,000 leads (streamLeads, default K)",
      setup: `maxRSS from process.resourceUsage() at exit; client runtime: ${context.runtime}`,
      rows: [
        ...variants.map(({ client, leads }) => ({
          label: `${client.label}, ${leads.toLocaleString("en-US")} leads: peak RSS`,
          unit: "MB",
          median: median(peak(client.key, leads)),
          runs: peak(client.key, leads)
        })),
        {
          label: "streamLeads: RSS once loaded, before walking",
          unit: "MB",
          median: median([...before(20_000), ...before(200_000)]),
          runs: [...before(20_000), ...before(200_000)]
        }
      ],
      checks: [
        { label: "200k / 20k peak RSS", value: ours.median, target: { op: "<=", value: 1.15 }, perRound: ours.perRound },
        {
          label: "200k peak RSS: streamLeads / fetch loop",
          value: vsFetch.median,
          target: { op: "<=", value: 1.5 },
          perRound: vsFetch.perRound
        },
        ...clients.slice(1).map((client) => {
          const reference = growth(client.key)
          return { label: `${client.label}: 200k / 20k`, value: reference.median, perRound: reference.perRound }
        })
      ],
      notes: [
        "the references carry no target: they show what the same walk costs in memory without this library (fetch) and on the runtime it is built on (platform)"
      ]
    }
  })
