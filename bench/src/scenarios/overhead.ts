import { runClient } from "../lib/process.js"
import type { ScenarioReport } from "../lib/report.js"
import { alternate, median } from "../lib/stats.js"
import type { Context } from "./context.js"

const calls = 20_000
const timeoutMs = 120_000

const variants = [
  { key: "leads", label: "Leads.getLead over PipedriveTest.layer" },
  { key: "bare", label: "bare HttpClient GET + JSON over the same model" }
] as const

/** 5. Client CPU per getLead in-process (no network), against a bare HttpClient call. */
export const run = async (context: Context): Promise<ScenarioReport> => {
  const results = await alternate(
    context.rounds,
    variants.map((variant) => ({
      key: variant.key,
      run: () => runClient(context.runtime, "overhead", ["--mode", variant.key, "--calls", String(calls)], timeoutMs)
    })),
    (key, round, result) => context.log(`overhead ${key} round ${round + 1}: ${(result.cpuMicros / result.items).toFixed(1)} µs/call`)
  )
  const cpu = (key: string) => results[key]!.map((r) => r.cpuMicros / r.items)
  const wall = (key: string) => results[key]!.map((r) => (r.elapsedMs * 1000) / r.items)
  const policies = results["leads"]!.map((r, i) => r.cpuMicros / r.items - results["bare"]![i]!.cpuMicros / results["bare"]![i]!.items)
  return {
    id: "5",
    title: "Overhead per call: getLead in-process (PipedriveTest, no network)",
    setup: `${calls.toLocaleString("en-US")} sequential calls after a warm-up; the model's own work is in both variants`,
    rows: [
      ...variants.map((variant) => ({ label: `${variant.key}: CPU per call`, unit: "µs", median: median(cpu(variant.key)), runs: cpu(variant.key) })),
      ...variants.map((variant) => ({ label: `${variant.key}: wall per call`, unit: "µs", median: median(wall(variant.key)), runs: wall(variant.key) }))
    ],
    checks: [{ label: "cost of our policies + validation", value: median(policies), unit: "µs/call", perRound: policies }],
    notes: variants.map((variant) => `${variant.key}: ${variant.label}`)
  }
}
