import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Exit, Fiber, Stream, TestClock } from "effect"
import type * as Errors from "../src/Errors.js"
import type { Lead } from "../src/Lead.js"
import * as Leads from "../src/Leads.js"
import * as Pagination from "../src/Pagination.js"
import { settle } from "./support/drive.js"
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
      const all = yield* Stream.runCollect(service.streamLeads({ limit: 3 }, { concurrency: 1 }))
      expect(titles(all)).toStrictEqual(seven.map((l) => l.title))
      expect(yield* startsAndLimits).toStrictEqual([["0", "3"], ["3", "3"], ["6", "3"]])
      for (const request of yield* requests) expect(request.path).toBe("https://acme.pipedrive.com/api/v1/leads")
    }).pipe(Effect.provide(makeTestLayer(paged(seven)))))

  it.effect("one page at a time, consuming everything sends exactly one request per page, none past the last", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamLeads({ limit: 3 }, { concurrency: 1 }))
      expect(Chunk.size(all)).toBe(7)
      expect(yield* requestCount).toBe(3)
    }).pipe(Effect.provide(makeTestLayer(paged(seven)))))

  // K is what bounds a walk's memory and its requests past a stopped consumer: a consumer
  // that sits on each page for an hour, pages that take 100 ms. However long the clock runs,
  // the walk has requested at most K − 1 pages past the page being worked on.
  it.effect("a slow consumer: never more than K − 1 pages requested past the one it works on", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      // A real turn of the event loop: the stream hands pages over on macrotasks.
      const turn = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))
      for (const concurrency of [1, 2, 3, 4]) {
        const before = yield* requestCount
        let started = 0
        const consumer = yield* service.streamLeads({ limit: 1 }, { concurrency }).pipe(
          Stream.runForEach(() => Effect.zipRight(Effect.sync(() => started++), Effect.sleep("1 hour"))),
          Effect.fork
        )
        const observed: Array<readonly [number, number]> = []
        for (let hour = 0; hour < 3; hour++) {
          // Ample time for every fetch the buffer allows (and for more, were it larger).
          for (let tick = 0; tick < 10; tick++) {
            yield* TestClock.adjust("100 millis")
            yield* turn
          }
          observed.push([started, (yield* requestCount) - before])
          yield* TestClock.adjust("1 hour")
          yield* turn
        }
        yield* Fiber.interrupt(consumer)
        // The consumer moved on hour by hour; the first page alone never causes a second
        // request; past it, the walk is never more than K − 1 pages ahead.
        expect(observed.map(([page]) => page), `K ${concurrency}`).toStrictEqual([1, 2, 3])
        for (const [page, requested] of observed) {
          const bound = page === 1 ? 1 : page + concurrency - 1
          expect(requested, `K ${concurrency}, working on page ${page}`).toBeGreaterThanOrEqual(page)
          expect(requested, `K ${concurrency}, working on page ${page}`).toBeLessThanOrEqual(bound)
        }
      }
    }).pipe(Effect.provide(makeTestLayer((request, context) =>
      Effect.as(Effect.sleep("100 millis"), paged(leads(20))(request, context) as Response)
    ))))

  it.effect("a page that exactly fills the last slot ends without an extra request", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamLeads({ limit: 3 }, { concurrency: 1 }))
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
      const rest = yield* Stream.runCollect(service.streamLeads({ start: 4, limit: 2 }, { concurrency: 1 }))
      expect(titles(rest)).toStrictEqual(["Lead 5", "Lead 6", "Lead 7"])
      expect(yield* startsAndLimits).toStrictEqual([["4", "2"], ["6", "2"]])
    }).pipe(Effect.provide(makeTestLayer(paged(seven)))))

  it.effect("a data: null page ends the stream cleanly", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamLeads({ limit: 2 }, { concurrency: 1 }))
      expect(titles(all)).toStrictEqual(["Lead 1", "Lead 2"])
      expect(yield* requestCount).toBe(2)
    }).pipe(Effect.provide(makeTestLayer((request) =>
      request.query.start === "0"
        ? json(200, { success: true, data: leads(2), additional_data: pagination(0, 2, 2) })
        : json(200, { success: true, data: null, additional_data: null })
    ))))

  it.effect("an error on page 2 surfaces as the typed error after page 1's items", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const results = yield* Stream.runCollect(Stream.either(service.streamLeads({ limit: 3 }, { concurrency: 1 })))
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
      const all = yield* Stream.runCollect(service.streamArchivedLeads({ limit: 2 }, { concurrency: 1 }))
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
      const all = yield* Stream.runCollect(
        service.streamSearchLeads({ term: "found", fields: ["title"], limit: 2 }, { concurrency: 1 })
      )
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

/** Serves `items` as `paged` does, each answer `delay(start)` ms late on the TestClock, counting the requests in flight. */
const slowPaged = (items: ReadonlyArray<unknown>, delay: (start: number) => number) => {
  const state = { inFlight: 0, most: 0, interrupted: [] as Array<number> }
  const handler: Handler = (request, context) => {
    const start = Number(request.query.start)
    return Effect.sync(() => {
      state.inFlight++
      state.most = Math.max(state.most, state.inFlight)
    }).pipe(
      Effect.zipRight(Effect.sleep(delay(start))),
      Effect.as(paged(items)(request, context) as Response),
      Effect.onInterrupt(() => Effect.sync(() => state.interrupted.push(start))),
      Effect.ensuring(Effect.sync(() => state.inFlight--))
    )
  }
  return { handler, state }
}

describe("pages in parallel, in order", () => {
  const twenty = leads(20)

  it.effect("Stream.take(1) sends one request, whatever the concurrency", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      for (const concurrency of [undefined, 1, 2, 4, 16]) {
        const before = yield* requestCount
        const first = yield* Stream.runCollect(Stream.take(service.streamLeads({ limit: 3 }, { concurrency }), 1))
        expect(titles(first)).toStrictEqual(["Lead 1"])
        expect((yield* requestCount) - before).toBe(1)
      }
    }).pipe(Effect.provide(makeTestLayer(paged(twenty)))))

  it.effect("a walk of N pages sends at most N + K − 1 requests and emits every item once, in order", () =>
    Effect.forEach([1, 2, 3, 5, 7, 20], (count) =>
      Effect.gen(function*() {
        const service = yield* Leads.Leads
        for (const concurrency of [1, 2, 3, 4, 6]) {
          const limit = 3
          const pages = Math.ceil(count / limit)
          const before = yield* requestCount
          const all = yield* Stream.runCollect(service.streamLeads({ limit }, { concurrency }))
          expect(titles(all)).toStrictEqual(twenty.slice(0, count).map((l) => l.title))
          const sent = (yield* requestCount) - before
          expect(sent).toBeGreaterThanOrEqual(pages)
          expect(sent).toBeLessThanOrEqual(pages + concurrency - 1)
        }
      }).pipe(Effect.provide(makeTestLayer(paged(twenty.slice(0, count)))))))

  it.effect("keeps K requests going, and emits pages in order when later ones answer first", () => {
    // Later pages answer sooner: page at start s takes 100 − s ms.
    const { handler, state } = slowPaged(twenty, (start) => 100 - start)
    return Effect.gen(function*() {
      const service = yield* Leads.Leads
      const fiber = yield* Effect.fork(Stream.runCollect(service.streamLeads({ limit: 2 }, { concurrency: 4 })))
      const exit = yield* settle(fiber, "2 seconds")
      expect(Exit.isSuccess(exit) && titles(exit.value)).toStrictEqual(twenty.map((l) => l.title))
      expect(state.most).toBe(4)
      expect(yield* requestCount).toBeLessThanOrEqual(10 + 3)
    }).pipe(Effect.provide(makeTestLayer(handler)))
  })

  it.effect("by default K is what the rate limiter's window has room for, at most 4", () =>
    Effect.gen(function*() {
      for (const [remaining, expected] of [[undefined, 4], [100, 4], [2, 2], [0, 1]] as const) {
        const { handler, state } = slowPaged(twenty, () => 10)
        const headers: Record<string, string> = remaining === undefined
          ? {}
          : { "x-ratelimit-remaining": String(remaining), "x-ratelimit-limit": "40" }
        const withHeaders: Handler = (request, context) =>
          Effect.map(handler(request, context) as Effect.Effect<Response>, (response) => {
            for (const [name, value] of Object.entries(headers)) response.headers.set(name, value)
            return response
          })
        yield* Effect.gen(function*() {
          const service = yield* Leads.Leads
          const fiber = yield* Effect.fork(Stream.runCollect(service.streamLeads({ limit: 2 })))
          const exit = yield* settle(fiber, "5 seconds")
          expect(Exit.isSuccess(exit) && Chunk.size(exit.value)).toBe(20)
          expect(state.most, `remaining ${remaining}`).toBe(expected)
        }).pipe(Effect.provide(makeTestLayer(withHeaders)))
      }
    }))

  it.effect("the requests past the last page are interrupted as soon as it arrives", () => {
    const pagesInList = 3
    const { handler, state } = slowPaged(twenty.slice(0, 6), (start) => start < 6 ? 10 : 60_000)
    return Effect.gen(function*() {
      const service = yield* Leads.Leads
      const seenAtLastItem: Array<number> = []
      const fiber = yield* Effect.fork(
        service.streamLeads({ limit: 2 }, { concurrency: 4 }).pipe(
          Stream.tap((lead) =>
            Effect.sync(() => {
              if (lead.title === "Lead 6") seenAtLastItem.push(state.interrupted.length, state.inFlight)
            })
          ),
          Stream.runCollect
        )
      )
      const exit = yield* settle(fiber, "1 second")
      expect(Exit.isSuccess(exit) && Chunk.size(exit.value)).toBe(6)
      // Pages at 6, 8 and 10 were requested ahead (K − 1 = 3 past the end) and never answer:
      // all interrupted before the consumer saw the last lead, nothing left in flight.
      expect(yield* requestCount).toBe(pagesInList + 3)
      expect(state.interrupted.sort((a, b) => a - b)).toStrictEqual([6, 8, 10])
      expect(seenAtLastItem).toStrictEqual([3, 0])
    }).pipe(Effect.provide(makeTestLayer(handler)))
  })

  it.effect("stopping early interrupts the requests ahead", () => {
    const { handler, state } = slowPaged(twenty, (start) => start < 4 ? 10 : 60_000)
    return Effect.gen(function*() {
      const service = yield* Leads.Leads
      const fiber = yield* Effect.fork(Stream.runCollect(Stream.take(service.streamLeads({ limit: 2 }), 3)))
      const exit = yield* settle(fiber, "1 second")
      expect(Exit.isSuccess(exit) && titles(exit.value)).toStrictEqual(["Lead 1", "Lead 2", "Lead 3"])
      expect(state.inFlight).toBe(0)
      expect(state.interrupted.sort((a, b) => a - b)).toStrictEqual([4, 6, 8])
    }).pipe(Effect.provide(makeTestLayer(handler)))
  })

  it.effect("a failure on page n surfaces after the items of the pages before it, though later pages answered", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const results = yield* Stream.runCollect(Stream.either(service.streamLeads({ limit: 3 }, { concurrency: 4 })))
      const events = Chunk.toReadonlyArray(results).map(Either.match({
        onLeft: (error) => `error ${error._tag}`,
        onRight: (lead) => lead.title
      }))
      expect(events).toStrictEqual([...twenty.slice(0, 6).map((l) => l.title), "error NotFound"])
    }).pipe(Effect.provide(makeTestLayer((request, context) =>
      request.query.start === "6"
        ? json(404, { success: false, error: "gone", data: null })
        : paged(twenty)(request, context)
    ))))

  it.effect("a retry refetches only the page that failed", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const fiber = yield* Effect.fork(Stream.runCollect(service.streamLeads({ limit: 5 }, { concurrency: 3 })))
      const exit = yield* settle(fiber, "1 minute")
      expect(Exit.isSuccess(exit) && titles(exit.value)).toStrictEqual(twenty.map((l) => l.title))
      const starts = (yield* requests).map((r) => r.query.start)
      expect(starts.filter((s) => s === "10")).toHaveLength(2)
      for (const start of ["0", "5", "15"]) expect(starts.filter((s) => s === start)).toHaveLength(1)
    }).pipe(Effect.provide(makeTestLayer(
      (request, context) =>
        request.query.start === "10" && context.index < 4
          ? json(503, { success: false, error: "maintenance", data: null }, { "retry-after": "1" })
          : paged(twenty)(request, context),
      { retry: { times: 2 } }
    ))))

  it.effect("a next_start that is not where the walk predicted restarts from it, every item once", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      // The server caps pages at 2 items whatever the limit asked, and says so in next_start.
      const all = yield* Stream.runCollect(service.streamLeads({ limit: 5 }, { concurrency: 3 }))
      expect(titles(all)).toStrictEqual(twenty.slice(0, 9).map((l) => l.title))
    }).pipe(Effect.provide(makeTestLayer((request) => {
      const start = Number(request.query.start)
      const next = start + 2 < 9 ? start + 2 : undefined
      return json(200, { success: true, data: leads(9).slice(start, start + 2), additional_data: pagination(start, 2, next) })
    }))))

  it.effect("a concurrency outside 1 to 16 is InvalidInput, and nothing is sent", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      for (const concurrency of [0, -1, 1.5, Number.NaN, Pagination.maxConcurrency + 1]) {
        const error = yield* Effect.flip(Stream.runDrain(service.streamLeads({}, { concurrency })))
        expect(error._tag).toBe("InvalidInput")
        expect(error.message).toContain("concurrency")
      }
      expect(yield* requestCount).toBe(0)
    }).pipe(Effect.provide(makeTestLayer(paged(twenty)))))
})

