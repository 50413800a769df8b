#!/usr/bin/env node
/**
 * Runs the fake Pipedrive server until SIGINT or SIGTERM.
 *
 *   fake-pipedrive --port 0 --leads 10000 [--seed N] [--token T]
 *                  [--rate-limit N --window-ms M] [--search-rate-limit N] [--daily-tokens N]
 *                  [--latency-ms N] [--stats-on-stdin]
 *
 * Prints one JSON line, `{"url": ..., "token": ...}`, once it listens. `--latency-ms` delays
 * every request (a `Latency` fault rule); with `--stats-on-stdin`, each line `stats` read from
 * standard input prints the model's counters as one JSON line (for benchmarks in another process).
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Readline from "node:readline"
import { parseArgs } from "node:util"
import * as FakePipedriveServer from "../FakePipedriveServer.js"

const usage = "usage: fake-pipedrive [--port 0] [--leads 0] [--seed 1] [--token T] " +
  "[--rate-limit N --window-ms M] [--search-rate-limit N] [--daily-tokens N] [--latency-ms N] [--stats-on-stdin]"

const count = (name: string, raw: string | undefined): Effect.Effect<number | undefined, string> => {
  if (raw === undefined) return Effect.succeed(undefined)
  const value = Number(raw)
  return Number.isSafeInteger(value) && value >= 0
    ? Effect.succeed(value)
    : Effect.fail(`--${name} must be a whole number, got ${JSON.stringify(raw)}\n${usage}`)
}

const options = Effect.gen(function*() {
  const { values } = yield* Effect.try({
    try: () =>
      parseArgs({
        args: process.argv.slice(2),
        options: {
          port: { type: "string" },
          leads: { type: "string" },
          seed: { type: "string" },
          token: { type: "string" },
          "rate-limit": { type: "string" },
          "window-ms": { type: "string" },
          "search-rate-limit": { type: "string" },
          "daily-tokens": { type: "string" },
          "latency-ms": { type: "string" },
          "stats-on-stdin": { type: "boolean" }
        },
        strict: true
      }),
    catch: (error) => `${error instanceof Error ? error.message : String(error)}\n${usage}`
  })
  const latency = yield* count("latency-ms", values["latency-ms"])
  return {
    statsOnStdin: values["stats-on-stdin"] === true,
    port: yield* count("port", values.port),
    leads: (yield* count("leads", values.leads)) ?? 0,
    seed: yield* count("seed", values.seed),
    token: values.token,
    limits: {
      requestsPerWindow: yield* count("rate-limit", values["rate-limit"]),
      windowMillis: yield* count("window-ms", values["window-ms"]),
      searchRequestsPerWindow: yield* count("search-rate-limit", values["search-rate-limit"]),
      dailyTokens: yield* count("daily-tokens", values["daily-tokens"])
    },
    faults: latency === undefined || latency === 0
      ? []
      : [{ fault: PipedriveTest.Fault.Latency({ millis: latency }) }]
  } satisfies FakePipedriveServer.Options & { readonly statsOnStdin: boolean }
})

/** Answers each `stats` line of standard input with the model's counters, as one JSON line. */
const serveStats = (model: PipedriveTest.Service) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const lines = Readline.createInterface({ input: process.stdin })
      lines.on("line", (line) => {
        if (line.trim() === "stats") console.log(JSON.stringify(Effect.runSync(model.stats)))
      })
      return lines
    }),
    (lines) => Effect.sync(() => lines.close())
  )

const main = Effect.gen(function*() {
  const { statsOnStdin, ...serverOptions } = yield* options
  const server = yield* FakePipedriveServer.make(serverOptions)
  if (statsOnStdin) yield* serveStats(server.model)
  yield* Console.log(JSON.stringify({ url: server.url, token: server.token }))
  return yield* Effect.never
}).pipe(
  Effect.scoped,
  Effect.tapError((error) => Console.error(typeof error === "string" ? error : error.message))
)

NodeRuntime.runMain(main, { disableErrorReporting: true })
