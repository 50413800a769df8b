import type { ClientResult } from "../lib/protocol.js"
import { runClient } from "../lib/process.js"
import type { ScenarioReport } from "../lib/report.js"
import { withServer } from "../lib/server.js"
import { alternate, median, ratioWithinRounds } from "../lib/stats.js"
import { type Context, noServerLimits, seededFor } from "./context.js"

const leads = 20_000
const latencyMs = 20
const workMs = 20
const timeoutMs = 120_000

const variants = [
  { key: "readAhead", concurrency: "2", label: "streamLeads, concurrency: 2 (one page ahead)" },
  { key: "noPrefetch", concurrency: "1", label: "streamLeads, concurrency: 1" }
] as const

/** 2. 20 ms per request on the server, 20 ms of CPU work per page in the consumer. */
export const run = (context: Context): Promise<ScenarioReport> =>
  withServer(
    context.runtime,
    ["--leads", String(seededFor[leads]), "--seed", "1", "--latency-ms", String(latencyMs), ...noServerLimits],
    async (server) => {
      const once = (concurrency: string) => async (): Promise<ClientResult> => {
        const result = await runClient(context.runtime, "effect-walk", [
          "--url", server.url, "--token", server.token, "--leads", String(leads), "--limit", "500",
          "--concurrency", concurrency, "--work-ms", String(workMs)
        ], timeoutMs)
        if (result.items !== leads) throw new Error(`walked ${result.items} leads, expected ${leads}`)
        return result
      }
      context.log("latency: warm-up (not counted)")
      await once("2")()
      const results = await alternate(
        context.rounds,
        variants.map((variant) => ({ key: variant.key, run: once(variant.concurrency) })),
        (key, round, result) => context.log(`latency ${key} round ${round + 1}: ${result.elapsedMs.toFixed(0)} ms`)
      )
      const wall = (key: string) => results[key]!.map((r) => r.elapsedMs)
      const rss = (key: string) => results[key]!.map((r) => r.maxRssKb / 1024)
      const speedup = ratioWithinRounds(wall("noPrefetch"), wall("readAhead"))
      const memory = ratioWithinRounds(rss("readAhead"), rss("noPrefetch"))
      return {
        id: "2",
        title: `Latency hiding: ${latencyMs} ms per request, ${workMs} ms of consumer CPU work per page`,
        setup: `${leads.toLocaleString("en-US")} leads = ${leads / 500} pages at limit 500; the server delays every request (--latency-ms ${latencyMs})`,
        rows: [
          ...variants.map((variant) => ({
            label: `${variant.label}: wall`,
            unit: "ms",
            median: median(wall(variant.key)),
            runs: wall(variant.key)
          })),
          ...variants.map((variant) => ({
            label: `${variant.label}: peak RSS`,
            unit: "MB",
            median: median(rss(variant.key)),
            runs: rss(variant.key)
          }))
        ],
        checks: [
          {
            label: "speed-up: concurrency 1 wall / concurrency 2 wall",
            value: speedup.median,
            target: { op: ">=", value: 1.5 },
            perRound: speedup.perRound
          },
          { label: "peak RSS: read-ahead / none", value: memory.median, perRound: memory.perRound }
        ],
        notes: [
          `ideal: without prefetch a page costs latency + transfer + work (≈ ${latencyMs + workMs} ms and more); with it, about max(latency + transfer, work)`
        ]
      }
    }
  )
