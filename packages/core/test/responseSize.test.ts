/**
 * The response size cap over any `HttpClient` (here a web `Response` whose body the test
 * controls): a `Content-Length` over the cap fails at once, a body that grows past it fails as
 * soon as it does, the request is aborted, and the error is never retried.
 */
import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import { ConfigError, Effect, Layer, Redacted } from "effect"
import * as Errors from "../src/Errors.js"
import * as Leads from "../src/Leads.js"
import * as PipedriveClient from "../src/PipedriveClient.js"
import * as ResponseBody from "../src/ResponseBody.js"
import { json, leadId, leadJson } from "./support/mockHttp.js"
import { runFor } from "./support/drive.js"
import { leadsLayer, makeScripted, type Script } from "./support/scriptedHttp.js"

const encoder = new TextEncoder()

/** A body served in `chunks`, counting how many were pulled and whether it was cancelled. */
const body = (chunks: Iterable<Uint8Array>) => {
  const iterator = chunks[Symbol.iterator]()
  const stats = { pulled: 0, cancelled: false }
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = iterator.next()
      if (next.done === true) return controller.close()
      stats.pulled++
      controller.enqueue(next.value)
    },
    cancel() {
      stats.cancelled = true
    }
  }, { highWaterMark: 0 })
  return { stream, stats }
}

function* endless(chunk: Uint8Array) {
  while (true) yield chunk
}

/** `getLead` of the first lead over `client`, with `policies`. */
const getLeadVia = (client: HttpClient.HttpClient, policies: PipedriveClient.Policies = {}) =>
  Effect.flatMap(Leads.Leads, (leads) => leads.getLead(leadId(1))).pipe(Effect.provide(leadsLayer(client, policies)))

/** `getLead` with retries on (they must not happen), the error it fails with, and what was sent. */
const getLeadOver = (script: Script, maxResponseBytes: number) => {
  const { client, sent } = makeScripted(script)
  return getLeadVia(client, { maxResponseBytes, retry: { baseDelay: "1 millis" } }).pipe(
    Effect.flip,
    Effect.map((error) => ({ error, sent }))
  )
}

/** A body that breaks off, over `client`: a TransportError that says the request was sent, retried twice. */
const brokenBodyIsRetried = (client: HttpClient.HttpClient, sent: ReadonlyArray<unknown>) =>
  Effect.gen(function*() {
    const exit = yield* runFor(getLeadVia(client, { retry: { times: 2, baseDelay: "1 millis" } }), "1 minute")
    expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "TransportError", requestSent: true } } })
    expect(String(exit)).toContain("socket hang up")
    expect(sent).toHaveLength(3)
  })

describe("response size cap", () => {
  it.effect("a body that grows past the cap fails as soon as it does, is cancelled, and is not retried", () =>
    Effect.gen(function*() {
      const { stats, stream } = body(endless(new Uint8Array(1024).fill(32)))
      const { error, sent } = yield* getLeadOver(() => new Response(stream, { status: 200 }), 10 * 1024)
      expect(error).toBeInstanceOf(Errors.ResponseTooLarge)
      expect(error).toMatchObject({ method: "GET", path: `/api/v1/leads/${leadId(1)}`, status: 200, maxBytes: 10240 })
      expect(error.message).toContain("10240")
      // The eleventh kilobyte passes the cap; at most the stream's next chunk is read beyond it.
      expect(stats.pulled).toBeGreaterThanOrEqual(11)
      expect(stats.pulled).toBeLessThanOrEqual(12)
      expect(stats.cancelled).toBe(true)
      expect(sent).toHaveLength(1)
      expect(sent[0]!.signal.aborted).toBe(true)
    }))

  it.effect("a Content-Length over the cap fails before a byte is read", () =>
    Effect.gen(function*() {
      const { stats, stream } = body(endless(new Uint8Array(1024)))
      const { error, sent } = yield* getLeadOver(
        () => new Response(stream, { status: 200, headers: { "content-length": "50000000" } }),
        1024 * 1024
      )
      expect(error).toMatchObject({ _tag: "ResponseTooLarge", declaredBytes: 50_000_000, maxBytes: 1024 * 1024 })
      expect(stats.pulled).toBe(0)
      expect(sent).toHaveLength(1)
      expect(sent[0]!.signal.aborted).toBe(true)
    }))

  it.effect("an error status over the cap fails the same way", () =>
    Effect.gen(function*() {
      const { stream } = body(endless(new Uint8Array(1024)))
      const { error, sent } = yield* getLeadOver(() => new Response(stream, { status: 500 }), 4096)
      expect(error).toMatchObject({ _tag: "ResponseTooLarge", status: 500 })
      expect(sent).toHaveLength(1)
    }))

  it.effect("a body of exactly the cap, in chunks that split a character, is read and decoded whole", () =>
    Effect.gen(function*() {
      const bytes = encoder.encode(JSON.stringify({ success: true, data: leadJson({ id: leadId(1), title: "Zoë — ☃ 🚀" }) }))
      // Three-byte pieces cut every multi-byte character somewhere.
      const pieces = Array.from({ length: Math.ceil(bytes.length / 3) }, (_, i) => bytes.subarray(i * 3, i * 3 + 3))
      const { client } = makeScripted(() => new Response(body(pieces).stream, { status: 200 }))
      const lead = yield* getLeadVia(client, { maxResponseBytes: bytes.length })
      expect(lead.title).toBe("Zoë — ☃ 🚀")
    }))

  it.effect("a body that breaks off is a TransportError that says the request was sent, and a GET is retried", () =>
    Effect.gen(function*() {
      const breaking = () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(encoder.encode(`{"success":true,"data":`))
              controller.error(new Error("socket hang up"))
            }
          }),
          { status: 200 }
        )
      const { client, sent } = makeScripted(breaking)
      yield* brokenBodyIsRetried(client, sent)
    }))

  it.effect("a response without a body reads as no bytes", () =>
    Effect.gen(function*() {
      const { client } = makeScripted(() => new Response(null, { status: 500 }))
      const error = yield* Effect.flip(getLeadVia(client, { retry: false }))
      expect(error).toMatchObject({ _tag: "ServerError", status: 500 })
    }))

  it.effect.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "maxResponseBytes: %s is a ConfigError naming the option",
    (maxResponseBytes) =>
      Effect.gen(function*() {
        const { client } = makeScripted(() => new Response("{}"))
        const error = yield* Layer.build(PipedriveClient.layer({ apiToken: Redacted.make("t"), companyDomain: "acme", maxResponseBytes })).pipe(
          Effect.provideService(HttpClient.HttpClient, client),
          Effect.scoped,
          Effect.flip
        )
        expect(ConfigError.isConfigError(error)).toBe(true)
        expect(String(error)).toContain("maxResponseBytes")
      })
  )

  it("the default cap is 32 MiB", () => {
    expect(PipedriveClient.defaultMaxResponseBytes).toBe(32 * 1024 * 1024)
  })
})