/** Answers `pages[i]` to the i-th request, whatever it asks (the last one again past the end). */
const scripted = (pages: ReadonlyArray<{ start: number; data: unknown; next?: number | undefined; more?: boolean }>): Handler =>
(_, { index }) => {
  const page = pages[Math.min(index, pages.length - 1)]!
  return json(200, {
    success: true,
    data: page.data,
    additional_data: {
      pagination: {
        start: page.start,
        limit: 2,
        more_items_in_collection: page.more ?? true,
        ...(page.next === undefined ? {} : { next_start: page.next })
      }
    }
  })
}

/** Answers endless empty pages claiming more, `next_start` advancing by 2. */
const endlessEmpty = (data: ReadonlyArray<never> | null): Handler => (request) => {
  const start = Number(request.query.start)
  return json(200, { success: true, data, additional_data: pagination(start, 2, start + 2) })
}

const stalledError = <E extends { readonly _tag: string }>(stream: Stream.Stream<unknown, E>) =>
  Effect.map(Effect.flip(Stream.runDrain(stream)), (error) => {
    if (error._tag !== "PaginationStalled") throw new Error(`expected PaginationStalled, got ${error._tag}`)
    return error as unknown as Errors.PaginationStalled
  })

describe("pagination that does not move forward", () => {
  for (const data of [[], null] as const) {
    it.effect(`empty pages (data: ${JSON.stringify(data)}) claiming more are followed ${Pagination.maxEmptyPages} times in a row, then PaginationStalled`, () =>
      Effect.gen(function*() {
        const service = yield* Leads.Leads
        const error = yield* stalledError(service.streamLeads({ limit: 2 }, { concurrency: 1 }))
        expect(yield* requestCount).toBe(Pagination.maxEmptyPages + 1)
        expect(error).toMatchObject({
          method: "GET",
          path: "/leads",
          reason: "emptyPages",
          start: 2 * Pagination.maxEmptyPages,
          nextStart: 2 * Pagination.maxEmptyPages + 2,
          items: 0,
          emptyPages: Pagination.maxEmptyPages + 1
        })
        expect(error.message).toContain("empty pages in a row")

        // Fetching ahead, a few more requests may have left, never an endless walk.
        const before = yield* requestCount
        yield* stalledError(service.streamLeads({ limit: 2 }))
        expect((yield* requestCount) - before).toBeLessThanOrEqual(Pagination.maxEmptyPages + Pagination.defaultConcurrency)
      }).pipe(Effect.provide(makeTestLayer(endlessEmpty(data)))))
  }

  it.effect("fewer empty pages in a row than the bound are walked through", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const all = yield* Stream.runCollect(service.streamLeads({ limit: 2 }, { concurrency: 1 }))
      expect(titles(all)).toStrictEqual(["Lead 1", "Lead 2", "Lead 3", "Lead 4"])
    }).pipe(Effect.provide(makeTestLayer(scripted([
      { start: 0, data: leads(2), next: 2 },
      ...Array.from({ length: Pagination.maxEmptyPages }, (_, i) => ({ start: 2 + 2 * i, data: [], next: 4 + 2 * i })),
      { start: 2 + 2 * Pagination.maxEmptyPages, data: leads(4).slice(2), more: false }
    ])))))

  for (const [label, next] of [["goes backwards", 0], ["repeats", 2]] as const) {
    it.effect(`a next_start that ${label} fails with PaginationStalled after that page's items`, () =>
      Effect.gen(function*() {
        const service = yield* Leads.Leads
        const results = yield* Stream.runCollect(Stream.either(service.streamLeads({ limit: 2 })))
        const events = Chunk.toReadonlyArray(results).map(Either.match({
          onLeft: (error) => `error ${error._tag}`,
          onRight: (lead) => lead.title
        }))
        expect(events).toStrictEqual(["Lead 1", "Lead 2", "Lead 3", "Lead 4", "error PaginationStalled"])
        const error = yield* stalledError(service.streamLeads({ limit: 2 }, { concurrency: 1 }))
        expect(error).toMatchObject({ reason: "notForward", start: 2, nextStart: next, items: 2 })
        expect(error.message).toContain(`next_start ${next}`)
      }).pipe(Effect.provide(makeTestLayer((request) => {
        const start = Number(request.query.start)
        return start === 0
          ? json(200, { success: true, data: leads(2), additional_data: pagination(0, 2, 2) })
          : json(200, { success: true, data: leads(4).slice(2), additional_data: pagination(start, 2, next) })
      }))))
  }

  it.effect("an empty page claiming more with no next_start fails at once: one request, not a loop", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const error = yield* stalledError(service.streamLeads())
      expect(error).toMatchObject({ reason: "notForward", start: 0, items: 0 })
      expect(error.nextStart).toBeUndefined()
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(makeTestLayer((_, { index }) =>
      // A second request would be the loop starting: it fails differently, so a regression
      // fails the test instead of hanging it.
      index === 0
        ? json(200, {
          success: true,
          data: null,
          additional_data: { pagination: { start: 0, limit: 500, more_items_in_collection: true } }
        })
        : json(500, { success: false, error: "the stream asked again" })
    ))))

  it.effect("PaginationStalled is not retried", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      yield* stalledError(service.streamLeads({ limit: 2 }, { concurrency: 1 }))
      expect(yield* requestCount).toBe(2)
    }).pipe(Effect.provide(makeTestLayer(scripted([
      { start: 0, data: leads(2), next: 2 },
      { start: 2, data: leads(4).slice(2), next: 1 }
    ]), { retry: { times: 3 } }))))
})

