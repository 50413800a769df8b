import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Fiber, Stream, TestClock } from "effect"
import * as Leads from "../src/Leads.js"
import {
  type Handler,
  json,
  leadId,
  leadJson,
  makeTestLayer,
  pagination,
  requestCount,
  requests,
  searchItemJson
} from "./support/mockHttp.js"

const leads = (count: number) => Array.from({ length: count }, (_, i) => leadJson({ id: leadId(i + 1), title: `Lead ${i + 1}` }))

/** Serves `items` page by page from the `start`/`limit` query, as Pipedrive paginates. */
const paged = (items: ReadonlyArray<unknown>, shape: "list" | "search" = "list"): Handler => (request) => {
  const start = Number(request.query.start ?? "0")
  const limit = Number(request.query.limit ?? "100")
  const page = items.slice(start, start + limit)
  const next = start + limit < items.length ? start + limit : undefined
  return json(200, {
    success: true,
    data: shape === "list" ? page : { items: page },
    additional_data: pagination(start, limit, next)
  })
}

const titles = (chunk: Chunk.Chunk<{ readonly title: string }>) => Chunk.toReadonlyArray(chunk).map((l) => l.title)

const startsAndLimits = Effect.map(requests, (all) => all.map((r) => [r.query.start, r.query.limit]))

describe("streamLeads", () => {
  const seven = leads(7)

  it.effect("reads every page in order, start advancing by next_start", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamLeads({ limit: 3 }))
      expect(titles(all)).toStrictEqual(seven.map((l) => l.title))
      expect(yield* startsAndLimits).toStrictEqual([["0", "3"], ["3", "3"], ["6", "3"]])
      for (const request of yield* requests) expect(request.path).toBe("https://acme.pipedrive.com/api/v1/leads")
    }).pipe(Effect.provide(makeTestLayer(paged(seven)))))

  it.effect("consuming everything sends exactly one request per page, none past the last", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      for (const readAhead of [0, 1, 2] as const) {
        const before = yield* requestCount
        const all = yield* Stream.runCollect(service.streamLeads({ limit: 3 }, { readAhead }))
        expect(Chunk.size(all)).toBe(7)
        expect((yield* requestCount) - before).toBe(3)
      }
    }).pipe(Effect.provide(makeTestLayer(paged(seven)))))

  // The read-ahead buffer is what bounds a walk's memory and its requests past a stopped
  // consumer: a consumer that sits on each page for an hour, pages that take 100 ms. However
  // long the clock runs, the fetcher is at most `readAhead` pages ahead of the page being
  // worked on, plus one request waiting for room in the buffer.
  it.effect("a slow consumer: never more than readAhead + 1 pages requested past the one it works on", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      // A real turn of the event loop: the stream hands pages over on macrotasks.
      const settle = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))
      for (const readAhead of [0, 1, 2] as const) {
        const before = yield* requestCount
        let started = 0
        const consumer = yield* service.streamLeads({ limit: 1 }, { readAhead }).pipe(
          Stream.runForEach(() => Effect.zipRight(Effect.sync(() => started++), Effect.sleep("1 hour"))),
          Effect.fork
        )
        const observed: Array<readonly [number, number]> = []
        for (let hour = 0; hour < 3; hour++) {
          // Ample time for every fetch the buffer allows (and for more, were it larger).
          for (let tick = 0; tick < 10; tick++) {
            yield* TestClock.adjust("100 millis")
            yield* settle
          }
          observed.push([started, (yield* requestCount) - before])
          yield* TestClock.adjust("1 hour")
          yield* settle
        }
        yield* Fiber.interrupt(consumer)
        // The consumer moved on hour by hour; the first page alone never causes a second
        // request; past it, the fetcher is never more than readAhead + 1 pages ahead.
        expect(observed.map(([page]) => page), `readAhead ${readAhead}`).toStrictEqual([1, 2, 3])
        for (const [page, requested] of observed) {
          const bound = page === 1 ? 1 : page + readAhead + 1
          expect(requested, `readAhead ${readAhead}, working on page ${page}`).toBeGreaterThanOrEqual(page)
          expect(requested, `readAhead ${readAhead}, working on page ${page}`).toBeLessThanOrEqual(bound)
        }
      }
    }).pipe(Effect.provide(makeTestLayer((request, context) =>
      Effect.as(Effect.sleep("100 millis"), paged(leads(20))(request, context) as Response)
    ))))

  it.effect("a page that exactly fills the last slot ends without an extra request", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamLeads({ limit: 3 }))
      expect(Chunk.size(all)).toBe(6)
      expect(yield* startsAndLimits).toStrictEqual([["0", "3"], ["3", "3"]])
    }).pipe(Effect.provide(makeTestLayer(paged(leads(6))))))

  it.effect("Stream.take(1) fetches exactly one page", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const first = yield* Stream.runCollect(Stream.take(service.streamLeads({ limit: 3 }), 1))
      expect(titles(first)).toStrictEqual(["Lead 1"])
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(makeTestLayer(paged(seven)))))

  it.effect("nothing is fetched until the stream runs", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const stream = service.streamLeads()
      expect(yield* requestCount).toBe(0)
      yield* Stream.runDrain(stream)
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(makeTestLayer(paged(seven)))))

  it.effect("pages default to 500 leads; other params are sent on every page", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      yield* Stream.runDrain(service.streamLeads({ owner_id: 5, sort: "update_time ASC" }))
      const all = yield* requests
      expect(all.map((r) => r.query)).toStrictEqual([
        { start: "0", limit: "500", owner_id: "5", sort: "update_time ASC" }
      ])
    }).pipe(Effect.provide(makeTestLayer(paged(seven)))))

  it.effect("a start param is where the stream begins", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const rest = yield* Stream.runCollect(service.streamLeads({ start: 4, limit: 2 }))
      expect(titles(rest)).toStrictEqual(["Lead 5", "Lead 6", "Lead 7"])
      expect(yield* startsAndLimits).toStrictEqual([["4", "2"], ["6", "2"]])
    }).pipe(Effect.provide(makeTestLayer(paged(seven)))))

  it.effect("a data: null page ends the stream cleanly", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamLeads({ limit: 2 }))
      expect(titles(all)).toStrictEqual(["Lead 1", "Lead 2"])
      expect(yield* requestCount).toBe(2)
    }).pipe(Effect.provide(makeTestLayer((request) =>
      request.query.start === "0"
        ? json(200, { success: true, data: leads(2), additional_data: pagination(0, 2, 2) })
        : json(200, { success: true, data: null, additional_data: null })
    ))))

  it.effect("an empty page claiming more items but no next_start does not loop", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamLeads())
      expect(Chunk.size(all)).toBe(0)
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(makeTestLayer((_, { index }) =>
      // A second request would be the loop starting: it fails, so a regression fails the test
      // instead of hanging it.
      index === 0
        ? json(200, {
          success: true,
          data: null,
          additional_data: { pagination: { start: 0, limit: 500, more_items_in_collection: true } }
        })
        : json(500, { success: false, error: "the stream asked again" })
    ))))

  it.effect("an error on page 2 surfaces as the typed error after page 1's items", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const results = yield* Stream.runCollect(Stream.either(service.streamLeads({ limit: 3 })))
      const events = Chunk.toReadonlyArray(results).map(Either.match({
        onLeft: (error) => `error ${error._tag}`,
        onRight: (lead) => lead.title
      }))
      expect(events).toStrictEqual(["Lead 1", "Lead 2", "Lead 3", "error ServerError"])
      expect(yield* requestCount).toBe(2)

      const recovered = yield* Stream.runCollect(
        service.streamLeads({ limit: 3 }).pipe(
          Stream.map((lead) => lead.title),
          Stream.catchAll((error) => Stream.succeed(`${error._tag} ${error._tag === "ServerError" ? error.status : ""}`))
        )
      )
      expect(Chunk.toReadonlyArray(recovered)).toStrictEqual(["Lead 1", "Lead 2", "Lead 3", "ServerError 500"])
    }).pipe(Effect.provide(makeTestLayer((request, context) =>
      request.query.start === "3"
        ? json(500, { success: false, error: "Internal server error", data: null })
        : paged(seven)(request, context)
    ))))

  it.effect("an error on the first page fails the stream with no items", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const error = yield* Effect.flip(Stream.runCollect(service.streamLeads()))
      expect(error._tag).toBe("Unauthorized")
    }).pipe(Effect.provide(makeTestLayer(() => json(401, { success: false, error: "unauthorized access" })))))
})

