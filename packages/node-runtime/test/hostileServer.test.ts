/**
 * The hostile-server suite: tiny servers on 127.0.0.1 sending what a broken proxy, a buggy
 * gateway or an old account sends, each scenario run over every transport. A row says what the
 * server does, what the client calls, the outcome expected (ok or the error's tag), how many
 * requests the server should receive, and the longest the whole row may take — server, layer,
 * call and shutdown. Nothing a server sends may hang the client, loop it or balloon it.
 *
 * To add a scenario, add a row: `serve` from `Serve.*` (or any `(request, response, index) =>
 * void`), `call` a function of the `Leads` service, and a bound only where the design makes
 * the row take a known time that a wrong client would overrun without hanging (else the
 * default, {@link hangBound}, which only tells a hang).
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { type Errors, Leads, PipedriveClient } from "@effect-pipedrive/core"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Either, Exit, Fiber, Layer, Option, Redacted, Schedule, Scope, Stream } from "effect"
import { PipedriveNode } from "../src/index.js"
import { leadId, leadJson, token } from "./support/fixtures.js"
import { type Behaviour, Serve, start } from "./support/hostile.js"

type Tag = "ok" | Errors.PipedriveError["_tag"]

/** What a scenario should end with: the outcome and the requests the server received. */
interface Expected {
  readonly result: Tag
  readonly requests: number
}

interface Transport {
  readonly name: string
  readonly layer: (options: PipedriveClient.Options) => Layer.Layer<Leads.Leads, unknown>
}

const transports = [
  { name: "PipedriveNode.layer (undici.request)", layer: PipedriveNode.layer },
  { name: "transport: platform", layer: (options) => PipedriveNode.layer({ ...options, transport: "platform" }) },
  {
    name: "FetchHttpClient",
    layer: (options) =>
      Leads.layer.pipe(Layer.provide(PipedriveClient.layer(options)), Layer.provide(FetchHttpClient.layer))
  }
] as const satisfies ReadonlyArray<Transport>

type TransportName = (typeof transports)[number]["name"]

interface Row {
  readonly name: string
  readonly serve: Behaviour
  readonly call: (leads: Leads.Leads["Type"]) => Effect.Effect<unknown, Errors.PipedriveError>
  /** Policies over the suite's defaults ({@link policies}). */
  readonly policies?: PipedriveClient.Policies
  readonly expect: Expected
  /** Where a transport ends differently (fetch follows redirects, say). */
  readonly except?: Partial<Record<TransportName, Expected>>
  /**
   * The longest the row may take, server start to shutdown, at least twice what the design
   * takes (the machine may be busy); {@link hangBound} when not given.
   */
  readonly bound?: Duration.DurationInput
}

/**
 * The bound of a row whose time tells nothing but a hang: the design ends these in
 * milliseconds, or at a 300 ms timeout, or after a few MB of body; what they assert is the
 * outcome and the requests counted. (A 3 s bound was within reach of a machine whose cores
 * are busy with other work.)
 */
const hangBound: Duration.DurationInput = "15 seconds"

/**
 * Quick retries (two of them): the rules, not their defaults, are under test. The timeout is
 * one that no answer a row expects comes near, even on a machine whose cores are busy (at 1 s,
 * a slow answer would be retried and counted twice); rows that test the timeout set their own.
 */
const policies: PipedriveClient.Policies = {
  retry: { times: 2, baseDelay: "10 millis", maxDelay: "50 millis" },
  timeout: "5 seconds"
}

const getLead = (leads: Leads.Leads["Type"]) => leads.getLead(leadId(1))
const addLead = (leads: Leads.Leads["Type"]) => leads.addLead({ title: "New", person_id: 1 })
const ok = (requests: number): Expected => ({ result: "ok", requests })
const fails = (result: Tag, requests: number): Expected => ({ result, requests })

const mb = 1024 * 1024
const html = "<!doctype html><html><body>Please sign in</body></html>"