/**
 * A walk of 2-lead pages, 4 in flight (the pages past the first two answer after a minute), run
 * by `run` with `onPage` for each page; `onPage` fails at the second page. The walk must end with
 * that failure at once, having seen two pages, the requests ahead interrupted.
 */
const failsAtSecondPage = (
  run: (
    walk: Stream.Stream<Lead, Errors.PipedriveError>,
    onPage: (page: Chunk.Chunk<Lead>) => Effect.Effect<void, "full">
  ) => Effect.Effect<void, "full" | Errors.PipedriveError>
) => {
  const { handler, state } = slowPaged(leads(20), (start) => start < 4 ? 10 : 60_000)
  return Effect.gen(function*() {
    const service = yield* Leads.Leads
    const seen: Array<number> = []
    const onPage = (page: Chunk.Chunk<Lead>) =>
      Effect.suspend(() => {
        seen.push(Chunk.size(page))
        return seen.length === 2 ? Effect.fail("full" as const) : Effect.void
      })
    const fiber = yield* Effect.fork(run(service.streamLeads({ limit: 2 }, { concurrency: 4 }), onPage))
    const exit = yield* settle(fiber, "1 second")
    expect(exit).toStrictEqual(Exit.fail("full"))
    expect(seen).toStrictEqual([2, 2])
    expect(state.inFlight).toBe(0)
    expect(state.interrupted.length).toBeGreaterThan(0)
  }).pipe(Effect.provide(makeTestLayer(handler)))
}

