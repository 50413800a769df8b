/**
 * The same start/limit walk one layer of the client's stack at a time, to see where its CPU
 * goes (scenario 7). Each layer adds to the one before:
 *
 * - `undici`: `undici.request` on the pool `PipedriveNode` uses, the body's text, `JSON.parse`,
 *   no Effect;
 * - `undici-pieces`: the same requests, the body's chunks parsed by `ResponseBody.parseJson`
 *   (never one large string);
 * - `effect-undici`: the same, each request an `Effect.async`;
 * - `transport`: `UndiciHttpClient` through `HttpClient.withScope` (a scope and an abort
 *   signal per request, as the client sends), the body read by its `ResponseBody.BytesReader`
 *   and parsed in pieces by `ResponseBody.parseJson`;
 * - `get-leads`: `Leads.getLeads` over `PipedriveNode.layer`: every policy, the interpreter
 *   and full validation, no stream.
 *
 *   layers-walk --layer L --url U --token T --leads N [--limit 500]
 */
import { Leads, ResponseBody } from "@effect-pipedrive/core"
import * as PipedriveNode from "@effect-pipedrive/node-runtime/PipedriveNode"
import * as UndiciHttpClient from "@effect-pipedrive/node-runtime/UndiciHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Redacted, type Scope } from "effect"
import { type ClientResult, intArg, report, requiredArg } from "../lib/protocol.js"
import { type ListBody, makeWalk, pageOf, type RawPage } from "../lib/walk.js"

const url = requiredArg("url")
const token = requiredArg("token")
const leads = intArg("leads", 100_000)
const limit = intArg("limit", 500)
const headers = { "x-api-token": token, accept: "application/json" }

type Agent = Effect.Effect.Success<ReturnType<typeof UndiciHttpClient.makeAgent>>

const pageUrl = (start: number) => new URL(`${url}/leads?start=${start}&limit=${limit}`)

const requestOptions = (start: number) => {
  const target = pageUrl(start)
  return { origin: target.origin, path: target.pathname + target.search, method: "GET" as const, headers }
}

/**
 * Walks with `next(start)` giving what each page is read from, in an Effect program; `read`
 * turns it into the page outside the effect, as the client parses: a parsed page that is an
 * effect's result is kept long enough to be promoted, which the client avoids.
 */
const walkWith = <A, E, R>(next: (start: number) => Effect.Effect<A, E, R>, read: (a: A) => RawPage) =>
  Effect.gen(function*() {
    const pages = makeWalk(leads, limit)
    let start: number | undefined = 0
    while (start !== undefined) start = pages.take(read(yield* next(start)), start)
    return pages.stop()
  })

/** The page in a body's chunks, parsed in pieces, unvalidated. */
const parsedPieces = (chunks: ReadonlyArray<Uint8Array>): RawPage => pageOf(ResponseBody.parseJson(chunks) as ListBody)

/** A body's chunks as undici reads them. */
const chunksOf = (body: NodeJS.ReadableStream): Promise<Array<Uint8Array>> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Uint8Array> = []
    body.on("data", (chunk: Uint8Array) => chunks.push(chunk)).on("end", () => resolve(chunks)).on("error", reject)
  })

type UndiciBody = Awaited<ReturnType<Agent["request"]>>["body"]

/** The walk on `undici.request` alone, no Effect per request, each body read into a page by `read`. */
const undiciWalk = (read: (body: UndiciBody) => Promise<RawPage>) =>
  Effect.flatMap(UndiciHttpClient.makeAgent(), (agent) =>
    Effect.promise(async () => {
      const pages = makeWalk(leads, limit)
      let start: number | undefined = 0
      while (start !== undefined) {
        const response = await agent.request(requestOptions(start))
        start = pages.take(await read(response.body), start)
      }
      return pages.stop()
    }))

const layers: Record<string, Effect.Effect<ClientResult, unknown, Scope.Scope>> = {
  undici: undiciWalk(async (body) => pageOf(JSON.parse(await body.text()) as ListBody)),
  "undici-pieces": undiciWalk(async (body) => parsedPieces(await chunksOf(body))),
  "effect-undici": Effect.flatMap(UndiciHttpClient.makeAgent(), (agent) =>
    walkWith((start) =>
      Effect.flatMap(
        Effect.async<Awaited<ReturnType<Agent["request"]>>>((resume) => {
          agent.request(requestOptions(start), (error, data) => resume(error === null ? Effect.succeed(data) : Effect.die(error)))
        }),
        (response) => Effect.promise(() => chunksOf(response.body))
      ), parsedPieces)),
  transport: Effect.flatMap(UndiciHttpClient.makeAgent(), (agent) => {
    const client = HttpClient.withScope(UndiciHttpClient.make(agent))
    return walkWith((start) =>
      Effect.scoped(Effect.flatMap(client.get(pageUrl(start), { headers }), (response) =>
        ResponseBody.isBytesReader(response)
          ? response[ResponseBody.TypeId](32 * 1024 * 1024, () => new Error("too large"))
          : Effect.dieMessage("the transport's response has no reader"))), parsedPieces)
  }),
  "get-leads": Effect.flatMap(Leads.Leads, (service) =>
    walkWith((start) => service.getLeads({ start, limit }), (page) => ({ leads: page.items, pagination: page.pagination }))).pipe(
      Effect.provide(PipedriveNode.layer({ apiToken: Redacted.make(token), baseUrl: url, rateLimit: false }))
    )
}

const walk = layers[requiredArg("layer")]
if (walk === undefined) throw new Error(`--layer must be one of ${Object.keys(layers).join(", ")}`)

Effect.runPromise(Effect.scoped(walk)).then(report, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