/**
 * `getLead` over a web response whose `property` counts how often the client reads it: the lead
 * it returns, and the count.
 */
const readsOf = (property: "headers" | "stream") =>
  Effect.gen(function*() {
    let reads = 0
    const { client } = makeScripted(() => json(200, { success: true, data: leadJson({ id: leadId(1) }) }))
    const counting = HttpClient.transformResponse(client, (effect) =>
      Effect.map(effect, (response) => {
        const value = response[property]
        return Object.defineProperty(response, property, {
          get: () => {
            reads++
            return value
          }
        })
      }))
    const lead = yield* getLeadVia(counting)
    return { id: lead.id, reads }
  })

describe("a web response", () => {
  it.effect("has its body read from the web reader, not through the platform's Effect stream", () =>
    Effect.map(readsOf("stream"), (read) => expect(read).toEqual({ id: leadId(1), reads: 0 })))

  it.effect("has its headers read once, though the span, the limiter and the size check all look at them", () =>
    Effect.map(readsOf("headers"), (read) => expect(read).toEqual({ id: leadId(1), reads: 1 })))
})

/**
 * A transport whose responses offer a `ResponseBody.BytesReader` answering `read(maxBytes)`:
 * the text (handed over as UTF-8 in chunks of 3 bytes, so characters are split between
 * chunks), `"tooLarge"` (its `onTooLarge()`), or `"broken"` (a `ResponseError`). Each response's
 * own body is the test's counting stream, which the client must then leave alone.
 */
const chunksOf = (bytes: Uint8Array, size: number): Array<Uint8Array> =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size))

const withReader = (read: (maxBytes: number) => string | "tooLarge" | "broken") => {
  const { stats, stream } = body(endless(new Uint8Array(1024)))
  const calls: Array<number> = []
  const { client, sent } = makeScripted(() => new Response(stream, { status: 200 }))
  const reading = HttpClient.transformResponse(client, (effect) =>
    Effect.map(effect, (response) =>
      Object.defineProperty(response, ResponseBody.TypeId, {
        value: <E>(maxBytes: number, onTooLarge: () => E) => {
          calls.push(maxBytes)
          const outcome = read(maxBytes)
          return outcome === "tooLarge"
            ? Effect.fail(onTooLarge())
            : outcome === "broken"
            ? Effect.fail(new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause: new Error("socket hang up") }))
            : Effect.succeed(chunksOf(new TextEncoder().encode(outcome), 3))
        }
      })))
  return { calls, client: reading, sent, stats }
}

describe("a transport's own whole-body reader (ResponseBody.BytesReader)", () => {
  it.effect("reads the body, with the client's cap, instead of the stream", () =>
    Effect.gen(function*() {
      const { calls, client, stats } = withReader(() =>
        JSON.stringify({ success: true, data: leadJson({ id: leadId(1), title: "Zoë ☃ 😀" }) })
      )
      const lead = yield* getLeadVia(client, { maxResponseBytes: 5000 })
      expect(lead.title).toBe("Zoë ☃ 😀")
      expect(calls).toEqual([5000])
      expect(stats.pulled).toBe(0)
    }))

  it.effect("its onTooLarge is the client's ResponseTooLarge, not retried, and the request is aborted", () =>
    Effect.gen(function*() {
      const { client, sent } = withReader(() => "tooLarge")
      const error = yield* Effect.flip(getLeadVia(client, { maxResponseBytes: 4096 }))
      expect(error).toMatchObject({ _tag: "ResponseTooLarge", method: "GET", path: `/api/v1/leads/${leadId(1)}`, maxBytes: 4096 })
      expect(sent).toHaveLength(1)
      expect(sent[0]!.signal.aborted).toBe(true)
    }))

  it.effect("a broken body is a TransportError that says the request was sent, and a GET is retried", () =>
    Effect.gen(function*() {
      const { client, sent } = withReader(() => "broken")
      yield* brokenBodyIsRetried(client, sent)
    }))
})
