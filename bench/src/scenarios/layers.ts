import type { ScenarioReport } from "../lib/report.js"
import type { Context } from "./context.js"
import { measure } from "./throughput.js"

/**
 * 7. Where a walk's CPU goes: scenario 1's sequential walk one layer of the stack at a time,
 * each layer adding to the one before, against the fetch loop. No target: it shows what bounds
 * scenario 1's CPU target.
 */
export const run = (context: Context): Promise<ScenarioReport> =>
  measure(context, {
    id: "7",
    title: "Where the CPU goes: the sequential walk of 100,000 leads one layer at a time (no target)",
    latencyMs: 0,
    leads: 100_000,
    walkers: ["fetch", "undici", "undiciPieces", "effectUndici", "transport", "getLeads", "sequential", "sequentialSink", "sequentialTyped"],
    targets: {},
    cpuAndRequests: false,
    cpuAgainst: "fetch"
  })
