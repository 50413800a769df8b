import type { ClientResult } from "../lib/protocol.js"
import { runClient } from "../lib/process.js"
import type { ScenarioReport } from "../lib/report.js"
import { type Server, withServer } from "../lib/server.js"
import { alternate, median, ratioWithinRounds, sleep } from "../lib/stats.js"
import type { Context } from "./context.js"

const calls = 600
const concurrency = 50
const limit = 40
const windowMs = 400
/** The last of `calls` requests cannot be admitted before this many full windows have passed. */
const theoreticalMs = (Math.ceil(calls / limit) - 1) * windowMs
const timeoutMs = 180_000

interface Run {
  readonly client: ClientResult
  readonly rateLimited: number
  readonly requests: number
}

const variants = [
  { key: "configured", label: "limits configured in the client" },
  { key: "learned", label: "limits learned from headers" }
] as const

/** One client run against `server`: `calls` getLead at `concurrency`, limits as `mode` says. */
const onServer = (
  context: Context,
  server: Server,
  shape: { readonly calls: number; readonly concurrency: number; readonly timeoutMs: number }
) =>
async (mode: string): Promise<Run> => {
  // Let the server's rolling window empty between runs.
  await sleep(windowMs * 2)
  const before = await server.stats()
  const client = await runClient(context.runtime, "rate-limit", [
    "--url", server.url, "--token", server.token, "--mode", mode, "--calls", String(shape.calls),
    "--concurrency", String(shape.concurrency), "--limit", String(limit), "--window-ms", String(windowMs)
  ], shape.timeoutMs)
  const after = await server.stats()
  return { client, rateLimited: after.rateLimited - before.rateLimited, requests: after.requests - before.requests }
}

const waiterCalls = 2000
const waiterCounts = [50, 2000] as const
/** 2,000 calls take 20 s at best; on a shared, busy machine several times that. */
const waiterTimeoutMs = 600_000

/**
 * The cost of waiting: the same 2,000 getLead with 50 and with 2,000 of them waiting on the
 * limiter at once. Client CPU per call should not grow with the number of waiters.
 */
const waiters = (context: Context) =>
  withServer(context.runtime, [
    "--leads", String(waiterCalls), "--seed", "1", "--rate-limit", String(limit), "--window-ms", String(windowMs)
  ], async (server: Server) => {
    const runs = Object.fromEntries(
      waiterCounts.map((count) => [count, onServer(context, server, { calls: waiterCalls, concurrency: count, timeoutMs: waiterTimeoutMs })])
    )
    const results = await alternate(
      context.rounds,
      waiterCounts.map((count) => ({ key: String(count), run: () => runs[count]!("configured") })),
      (key, round, r) =>
        context.log(`rate limit, ${key} waiters, round ${round + 1}: ${(r.client.cpuMicros / waiterCalls / 1000).toFixed(2)} ms CPU per call`)
    )
    const cpuPerCall = (count: number) => results[String(count)]!.map((r) => r.client.cpuMicros / waiterCalls / 1000)
    const failed = (count: number) => results[String(count)]!.map((r) => r.client.extra?.["failed"] ?? Number.NaN)
    return { cpuPerCall, failed }
  })

/** 4. 600 getLead at concurrency 50 against a server that admits 40 per 400 ms window. */
export const run = (context: Context): Promise<ScenarioReport> =>
  withServer(context.runtime, [
    "--leads", String(calls), "--seed", "1", "--rate-limit", String(limit), "--window-ms", String(windowMs)
  ], async (server: Server) => {
    const once = onServer(context, server, { calls, concurrency, timeoutMs })
    const results = await alternate(
      context.rounds,
      variants.map((variant) => ({ key: variant.key, run: () => once(variant.key) })),
      (key, round, r) =>
        context.log(`rate limit ${key} round ${round + 1}: ${r.client.elapsedMs.toFixed(0)} ms, ${r.rateLimited} 429s`)
    )
    const wall = (key: string) => results[key]!.map((r) => r.client.elapsedMs)
    const tooMany = (key: string) => results[key]!.map((r) => r.rateLimited)
    const failed = (key: string) => results[key]!.map((r) => r.client.extra?.["failed"] ?? Number.NaN)
    const share = (key: string) => results[key]!.map((r) => (100 * r.rateLimited) / r.requests)
    const cost = await waiters(context)
    const [few, many] = waiterCounts
    const growth = ratioWithinRounds(cost.cpuPerCall(many), cost.cpuPerCall(few))
    return {
      id: "4",
      title: `Rate-limit efficiency: ${calls} getLead at concurrency ${concurrency}, server admits ${limit} per ${windowMs} ms`,
      setup: `theoretical minimum ${theoreticalMs} ms (${Math.ceil(calls / limit)} windows; the last batch starts after ${
        Math.ceil(calls / limit) - 1
      } of them); 429s counted by the server`,
      rows: variants.flatMap((variant) => [
        { label: `${variant.key}: wall`, unit: "ms", median: median(wall(variant.key)), runs: wall(variant.key) },
        { label: `${variant.key}: 429s`, unit: "", median: median(tooMany(variant.key)), runs: tooMany(variant.key) },
        { label: `${variant.key}: failed calls`, unit: "", median: median(failed(variant.key)), runs: failed(variant.key) }
      ]).concat(waiterCounts.flatMap((count) => [
        {
          label: `${waiterCalls} calls, ${count} waiting: client CPU per call`,
          unit: "ms",
          median: median(cost.cpuPerCall(count)),
          runs: cost.cpuPerCall(count)
        },
        {
          label: `${waiterCalls} calls, ${count} waiting: failed calls`,
          unit: "",
          median: median(cost.failed(count)),
          runs: cost.failed(count)
        }
      ])),
      checks: [
        {
          label: "configured: wall / theoretical minimum",
          value: median(wall("configured")) / theoreticalMs,
          target: { op: "<=", value: 1.15 }
        },
        { label: "configured: 429s (worst run)", value: Math.max(...tooMany("configured")), target: { op: "<=", value: 0 } },
        {
          label: "configured: failed calls (worst run)",
          value: Math.max(...failed("configured")),
          target: { op: "<=", value: 0 }
        },
        {
          label: "learned: % of requests answered 429 (worst)",
          value: Math.max(...share("learned")),
          unit: "%",
          target: { op: "<=", value: 5 }
        },
        { label: "learned: failed calls (worst run)", value: Math.max(...failed("learned")), target: { op: "<=", value: 0 } },
        { label: "learned: wall / theoretical minimum", value: median(wall("learned")) / theoreticalMs },
        {
          label: `CPU per call, ${many} waiting / ${few} waiting`,
          value: growth.median,
          perRound: growth.perRound,
          target: { op: "<=", value: 1.5 }
        }
      ],
      notes: [
        "learned: no rateLimit option; the client starts at 20 per 2 s (Pipedrive's lowest plan, its default window) and learns the limit from x-ratelimit-limit — the window length is not in Pipedrive's headers"
      ]
    }
  })
