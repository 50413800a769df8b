import { runClient } from "../lib/process.js"
import type { ScenarioReport } from "../lib/report.js"
import { withServer } from "../lib/server.js"
import { alternate, median, ratioWithinRounds } from "../lib/stats.js"
import { type Context, noServerLimits, seededFor } from "./context.js"

const timeoutMs = 300_000
const sizes = [20_000, 200_000] as const

/** 3. Peak RSS of the client walking 20,000 and then 200,000 leads with `streamLeads`. */
export const run = (context: Context): Promise<ScenarioReport> =>
  withServer(context.runtime, ["--leads", String(seededFor[200_000]), "--seed", "1", ...noServerLimits], async (server) => {
    const once = (leads: number) => async () => {
      const result = await runClient(context.runtime, "effect-walk", [
        "--url", server.url, "--token", server.token, "--leads", String(leads), "--limit", "500"
      ], timeoutMs)
      if (result.items !== leads) throw new Error(`walked ${result.items} leads, expected ${leads}`)
      return result
    }
    context.log("memory: warm-up (not counted)")
    await once(sizes[0])()
    const results = await alternate(
      context.rounds,
      sizes.map((leads) => ({ key: String(leads), run: once(leads) })),
      (key, round, result) => context.log(`memory ${key} round ${round + 1}: ${(result.maxRssKb / 1024).toFixed(1)} MB`)
    )
    const peak = (leads: number) => results[String(leads)]!.map((r) => r.maxRssKb / 1024)
    const before = (leads: number) => results[String(leads)]!.map((r) => (r.extra?.["rssBeforeKb"] ?? 0) / 1024)
    const growth = ratioWithinRounds(peak(200_000), peak(20_000))
    return {
      id: "3",
      title: "Memory: peak RSS of the client walking 20,000 then 200,000 leads (streamLeads, default read-ahead)",
      setup: `maxRSS from process.resourceUsage() at exit; client runtime: ${context.runtime}`,
      rows: [
        ...sizes.map((leads) => ({
          label: `${leads.toLocaleString("en-US")} leads: peak RSS`,
          unit: "MB",
          median: median(peak(leads)),
          runs: peak(leads)
        })),
        {
          label: "RSS once loaded, before walking",
          unit: "MB",
          median: median([...before(20_000), ...before(200_000)]),
          runs: [...before(20_000), ...before(200_000)]
        }
      ],
      checks: [
        { label: "200k / 20k peak RSS", value: growth.median, target: { op: "<=", value: 1.25 }, perRound: growth.perRound },
        { label: "200k peak RSS", value: median(peak(200_000)), unit: "MB", target: { op: "<=", value: 120 } }
      ],
      notes: []
    }
  })
