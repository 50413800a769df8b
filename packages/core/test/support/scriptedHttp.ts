/**
 * For the policy tests (retry, rate limits, interruption, secrets): a mock `HttpClient` that
 * also records the `TestClock` time each request was sent at and its `AbortSignal`, answering
 * from a script. Fixtures (leads, JSON responses) come from `mockHttp.ts`.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Array as Arr, Clock, Effect, Layer, Logger, LogLevel, Option, Redacted, type Tracer } from "effect"
import type { PipedriveError } from "../../src/Errors.js"
import * as Leads from "../../src/Leads.js"
import * as PipedriveClient from "../../src/PipedriveClient.js"
import { runFor } from "./drive.js"
import { testToken } from "./mockHttp.js"

/** One request as it reached the transport. */
export interface Sent {
  readonly method: string
  readonly url: URL
  /** Header names are lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** `Clock` time (the `TestClock` in `it.effect`) when it was sent. */
  readonly at: number
  readonly signal: AbortSignal
  readonly raw: HttpClientRequest.HttpClientRequest
}

/** Answers the `index`-th request (0 based); an Effect may fail or never end. */
export type Script = (sent: Sent, index: number) => Response | Effect.Effect<Response, HttpClientError.HttpClientError>

/** A mock transport answering from `script`, and what it was sent. */
export const makeScripted = (script: Script) => {
  const sent: Array<Sent> = []
  const client = HttpClient.make((raw, url, signal) =>
    Effect.flatMap(Clock.currentTimeMillis, (at) => {
      const request: Sent = { method: raw.method, url, headers: { ...raw.headers }, at, signal, raw }
      sent.push(request)
      const reply = script(request, sent.length - 1)
      return Effect.map(
        reply instanceof Response ? Effect.succeed(reply) : reply,
        (response) => HttpClientResponse.fromWeb(raw, response)
      )
    })
  )
  return { client, sent } as const
}

/** `Leads` and `PipedriveClient` over `client`: API token `test-token` unless `auth` says, company `acme`. */
export const leadsLayer = (
  client: HttpClient.HttpClient,
  policies: PipedriveClient.Policies = {},
  auth: PipedriveClient.Auth = { apiToken: Redacted.make(testToken) }
) => {
  const clientLayer = PipedriveClient.layer({ ...auth, companyDomain: "acme", ...policies })
  return Layer.provideMerge(Leads.layer, clientLayer).pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client)),
    Layer.orDie
  )
}

/**
 * Runs `program` against `Leads` over a scripted transport while the `TestClock` runs for
 * `duration`: how it ended, what was sent and when, and every warning logged.
 */
export const runScripted = <A>(
  script: Script,
  policies: PipedriveClient.Policies,
  program: (leads: Leads.Leads["Type"]) => Effect.Effect<A, PipedriveError>,
  duration: Parameters<typeof runFor>[1] = "1 minute"
) =>
  Effect.gen(function*() {
    const { client, sent } = makeScripted(script)
    const warnings: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      if (logLevel._tag === "Warning") warnings.push(String(Arr.isArray(message) ? message.join(" ") : message))
    })
    const exit = yield* runFor(
      Effect.flatMap(Leads.Leads, program).pipe(
        Effect.provide(leadsLayer(client, policies)),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Debug)
      ),
      duration
    )
    return { exit, sent, times: sent.map((request) => request.at), warnings }
  })

/** A tracer that keeps every span it starts (native spans underneath). */
export const makeCapturingTracer = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer: Tracer.Tracer = {
    ...native,
    span(name, parent, context, links, startTime, kind, options) {
      const span = native.span(name, parent, context, links, startTime, kind, options)
      spans.push(span)
      return span
    }
  }
  return { tracer, spans } as const
})

/** The name of a span's parent, when it has one of ours. */
export const parentName = (span: Tracer.Span): string | undefined =>
  Option.match(span.parent, {
    onNone: () => undefined,
    onSome: (parent) => parent._tag === "Span" ? parent.name : undefined
  })
