import type { ScenarioReport } from "../lib/report.js"
import { withServer } from "../lib/server.js"
import { alternate, median, ratioWithinRounds } from "../lib/stats.js"
import { type Context, seededFor } from "./context.js"
import { walkOnce } from "./throughput.js"

const leads = 100_000
const limit = 40
const windowMs = 2000
const latencyMs = 100
/** 40 requests per 2 s, 500 leads each. */
const ceiling = (limit / (windowMs / 1000)) * 500

/** 6. A walk as fast as Pipedrive's limits allow: the server enforces 40 per 2 s and answers in 100 ms. */
export const run = (context: Context): Promise<ScenarioReport> =>
  withServer(context.runtime, [
    "--leads", String(seededFor[leads]), "--seed", "1", "--rate-limit", String(limit), "--window-ms", String(windowMs),
    "--daily-tokens", "1000000000", "--latency-ms", String(latencyMs)
  ], async (server) => {
    const told = ["--rate-limit", String(limit), "--window-ms", String(windowMs)]
    const results = await alternate(
      context.rounds,
      (["effect", "sequential"] as const).map((key) => ({ key, run: walkOnce(context, server, key, leads, told) })),
      (key, round, result) => context.log(`paced ${key} round ${round + 1}: ${(result.items / result.elapsedMs * 1000).toFixed(0)} leads/s`)
    )
    const rate = (key: string) => results[key]!.map((r) => r.items / (r.elapsedMs / 1000))
    const rejected = (key: string) => results[key]!.map((r) => r.rateLimited)
    const speedup = ratioWithinRounds(rate("effect"), rate("sequential"))
    return {
      id: "6",
      title: `Paced walk: ${leads.toLocaleString("en-US")} leads, the server enforcing ${limit} requests per ${windowMs / 1000} s and answering in ${latencyMs} ms`,
      setup: `the client is told the limit (rateLimit: ${limit} per ${windowMs} ms); ceiling ${limit} requests per ${windowMs / 1000} s × 500 leads = ${ceiling.toLocaleString("en-US")} leads/s`,
      rows: [
        { label: "streamLeads, default K: leads/s", unit: "leads/s", median: median(rate("effect")), runs: rate("effect") },
        { label: "streamLeads, concurrency: 1: leads/s", unit: "leads/s", median: median(rate("sequential")), runs: rate("sequential") },
        { label: "default K: 429s", unit: "", median: median(rejected("effect")), runs: rejected("effect") },
        { label: "concurrency 1: 429s", unit: "", median: median(rejected("sequential")), runs: rejected("sequential") }
      ],
      checks: [
        { label: "default K: leads/s", value: median(rate("effect")), target: { op: ">=", value: 0.9 * ceiling } },
        { label: "default K: 429s (worst run)", value: Math.max(...rejected("effect")), target: { op: "<=", value: 0 } },
        { label: "default K / concurrency 1", value: speedup.median, perRound: speedup.perRound }
      ],
      notes: [
        `the first window's ${limit} requests go out at once, so a walk of ${leads / 500} pages runs a little above the steady ${ceiling.toLocaleString("en-US")} leads/s`,
        "the limiter counts a request until a window after its answer, so each page holds its slot for 2 s + 100 ms: the steady state is at most 40 / 2.1 s"
      ]
    }
  })
