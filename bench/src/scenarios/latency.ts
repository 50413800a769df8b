import type { ScenarioReport } from "../lib/report.js"
import type { Context } from "./context.js"
import { measure } from "./throughput.js"

/**
 * 2. The same walk with 20 ms added to every request: what fetching pages ahead hides. It walks
 * 100,000 leads, as #15's measurements did: over 20,000 leads (40 pages) the clients' warm-up
 * (their code compiled as it first runs) is most of the CPU, and with it the walk measures that.
 */
export const run = (context: Context): Promise<ScenarioReport> =>
  measure(context, {
    id: "2",
    title: "Latency hiding: leads/s walking 100,000 leads with 20 ms added to every request",
    latencyMs: 20,
    leads: 100_000,
    walkers: ["effect", "sequential", "fetch"],
    targets: { fetch: 2.2 },
    cpuAndRequests: false
  })
