import type { ScenarioReport } from "../lib/report.js"
import type { Context } from "./context.js"
import { measure } from "./throughput.js"

/** 2. The same walk with 20 ms added to every request: what fetching pages ahead hides. */
export const run = (context: Context): Promise<ScenarioReport> =>
  measure(context, {
    id: "2",
    title: "Latency hiding: leads/s walking 20,000 leads with 20 ms added to every request",
    latencyMs: 20,
    leads: 20_000,
    walkers: ["effect", "sequential", "fetch"],
    targets: { fetch: 2.2 },
    cpuAndRequests: false
  })