describe("Pagination.forEachPage", () => {
  const twenty = leads(20)

  it.effect("runs the effect on each page once, in order, with the same requests as the stream alone", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      for (const concurrency of [1, 4]) {
        const before = yield* requestCount
        const pages: Array<ReadonlyArray<string>> = []
        yield* Pagination.forEachPage(
          service.streamLeads({ limit: 6 }, { concurrency }),
          (page) => Effect.sync(() => pages.push(titles(page)))
        )
        expect(pages).toStrictEqual([0, 6, 12, 18].map((start) => twenty.slice(start, start + 6).map((l) => l.title)))
        const sent = (yield* requestCount) - before
        expect(sent).toBeGreaterThanOrEqual(4)
        expect(sent).toBeLessThanOrEqual(4 + concurrency - 1)
      }
    }).pipe(Effect.provide(makeTestLayer(paged(twenty)))))

  it.effect("a failing effect stops the walk: nothing more is pulled, the requests ahead are interrupted", () =>
    failsAtSecondPage((walk, onPage) => Pagination.forEachPage(walk, onPage)))

  it.effect("the stream's typed error is the walk's, after the pages before it", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      let items = 0
      const error = yield* Effect.flip(
        Pagination.forEachPage(service.streamLeads({ limit: 3 }, { concurrency: 1 }), (page) =>
          Effect.sync(() => (items += Chunk.size(page))))
      )
      expect(error._tag).toBe("NotFound")
      expect(items).toBe(6)
    }).pipe(Effect.provide(makeTestLayer((request, context) =>
      Number(request.query.start) >= 6 ? json(404, { success: false, error: "gone" }) : paged(twenty)(request, context)
    ))))

  it.effect("a stream of 100,000 chunks runs in constant stack", () =>
    Effect.gen(function*() {
      let sum = 0
      yield* Pagination.forEachPage(Stream.rechunk(Stream.range(1, 100_000), 1), (chunk) =>
        Effect.sync(() => (sum += Chunk.unsafeGet(chunk, 0))))
      expect(sum).toBe(5_000_050_000)
    }))
})

