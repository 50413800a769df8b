/**
 * `pnpm bench`: the fake Pipedrive server in its own process, each client in its own process,
 * variants alternated round by round, medians and within-round ratios printed as a table and
 * written as JSON to bench-results/ (git-ignored).
 *
 *   pnpm bench [--rounds 5] [--only 1,2,3,4,5,6,7] [--runtime node|tsx]
 */
import { mkdirSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import type { Runtime } from "./lib/process.js"
import { renderScenario, type ScenarioReport, targetSummary } from "./lib/report.js"
import type { Context } from "./scenarios/context.js"
import * as Latency from "./scenarios/latency.js"
import * as Layers from "./scenarios/layers.js"
import * as Memory from "./scenarios/memory.js"
import * as Overhead from "./scenarios/overhead.js"
import * as Paced from "./scenarios/paced.js"
import * as RateLimit from "./scenarios/rateLimit.js"
import * as Throughput from "./scenarios/throughput.js"

const scenarios: ReadonlyArray<readonly [string, (context: Context) => Promise<ScenarioReport>]> = [
  ["1", Throughput.run],
  ["2", Latency.run],
  ["3", Memory.run],
  ["4", RateLimit.run],
  ["5", Overhead.run],
  ["6", Paced.run],
  ["7", Layers.run]
]

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    only: { type: "string", default: scenarios.map(([id]) => id).join(",") },
    runtime: { type: "string", default: "node" }
  },
  strict: true
})

const rounds = Number(values.rounds)
if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 50) throw new Error("--rounds must be 1 to 50")
const runtime: Runtime = values.runtime === "tsx" ? "tsx" : "node"
const only = new Set(values.only.split(",").map((id) => id.trim()))

const machine = {
  cores: Os.availableParallelism(),
  cpu: Os.cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(Os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  loadAverageAtStart: Os.loadavg().map((load) => Number(load.toFixed(2)))
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`)

const main = async () => {
  const context: Context = { runtime, rounds, log }
  const reports: Array<ScenarioReport> = []
  for (const [id, run] of scenarios) {
    if (!only.has(id)) continue
    log(`scenario ${id}`)
    reports.push(await run(context))
  }
  const header = [
    `effect-pipedrive bench — ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, node ${machine.node}`,
    `clients run as: ${runtime === "node" ? "compiled JavaScript (node dist/…)" : "TypeScript through tsx"}; ${rounds} measured rounds per variant, alternated; medians; ratios within each round`,
    `load average at start: ${machine.loadAverageAtStart.join(" ")}; at end: ${Os.loadavg().map((l) => l.toFixed(2)).join(" ")}`
  ]
  const text = [...header, "", ...reports.map(renderScenario).join("\n\n").split("\n"), "", "Targets:", ...targetSummary(reports)]
  process.stdout.write(`${text.join("\n")}\n`)

  const directory = fileURLToPath(new URL("../../bench-results/", import.meta.url))
  mkdirSync(directory, { recursive: true })
  const json = JSON.stringify({ date: new Date().toISOString(), machine, runtime, rounds, scenarios: reports }, null, 2)
  const stamp = new Date().toISOString().replace(/[:.]/g, "-")
  writeFileSync(`${directory}bench-${stamp}.json`, json)
  writeFileSync(`${directory}latest.json`, json)
  writeFileSync(`${directory}latest.txt`, `${text.join("\n")}\n`)
  log(`results written to ${directory}latest.json`)
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error)
  process.exit(1)
})