describe("streamArchivedLeads and streamSearchLeads", () => {
  const found = Array.from({ length: 5 }, (_, i) => searchItemJson({ id: leadId(i + 1), title: `Found ${i + 1}` }))

  it.effect("streamArchivedLeads walks /leads/archived page by page", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamArchivedLeads({ limit: 2 }))
      expect(titles(all)).toStrictEqual(["Lead 1", "Lead 2", "Lead 3", "Lead 4", "Lead 5"])
      const sent = yield* requests
      expect(sent.map((r) => r.path)).toStrictEqual(
        Array.from({ length: 3 }, () => "https://acme.pipedrive.com/api/v1/leads/archived")
      )
      expect(yield* startsAndLimits).toStrictEqual([["0", "2"], ["2", "2"], ["4", "2"]])
    }).pipe(Effect.provide(makeTestLayer(paged(leads(5))))))

  it.effect("streamSearchLeads walks /leads/search page by page, the term on every page", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamSearchLeads({ term: "found", fields: ["title"], limit: 2 }))
      expect(Chunk.toReadonlyArray(all).map((r) => r.item.title)).toStrictEqual(
        ["Found 1", "Found 2", "Found 3", "Found 4", "Found 5"]
      )
      const sent = yield* requests
      expect(sent.map((r) => r.query)).toStrictEqual([
        { term: "found", fields: "title", start: "0", limit: "2" },
        { term: "found", fields: "title", start: "2", limit: "2" },
        { term: "found", fields: "title", start: "4", limit: "2" }
      ])
      for (const request of sent) expect(request.path).toBe("https://acme.pipedrive.com/api/v1/leads/search")
    }).pipe(Effect.provide(makeTestLayer(paged(found, "search")))))

  it.effect("streamSearchLeads defaults to pages of 500 and stops on data: null", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamSearchLeads({ term: "nothing" }))
      expect(Chunk.size(all)).toBe(0)
      const sent = yield* requests
      expect(sent.map((r) => r.query)).toStrictEqual([{ term: "nothing", start: "0", limit: "500" }])
    }).pipe(Effect.provide(makeTestLayer(() =>
      json(200, { success: true, data: null, additional_data: pagination(0, 500, undefined) })
    ))))
})