/** The lead asked for, with these rate-limit headers on the response. */
const leadWith = (headers: Record<string, string>): Behaviour => (request, response, index) => {
  const id = (request.url ?? "").split("?")[0]!.split("/").pop()!
  Serve.json(200, { success: true, data: leadJson(id) }, headers)(request, response, index)
}
const tooMany = (headers: Record<string, string>) => Serve.json(429, { success: false, error: "Too many requests" }, headers)
/** A call that meets what the server sends, then a later call: the hold must let it go. */
const thenAnother = (leads: Leads.Leads["Type"]) => Effect.zipRight(Effect.either(getLead(leads)), getLead(leads))
/**
 * The limiter's longest hold is 3 windows: 600 ms at this window. The rows using it are bound
 * at 5 s: a hold capped at 3 default windows (6 s) would pass the hang bound.
 */
const shortWindow: PipedriveClient.Policies = { rateLimit: { requestsPerWindow: 40, window: "200 millis" } }

const rows: ReadonlyArray<Row> = [
  {
    name: "429 with Retry-After: 999999, then another call",
    serve: Serve.sequence(tooMany({ "retry-after": "999999" }), Serve.lead),
    call: thenAnother,
    policies: shortWindow,
    expect: ok(2),
    bound: "5 seconds"
  },
  {
    name: "429 with Retry-After: a date in 2099, then another call",
    serve: Serve.sequence(tooMany({ "retry-after": "Thu, 01 Jan 2099 00:00:00 GMT" }), Serve.lead),
    call: thenAnother,
    policies: shortWindow,
    expect: ok(2),
    bound: "5 seconds"
  },
  {
    name: "x-ratelimit-limit: 0 on every response",
    serve: leadWith({ "x-ratelimit-limit": "0", "x-ratelimit-remaining": "5", "x-ratelimit-reset": "1" }),
    call: (leads) => Effect.forEach([1, 2, 3, 4, 5], () => getLead(leads)),
    expect: ok(5)
  },
  {
    name: "x-ratelimit-limit: -1 on every response",
    serve: leadWith({ "x-ratelimit-limit": "-1", "x-ratelimit-remaining": "5", "x-ratelimit-reset": "1" }),
    call: (leads) => Effect.forEach([1, 2, 3, 4, 5], () => getLead(leads)),
    expect: ok(5)
  },
  {
    name: "x-ratelimit-remaining: 0 with reset 999999999, then another call",
    serve: Serve.sequence(leadWith({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "999999999" }), Serve.lead),
    call: thenAnother,
    // No window configured: the reset is believed for 3 × the default 2 s at most (6 s, well
    // within the hang bound; believed any longer, the call hangs).
    policies: { rateLimit: { requestsPerWindow: 40 } },
    expect: ok(2)
  },
  {
    name: "silent server",
    serve: Serve.silence,
    call: getLead,
    policies: { timeout: "300 millis", retry: false },
    expect: fails("RequestTimeout", 1)
  },
  {
    name: "headers, then no body",
    serve: (_, response) => response.writeHead(200, { "content-type": "application/json" }).flushHeaders(),
    call: getLead,
    policies: { timeout: "300 millis", retry: false },
    expect: fails("RequestTimeout", 1)
  },
  {
    name: "body dripping slower than the timeout",
    serve: Serve.drip(" ", 50),
    call: getLead,
    policies: { timeout: "300 millis", retry: false },
    expect: fails("RequestTimeout", 1)
  },
  {
    name: "connection dropped before a response (GET)",
    serve: Serve.reset,
    call: getLead,
    expect: fails("TransportError", 3)
  },
  {
    name: "connection dropped before a response (POST)",
    serve: Serve.reset,
    call: addLead,
    expect: fails("TransportError", 1)
  },
  {
    name: "Content-Length longer than the body",
    serve: Serve.raw(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"success":true`),
    call: getLead,
    expect: fails("TransportError", 3)
  },
  {
    name: "not HTTP at all",
    serve: Serve.raw("SSH-2.0-OpenSSH_9.6\r\n"),
    call: getLead,
    expect: fails("TransportError", 3)
  },
  {
    name: "gateway's HTML 502 page",
    serve: Serve.text(502, html, { "content-type": "text/html" }),
    call: getLead,
    expect: fails("ServerError", 3)
  },
  {
    name: "500, then the lead",
    serve: Serve.sequence(Serve.json(500, { success: false, error: "Internal" }), Serve.lead),
    call: getLead,
    expect: ok(2)
  },
  {
    name: "captive portal: 302 to a login page",
    serve: (request, response, index) =>
      request.url === "/login"
        ? Serve.text(200, html, { "content-type": "text/html" })(request, response, index)
        : Serve.text(302, "", { location: "/login" })(request, response, index),
    call: getLead,
    expect: fails("UnexpectedStatus", 1),
    // fetch follows the redirect and reads the login page as the lead.
    except: { FetchHttpClient: fails("ResponseDecodeError", 2) }
  },
  {
    name: "200 with an HTML page",
    serve: Serve.text(200, html, { "content-type": "text/html" }),
    call: getLead,
    expect: fails("ResponseDecodeError", 1)
  },
  {
    name: "200 with an empty body",
    serve: Serve.text(200, "", { "content-type": "application/json" }),
    call: getLead,
    expect: fails("ResponseDecodeError", 1)
  },
  {
    name: "endless chunked body",
    serve: Serve.flood(),
    call: getLead,
    policies: { timeout: "30 seconds" },
    expect: fails("ResponseTooLarge", 1)
  },
  {
    name: "50 MB body (Content-Length)",
    serve: Serve.flood(50 * mb, { "content-length": 50 * mb }),
    call: getLead,
    expect: fails("ResponseTooLarge", 1)
  },
  {
    name: "50 MB body (chunked)",
    serve: Serve.flood(50 * mb),
    call: getLead,
    policies: { timeout: "30 seconds" },
    expect: fails("ResponseTooLarge", 1)
  },
  {
    name: "Content-Length of 10 GB, then silence",
    serve: (_, response) => response.writeHead(200, { "content-length": 10 * 1024 * mb }).flushHeaders(),
    call: getLead,
    // Refused on the header alone: long before the timeout.
    policies: { timeout: "30 seconds" },
    expect: fails("ResponseTooLarge", 1)
  },
  {
    name: "a page over maxResponseBytes: 1000",
    serve: Serve.json(200, {
      success: true,
      data: [1, 2, 3].map((n) => leadJson(leadId(n))),
      additional_data: { pagination: { start: 0, limit: 3, more_items_in_collection: false } }
    }),
    call: (leads) => leads.getLeads({ limit: 3 }),
    policies: { maxResponseBytes: 1000 },
    expect: fails("ResponseTooLarge", 1)
  },
  {
    name: "empty pages claiming more, next_start advancing",
    serve: (request, response, index) => {
      const start = Number(new URL(request.url ?? "", "http://x").searchParams.get("start") ?? 0)
      Serve.json(200, {
        success: true,
        data: [],
        additional_data: { pagination: { start, limit: 500, more_items_in_collection: true, next_start: start + 500 } }
      })(request, response, index)
    },
    call: (leads) => Stream.runDrain(leads.streamLeads({}, { concurrency: 1 })),
    expect: fails("PaginationStalled", 4)
  },
  {
    name: "200 with success but no data",
    serve: Serve.json(200, { success: true }),
    call: getLead,
    expect: fails("ResponseDecodeError", 1)
  },
  {
    name: "200 with success: false and an empty page",
    serve: Serve.json(200, { success: false, error: "Request failed", data: [] }),
    call: (leads) => leads.getLeads({ limit: 3 }),
    expect: fails("UnsuccessfulResponse", 1)
  }
]

interface Cell {
  readonly row: string
  readonly transport: string
  readonly passed: boolean
  readonly text: string
}
const cells: Array<Cell> = []

const show = (expected: Expected) => `${expected.result} ×${expected.requests}`

describe("hostile servers: what a broken proxy, a buggy gateway or an old account sends", () => {
  for (const row of rows) {
    for (const transport of transports) {
      const expected = row.except?.[transport.name] ?? row.expect
      it.live(`${row.name} over ${transport.name}: ${show(expected)}`, () =>
        Effect.gen(function*() {
          const startedAt = yield* Clock.currentTimeMillis
          const outcome = yield* Effect.scoped(Effect.gen(function*() {
            const server = yield* start(row.serve)
            const result = yield* Effect.flatMap(Leads.Leads, row.call).pipe(
              Effect.provide(transport.layer({
                apiToken: Redacted.make(token),
                baseUrl: server.baseUrl,
                ...policies,
                ...row.policies
              })),
              Effect.either
            )
            return {
              result: Either.isRight(result) ? "ok" : (result.left as Errors.PipedriveError)._tag,
              requests: server.requests()
            } satisfies Expected
          })).pipe(Effect.timeoutOption(row.bound ?? hangBound))
          const millis = (yield* Clock.currentTimeMillis) - startedAt
          const actual = Option.getOrElse(outcome, () => ({ result: "(hung)", requests: Number.NaN }))
          const passed = Option.isSome(outcome) && actual.result === expected.result &&
            actual.requests === expected.requests
          cells.push({
            row: row.name,
            transport: transport.name,
            passed,
            text: `${passed ? "✓" : "✗"} ${actual.result} ×${actual.requests} ${millis} ms` +
              (passed ? "" : ` (expected ${show(expected)})`)
          })
          expect(actual).toEqual(expected)
        }))
    }
  }

  afterAll(() => {
    const header = ["scenario", "bound", ...transports.map((transport) => transport.name)]
    const lines = rows.map((row) => [
      row.name,
      Duration.format(Duration.decode(row.bound ?? hangBound)),
      ...transports.map((transport) =>
        cells.find((cell) => cell.row === row.name && cell.transport === transport.name)?.text ?? "(not run)"
      )
    ])
    const widths = header.map((_, i) => Math.max(...[header, ...lines].map((line) => line[i]!.length)))
    const format = (line: ReadonlyArray<string>) => line.map((text, i) => text.padEnd(widths[i]!)).join(" | ")
    const passed = cells.filter((cell) => cell.passed).length
    console.log(
      [
        `Hostile servers: ${passed}/${rows.length * transports.length} cells passed`,
        "(ok = success; otherwise the error's tag; ×n = requests the server received; time = server start to shutdown)",
        format(header),
        format(widths.map((width) => "-".repeat(width))),
        ...lines.map(format)
      ].join("\n")
    )
  })
})

describe("closing the layer with calls in flight", () => {
  // 20 calls wait on a silent server; closing the layer must end every one at once — the design
  // takes milliseconds — without a retry reaching the server. The bound is a third of the 30 s
  // request timeout that a call left running would end at, not near the design's milliseconds
  // (a machine whose cores are busy can take a second or two).
  const bound = 10_000
  for (const transport of transports) {
    it.scopedLive(`over ${transport.name}: 20 waiting calls end within ${bound} ms, none retried`, () =>
      Effect.gen(function*() {
        const server = yield* start(Serve.silence)
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(
          transport.layer({ apiToken: Redacted.make(token), baseUrl: server.baseUrl }),
          scope
        )
        const fibers = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, n) => leadId(n)),
          (id) => Effect.fork(Effect.flatMap(Leads.Leads, (leads) => leads.getLead(id)).pipe(Effect.provide(context)))
        )
        yield* Effect.repeat(Effect.sync(server.requests), {
          until: (requests) => requests === 20,
          schedule: Schedule.spaced("10 millis")
        }).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("20 requests never arrived") }))
        const closingAt = yield* Clock.currentTimeMillis
        yield* Scope.close(scope, Exit.void)
        const exits = yield* Effect.forEach(fibers, Fiber.await).pipe(Effect.timeoutOption(bound * 5))
        const millis = (yield* Clock.currentTimeMillis) - closingAt
        console.log(`[hostile] layer closed with 20 calls in flight over ${transport.name}: all ended in ${millis} ms`)
        expect(Option.map(exits, (all) => all.every(Exit.isInterrupted))).toEqual(Option.some(true))
        expect(millis).toBeLessThan(bound)
        // Give a retry, had there been one, time to arrive.
        yield* Effect.sleep("200 millis")
        expect(server.requests()).toBe(20)
      }))
  }
})
