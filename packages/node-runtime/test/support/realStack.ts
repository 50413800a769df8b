/**
 * The real stack for integration tests: `FakePipedriveServer` on 127.0.0.1 (a free port) and
 * `PipedriveNode.layer` (undici, real sockets) pointed at it, both stopped when the test's scope
 * closes. Besides the model's counters, it records what the server's socket layer saw of each
 * request — method, URL as it arrived, the token header, the status sent (none for a dropped
 * connection) — through node:http's `http.server.request.start` diagnostics channel, so tests
 * check the wire itself and the server needs no hook.
 */
import { Leads, PipedriveClient } from "@effect-pipedrive/core"
import type { PipedriveTest } from "@effect-pipedrive/core/testing"
import { Clock, Context, Effect, Layer, Redacted, type Scope, Tracer } from "effect"
import * as diagnostics from "node:diagnostics_channel"
import type * as Http from "node:http"
import * as FakePipedriveServer from "../../src/FakePipedriveServer.js"
import * as PipedriveNode from "../../src/PipedriveNode.js"

/** What the server saw of one request. */
export interface Seen {
  readonly method: string
  /** Path and query, as on the request line. */
  readonly url: string
  readonly apiTokenHeader: string | undefined
  readonly authorization: string | undefined
  /** When it arrived (epoch ms). */
  readonly arrivedAt: number
  /** The status sent, once the response is finished: `undefined` while pending or for a dropped connection. */
  readonly status: number | undefined
}

/** Small backoff steps so that retries cost milliseconds (429s still wait what the server asks). */
export const fastRetry = { baseDelay: "5 millis", maxDelay: "50 millis" } as const

export interface StackOptions {
  readonly server?: FakePipedriveServer.Options | undefined
  /** Policies of the client; `retry` defaults to {@link fastRetry}. */
  readonly client?: PipedriveClient.Policies | undefined
}

export interface Stack {
  readonly server: FakePipedriveServer.Running
  readonly leads: Context.Tag.Service<Leads.Leads>
  readonly client: Context.Tag.Service<PipedriveClient.PipedriveClient>
  /** Every request the server received, in order of arrival. */
  readonly seen: ReadonlyArray<Seen>
  /** Operations called so far (`Leads.*` spans; a stream makes one per page) and the attempts they made. */
  readonly calls: () => { readonly calls: number; readonly attempts: number }
  /**
   * Prints one summary line for the scenario — requests the server received, 429s it sent, its
   * peak of requests admitted in one window, the client's retries (attempts beyond the first of
   * each call), time since the stack started — and answers the server's stats.
   */
  readonly report: (
    scenario: string,
    extra?: Readonly<Record<string, string | number>>
  ) => Effect.Effect<PipedriveTest.Stats>
}

interface RequestStart {
  readonly request: Http.IncomingMessage
  readonly response: Http.ServerResponse
}

/**
 * Counts the client's spans: one `Leads.<operation>` per call, one `Pipedrive.<operation>.attempt`
 * per attempt. Set for the rest of the test's fiber (and the fibers it forks).
 */
const countSpans = Effect.gen(function*() {
  const counts = { calls: 0, attempts: 0 }
  const native = yield* Effect.tracer
  yield* Effect.withTracerScoped(Tracer.make({
    span: (name, ...rest) => {
      if (name.startsWith("Leads.")) counts.calls++
      else if (name.startsWith("Pipedrive.") && name.endsWith(".attempt")) counts.attempts++
      return native.span(name, ...rest)
    },
    context: (f, fiber) => native.context(f, fiber)
  }))
  return counts
})

/**
 * The server and the client over it, for the test's scope. The client counts its calls and
 * attempts in the fiber that runs this (and the fibers it forks).
 */
export const start = (options: StackOptions = {}): Effect.Effect<Stack, never, Scope.Scope> =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    const server = yield* Effect.orDie(FakePipedriveServer.make(options.server))

    const seen: Array<Seen> = []
    const onRequest = (message: unknown) => {
      const { request, response } = message as RequestStart
      if (request.socket.localPort !== server.port) return
      const record: { -readonly [K in keyof Seen]: Seen[K] } = {
        method: request.method ?? "",
        url: request.url ?? "",
        apiTokenHeader: request.headers["x-api-token"] as string | undefined,
        authorization: request.headers.authorization,
        arrivedAt: Date.now(),
        status: undefined
      }
      response.once("finish", () => {
        record.status = response.statusCode
      })
      seen.push(record)
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => diagnostics.subscribe("http.server.request.start", onRequest)),
      () => Effect.sync(() => diagnostics.unsubscribe("http.server.request.start", onRequest))
    )

    const context = yield* Layer.build(PipedriveNode.layer({
      apiToken: Redacted.make(server.token),
      baseUrl: server.url,
      ...options.client,
      retry: options.client?.retry ?? fastRetry
    })).pipe(Effect.orDie)

    const counts = yield* countSpans

    const report: Stack["report"] = (scenario, extra = {}) =>
      Effect.gen(function*() {
        const stats = yield* server.model.stats
        const seconds = ((yield* Clock.currentTimeMillis) - startedAt) / 1000
        const fields = {
          requests: stats.requests,
          "429s": stats.rateLimited,
          "peak/window": stats.peakPerWindow,
          calls: counts.calls,
          retries: counts.attempts - counts.calls,
          ...extra,
          time: `${seconds.toFixed(2)}s`
        }
        console.log(`[integration] ${scenario}: ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(" ")}`)
        return stats
      })

    return {
      server,
      leads: Context.get(context, Leads.Leads),
      client: Context.get(context, PipedriveClient.PipedriveClient),
      seen,
      calls: () => ({ ...counts }),
      report
    }
  })