describe("Pagination.mapPagesEffect", () => {
  const twenty = leads(20)
  const withIndex = (page: Chunk.Chunk<{ readonly title: string }>) =>
    Effect.succeed(Chunk.map(page, (lead, i) => `${i}:${lead.title}`))

  it.effect("emits what Stream.mapChunksEffect emits, page by page, with the same requests as the stream alone", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      for (const concurrency of [1, 4]) {
        const walk = () => service.streamLeads({ limit: 6 }, { concurrency })
        const expected = yield* Stream.runCollect(Stream.mapChunksEffect(walk(), withIndex))
        const before = yield* requestCount
        const chunks = yield* Stream.runCollect(Stream.mapChunks(Pagination.mapPagesEffect(walk(), withIndex), Chunk.of))
        expect(Chunk.toReadonlyArray(Chunk.flatten(chunks))).toStrictEqual(Chunk.toReadonlyArray(expected))
        // One chunk per page: [0, 6, 12, 18], each numbered from 0.
        expect(Chunk.toReadonlyArray(chunks).map((chunk) => Chunk.unsafeGet(chunk, 0))).toStrictEqual(
          [0, 6, 12, 18].map((start) => `0:${twenty[start]!.title}`)
        )
        const sent = (yield* requestCount) - before
        expect(sent).toBeGreaterThanOrEqual(4)
        expect(sent).toBeLessThanOrEqual(4 + concurrency - 1)
      }
    }).pipe(Effect.provide(makeTestLayer(paged(twenty)))))

  it.effect("Stream.take(1) sends one request", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const first = yield* Stream.runCollect(Stream.take(Pagination.mapPagesEffect(service.streamLeads({ limit: 6 }), withIndex), 1))
      expect(Chunk.toReadonlyArray(first)).toStrictEqual([`0:${twenty[0]!.title}`])
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(makeTestLayer(paged(twenty)))))

  it.effect("a failing effect ends the stream with its error, and the requests ahead are interrupted", () =>
    failsAtSecondPage((walk, onPage) => Stream.runDrain(Pagination.mapPagesEffect(walk, (page) => Effect.as(onPage(page), page)))))

  it.effect("the stream's typed error comes through, after the pages before it", () =>
    Effect.gen(function*() {
      const service = yield* Leads.Leads
      const emitted: Array<string> = []
      const error = yield* Effect.flip(Stream.runForEach(
        Pagination.mapPagesEffect(service.streamLeads({ limit: 3 }, { concurrency: 1 }), withIndex),
        (item) => Effect.sync(() => emitted.push(item))
      ))
      expect(error._tag).toBe("NotFound")
      expect(emitted).toHaveLength(6)
    }).pipe(Effect.provide(makeTestLayer((request, context) =>
      Number(request.query.start) >= 6 ? json(404, { success: false, error: "gone" }) : paged(twenty)(request, context)
    ))))

  it.effect("a stream of 100,000 chunks runs in constant stack", () =>
    Effect.gen(function*() {
      const doubled = Pagination.mapPagesEffect(Stream.rechunk(Stream.range(1, 100_000), 1), (chunk) => Effect.succeed(Chunk.map(chunk, (n) => 2 * n)))
      expect(yield* Stream.runFold(doubled, 0, (sum, n) => sum + n)).toBe(10_000_100_000)
    }))
})
