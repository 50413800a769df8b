/**
 * The real stack end to end: `PipedriveNode.layer` (undici, real sockets) against
 * `FakePipedriveServer` on 127.0.0.1, one server per test, stopped with the test's scope.
 * Results are checked against the model's store; each scenario prints one summary line.
 *
 * `it.scopedLive`/`it.live` throughout: real sockets and real retry sleeps do not run on the
 * `TestClock`. Retry backoff is kept to milliseconds (a 429 still waits what the server asks).
 */
import { Errors, type Lead, Pagination } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Deferred, Effect, Exit, Fiber, Option, Stream } from "effect"
import * as RealStack from "./support/realStack.js"

const { Fault, Trigger } = PipedriveTest

/**
 * Fails the test, rather than letting it hang, when `effect` has not ended after a minute. A
 * hang detector, not a time bound: each scenario here takes the design from milliseconds to
 * about 3 s (the 429 storm: 15 windows of 200 ms), and on a machine whose cores are busy with
 * other work several times that (a 15 s bound was within reach of a loaded machine). What the
 * scenarios assert is counted: requests, 429s, retries, the errors' tags.
 */
const within = <A, E, R>(effect: Effect.Effect<A, E, R>, what: string) =>
  Effect.timeoutFail(effect, { duration: "60 seconds", onTimeout: () => new Error(`not done within 60 s: ${what}`) })

/** The error an exit failed with, if it failed with one. */
const failureOf = <A, E>(exit: Exit.Exit<A, E>): Option.Option<E> =>
  Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()

/**
 * An error's fields as a plain object: a failing `toMatchObject` on an Effect error itself
 * overflows the stack while vitest prints it (the error is iterable and yields itself).
 */
const fieldsOf = (error: unknown) => ({ ...(error as object) })

/** The token travelled in its header on every request the server saw, and in no URL. */
const expectTokenOnlyInHeader = (stack: RealStack.Stack) => {
  const { token } = stack.server
  expect(stack.seen.length).toBeGreaterThan(0)
  expect(stack.seen.filter((request) => request.url.includes(token) || /api_token/i.test(request.url))).toEqual([])
  expect(stack.seen.filter((request) => request.apiTokenHeader !== token)).toEqual([])
  expect(stack.seen.filter((request) => request.authorization !== undefined)).toEqual([])
}

const activeOf = (leads: ReadonlyArray<Lead.Lead>) => leads.filter((lead) => !lead.is_archived)
const archivedOf = (leads: ReadonlyArray<Lead.Lead>) => leads.filter((lead) => lead.is_archived)
const ids = (leads: ReadonlyArray<{ readonly id: string }>) => leads.map((lead) => lead.id)

/** A custom field of the model's company (40-hex key, as Pipedrive names them). */
const industry = PipedriveTest.customFields.industry.key

describe("integration: PipedriveNode over real sockets against FakePipedriveServer", () => {
  it.scopedLive("every endpoint end to end, checked against the store", () =>
    Effect.gen(function*() {
      const stack = yield* RealStack.start({ server: { leads: 2000, seed: 7 } })
      const { leads, server } = stack
      const model = server.model
      const stored = (id: string) => Effect.map(model.lead(id), Option.getOrThrow)

      // addLead: 201, and the store holds exactly what came back.
      const created = yield* leads.addLead({
        title: "Integration lead",
        person_id: 7,
        organization_id: 3,
        value: { amount: 1000, currency: "EUR" },
        expected_close_date: "2025-03-01",
        [industry]: "Retail"
      })
      const post = stack.seen.at(-1)!
      expect([post.method, post.url, post.status]).toEqual(["POST", "/api/v1/leads", 201])
      expect(yield* stored(created.id)).toEqual(created)
      expect(created).toMatchObject({ source_name: "API", origin: "API", is_archived: false, [industry]: "Retail" })

      // getLead: the stored lead, custom field included.
      expect(yield* leads.getLead(created.id)).toEqual(yield* stored(created.id))

      // updateLead: an absent key leaves the field alone; an explicit null unsets it.
      const renamed = yield* leads.updateLead(created.id, {
        title: "Renamed integration lead",
        expected_close_date: null
      })
      expect(yield* stored(created.id)).toEqual(renamed)
      expect(renamed).toMatchObject({
        title: "Renamed integration lead",
        expected_close_date: null,
        value: { amount: 1000, currency: "EUR" },
        person_id: 7,
        organization_id: 3,
        [industry]: "Retail"
      })
      const unset = yield* leads.updateLead(created.id, { person_id: null, value: null, [industry]: null })
      expect(yield* stored(created.id)).toEqual(unset)
      expect(unset).toMatchObject({
        title: "Renamed integration lead",
        expected_close_date: null,
        value: null,
        person_id: null,
        organization_id: 3
      })
      expect(industry in unset).toBe(false)

      // getLeadUsers: the owner first, then other users of the company, stable.
      const users = yield* leads.getLeadUsers(created.id)
      expect(users[0]).toBe(unset.owner_id)
      expect(new Set(users).size).toBe(users.length)
      expect(users.every((user) => Number.isInteger(user) && user >= 1 && user <= 20)).toBe(true)
      expect(yield* leads.getLeadUsers(created.id)).toEqual(users)

      const all = yield* model.leads
      const active = activeOf(all)

      // getLeads: the default page, then each filter, against the store.
      const first = yield* leads.getLeads()
      expect(ids(first.items)).toEqual(ids(active.slice(0, 100)))
      expect(first.pagination).toEqual({ start: 0, limit: 100, more_items_in_collection: true, next_start: 100 })
      const owned = yield* leads.getLeads({ owner_id: 3, limit: 500 })
      const ownedExpected = active.filter((lead) => lead.owner_id === 3)
      expect(ownedExpected.length).toBeGreaterThan(0)
      expect(ids(owned.items)).toEqual(ids(ownedExpected))
      expect(owned.pagination.more_items_in_collection).toBe(false)
      const organization = active[5]!.organization_id ?? 1
      const byOrganization = yield* leads.getLeads({ organization_id: organization })
      expect(ids(byOrganization.items)).toEqual(ids(active.filter((lead) => lead.organization_id === organization)))
      const person = active.find((lead) => lead.person_id !== null)!.person_id!
      const byPerson = yield* leads.getLeads({ person_id: person })
      expect(ids(byPerson.items)).toEqual(ids(active.filter((lead) => lead.person_id === person)))
      const since = "2024-06-01T00:00:00Z"
      const recent = yield* leads.getLeads({ updated_since: since, sort: "update_time DESC", start: 10, limit: 50 })
      const recentExpected = active
        .filter((lead) => Date.parse(lead.update_time!) >= Date.parse(since))
        .map((lead, index) => ({ lead, index }))
        .sort((a, b) => Date.parse(b.lead.update_time!) - Date.parse(a.lead.update_time!) || a.index - b.index)
        .map(({ lead }) => lead)
      expect(ids(recent.items)).toEqual(ids(recentExpected.slice(10, 60)))
      expect(recent.pagination).toEqual({ start: 10, limit: 50, more_items_in_collection: true, next_start: 60 })

      // getArchivedLeads: archived leads only, in the store's order.
      const archived = yield* leads.getArchivedLeads({ limit: 500 })
      expect(ids(archived.items)).toEqual(ids(archivedOf(all).slice(0, 500)))
      expect(archived.items.every((lead) => lead.is_archived)).toBe(true)

      // searchLeads: title matches, archived or not, oldest first at equal score.
      const hits = yield* leads.searchLeads({ term: "Helix", fields: ["title"], limit: 500 })
      const hitsExpected = all.filter((lead) => lead.title.toLowerCase().includes("helix"))
      expect(hitsExpected.length).toBeGreaterThan(0)
      expect(hits.items.map((hit) => hit.item.id)).toEqual(ids(hitsExpected))
      expect(hits.items.map((hit) => hit.item.is_archived)).toEqual(hitsExpected.map((lead) => lead.is_archived))
      const exact = yield* leads.searchLeads({ term: "renamed integration LEAD", exact_match: true })
      expect(exact.items.map((hit) => hit.item.id)).toEqual([created.id])

      // deleteLead: gone from the store; the next read is a typed NotFound, not retried.
      expect(yield* leads.deleteLead(created.id)).toEqual({ id: created.id })
      expect(Option.isNone(yield* model.lead(created.id))).toBe(true)
      const gone = yield* Effect.flip(leads.getLead(created.id))
      expect(fieldsOf(gone)).toMatchObject({
        _tag: "NotFound",
        status: 404,
        attempts: 1,
        path: `/api/v1/leads/${created.id}`
      })
      const goneAgain = yield* Effect.flip(leads.deleteLead(created.id))
      expect(fieldsOf(goneAgain)).toMatchObject({ _tag: "NotFound", status: 404 })

      const stats = yield* stack.report("endpoints")
      expect(stats.rateLimited).toBe(0)
      expect(stats.byStatus).toEqual({ "200": stats.requests - 3, "201": 1, "404": 2 })
      expectTokenOnlyInHeader(stack)
    }))

  it.scopedLive("streamLeads walks 10,000 leads: each active lead once, in the server's order", () =>
    Effect.gen(function*() {
      const stack = yield* RealStack.start({ server: { leads: 10_000, seed: 11 } })
      const store = yield* stack.server.model.leads
      expect(store).toHaveLength(10_000)

      const walked = Chunk.toReadonlyArray(yield* within(Stream.runCollect(stack.leads.streamLeads()), "the walk"))
      const expected = activeOf(store)
      expect(walked).toHaveLength(expected.length)
      expect(new Set(ids(walked)).size).toBe(walked.length)
      expect(ids(walked)).toEqual(ids(expected))
      // The server's order: oldest first by add_time.
      expect(walked.every((lead, i) => i === 0 || walked[i - 1]!.add_time! <= lead.add_time!)).toBe(true)
      expect(walked).toEqual(expected)

      const archived = Chunk.toReadonlyArray(
        yield* within(Stream.runCollect(stack.leads.streamArchivedLeads()), "the archived walk")
      )
      expect(ids(archived)).toEqual(ids(archivedOf(store)))

      const stats = yield* stack.report("pagination walk", { leads: walked.length + archived.length })
      // One request per page of 500, and at most K − 1 past the last page of each walk (pages
      // requested ahead at once; each lead was still seen once, above).
      const activePages = Math.ceil(walked.length / 500)
      const archivedPages = Math.ceil(archived.length / 500)
      const ahead = Pagination.defaultConcurrency - 1
      expect(Object.keys(stats.byEndpoint).sort()).toEqual(["getArchivedLeads", "getLeads"])
      expect(stats.byEndpoint.getLeads).toBeGreaterThanOrEqual(activePages)
      expect(stats.byEndpoint.getLeads).toBeLessThanOrEqual(activePages + ahead)
      expect(stats.byEndpoint.getArchivedLeads).toBeGreaterThanOrEqual(archivedPages)
      expect(stats.byEndpoint.getArchivedLeads).toBeLessThanOrEqual(archivedPages + ahead)
      expectTokenOnlyInHeader(stack)
    }))

  it.scopedLive("interrupting a stream consumer mid-walk stops the fetching", () =>
    Effect.gen(function*() {
      // Each page takes 30 ms to answer, so pages requested ahead are in flight when the
      // consumer is interrupted.
      const stack = yield* RealStack.start({
        server: { leads: 10_000, seed: 3, faults: [{ fault: Fault.Latency({ millis: 30 }), endpoints: ["getLeads"] }] }
      })
      const pageSize = 100
      const reached = yield* Deferred.make<void>()
      let consumed = 0
      const consumer = yield* stack.leads.streamLeads({ limit: pageSize }).pipe(
        Stream.runForEach(() => {
          consumed++
          return consumed === 250 ? Deferred.succeed(reached, undefined) : Effect.void
        }),
        Effect.fork
      )
      yield* within(Deferred.await(reached), "the consumer to reach lead 250")
      yield* within(Fiber.interrupt(consumer), "the interruption")
      const atInterrupt = consumed
      const getLeads = () => Effect.map(stack.server.model.stats, (stats) => stats.byEndpoint.getLeads ?? 0)

      // A round trip through the server and ten page latencies: any page request already on
      // the wire when the consumer stopped has arrived by then. Then twenty page latencies
      // more: a fetcher that went on walking would have asked for several more pages by then
      // (sleeps, not ceilings: a loaded machine only makes it catch fewer).
      const probe = (yield* stack.server.model.leads)[0]!.id
      yield* stack.leads.getLead(probe)
      yield* Effect.sleep("300 millis")
      const afterFirst = yield* getLeads()
      yield* Effect.sleep("600 millis")
      yield* stack.leads.getLead(probe)
      const afterSecond = yield* getLeads()

      yield* stack.report("interrupted walk", { consumed: atInterrupt, pageRequests: afterSecond })
      expect(afterSecond).toBe(afterFirst)
      // The pages consumed (3 to reach lead 250, a few more while the interruption was on its
      // way) and the K − 1 requested ahead; far from the 90 pages of the walk.
      expect(afterSecond).toBeLessThanOrEqual(Math.ceil(atInterrupt / pageSize) + Pagination.defaultConcurrency)
      expect(afterSecond).toBeLessThan(90)
      expectTokenOnlyInHeader(stack)
    }))

  describe("a 429 storm: the server admits 20 requests per 200 ms window; 300 concurrent getLead", () => {
    const storm = (client: RealStack.StackOptions["client"]) =>
      Effect.gen(function*() {
        const stack = yield* RealStack.start({
          server: { leads: 300, seed: 5, limits: { requestsPerWindow: 20, windowMillis: 200 } },
          client
        })
        const store = yield* stack.server.model.leads
        const startedAt = Date.now()
        const exits = yield* within(
          Effect.forEach(store, (lead) => Effect.exit(stack.leads.getLead(lead.id)), { concurrency: "unbounded" }),
          "300 getLead"
        )
        return { stack, store, exits, startedAt }
      })

    it.scopedLive("a client without configured request limits learns them from headers, retries: all succeed", () =>
      Effect.gen(function*() {
        // The number of requests per window is learned from x-ratelimit-limit. The window's
        // length is in no header: the client would assume Pipedrive's 2 s (and pace this
        // storm over ~30 s), so it is told the test server's 200 ms.
        const { exits, stack, store } = yield* storm({ rateLimit: { window: "200 millis" } })
        const stats = yield* stack.report("429 storm, limits learned")
        expect(exits.filter(Exit.isFailure)).toEqual([])
        expect(exits.map((exit) => Exit.isSuccess(exit) && exit.value.id)).toEqual(ids(store))
        expect(stats.peakPerWindow).toBeLessThanOrEqual(20)
        expect((yield* stack.client.rateLimitInfo).limit).toBe(20)
        expectTokenOnlyInHeader(stack)
      }))

    it.scopedLive("a client told the same limits causes no 429 at all", () =>
      Effect.gen(function*() {
        const { exits, stack, startedAt } = yield* storm({ rateLimit: { requestsPerWindow: 20, window: "200 millis" } })
        const stats = yield* stack.report("429 storm, limits told")
        expect(exits.filter(Exit.isFailure)).toEqual([])
        // When it fails: the client releases 20 requests at once and the next 20 no earlier
        // than 220 ms later, but the server counts them when they arrive.
        const arrival = (index: number) => stack.seen[index]!.arrivedAt - startedAt
        expect(
          stats.rateLimited,
          `429s sent; ms after the calls started, the first 20 requests arrived at ${arrival(0)}–${
            arrival(19)
          }, the 21st at ${arrival(20)}`
        ).toBe(0)
        expect(stats.requests).toBe(300)
        expectTokenOnlyInHeader(stack)
      }))
  })

  describe("10 % 503 and 5 % connection resets (seeded)", () => {
    // Rules are consulted in order and the first that fires decides, so the later rates are
    // conditional: 503 for 10 % of requests, a reset before processing for 2.5 %, a reset
    // after the write was committed for 2.5 %.
    const faults: ReadonlyArray<PipedriveTest.FaultRule> = [
      { fault: Fault.ServerError({ status: 503 }), when: Trigger.Rate({ rate: 0.1 }) },
      { fault: Fault.ResetBeforeProcessing(), when: Trigger.Rate({ rate: 0.025 / 0.9 }) },
      { fault: Fault.ResetAfterCommit(), when: Trigger.Rate({ rate: 0.025 / 0.875 }) }
    ]
    // Rate limiting is the storm's subject: here the server's limits are out of reach and the
    // client does not pace. Twelve retries: a GET fails only after 13 faults in a row (0.15^13).
    const start = RealStack.start({
      server: { leads: 2000, seed: 13, faults, limits: { requestsPerWindow: 100_000 } },
      client: { rateLimit: false, retry: { ...RealStack.fastRetry, times: 12 } }
    })

    it.scopedLive("every GET succeeds", () =>
      Effect.gen(function*() {
        const stack = yield* start
        const store = yield* stack.server.model.leads
        const reads = store.slice(0, 300)
        const got = yield* within(
          Effect.forEach(reads, (lead) => stack.leads.getLead(lead.id), { concurrency: "unbounded" }),
          "300 getLead"
        )
        expect(got).toEqual(reads)
        // One page at a time: a page requested past the end is interrupted when the last page
        // arrives, and a fault the server injected into it would never be retried, so the count
        // of retries below would depend on timing.
        const walked = Chunk.toReadonlyArray(
          yield* within(Stream.runCollect(stack.leads.streamLeads({ limit: 100 }, { concurrency: 1 })), "the walk")
        )
        expect(ids(walked)).toEqual(ids(activeOf(store)))
        const users = yield* within(
          Effect.forEach(reads.slice(0, 50), (lead) => stack.leads.getLeadUsers(lead.id), { concurrency: 10 }),
          "50 getLeadUsers"
        )
        expect(users.map((list) => list[0])).toEqual(reads.slice(0, 50).map((lead) => lead.owner_id))

        const stats = yield* stack.report("faults on GETs", { ...(yield* stack.server.model.stats).faults })
        expect(stats.faults.ServerError).toBeGreaterThan(0)
        expect((stats.faults.ResetBeforeProcessing ?? 0) + (stats.faults.ResetAfterCommit ?? 0)).toBeGreaterThan(0)
        // Every fault cost exactly one retry, and nothing else did.
        const { attempts, calls } = stack.calls()
        expect(attempts - calls).toBe(
          stats.faults.ServerError! + (stats.faults.ResetBeforeProcessing ?? 0) + (stats.faults.ResetAfterCommit ?? 0)
        )
        expectTokenOnlyInHeader(stack)
      }))

    it.scopedLive("POSTs never create a duplicate lead: one per success or ambiguous failure, none otherwise", () =>
      Effect.gen(function*() {
        const stack = yield* start
        const titles = Array.from({ length: 300 }, (_, i) => `Fault-run lead ${i}`)
        const exits = yield* within(
          Effect.forEach(titles, (title, i) => Effect.exit(stack.leads.addLead({ title, person_id: 1 + i })), {
            concurrency: "unbounded"
          }),
          "300 addLead"
        )
        const store = yield* stack.server.model.leads
        const stats = yield* stack.server.model.stats
        const copies = (title: string) => store.filter((lead) => lead.title === title)

        const succeeded: Array<string> = []
        const ambiguous: Array<string> = []
        const notSent: Array<string> = []
        const other: Array<unknown> = []
        exits.forEach((exit, i) => {
          const title = titles[i]!
          if (Exit.isSuccess(exit)) {
            succeeded.push(title)
            expect(copies(title).map((lead) => lead.id)).toEqual([exit.value.id])
            return
          }
          const error = Option.getOrUndefined(failureOf(exit))
          if (error instanceof Errors.TransportError) (error.requestSent ? ambiguous : notSent).push(title)
          else other.push(error ?? Cause.pretty(exit.cause))
        })
        yield* stack.report("faults on POSTs", {
          succeeded: succeeded.length,
          ambiguous: ambiguous.length,
          notSent: notSent.length,
          ...stats.faults
        })

        expect(other).toEqual([])
        // No title is stored twice: no POST was sent again after it may have been processed.
        expect(titles.filter((title) => copies(title).length > 1)).toEqual([])
        // Each failure is one reset the server made (a POST is not retried after one) ...
        const resetsBefore = stats.faults.ResetBeforeProcessing ?? 0
        const resetsAfter = stats.faults.ResetAfterCommit ?? 0
        expect(ambiguous.length + notSent.length).toBe(resetsBefore + resetsAfter)
        expect(resetsBefore).toBeGreaterThan(0)
        expect(resetsAfter).toBeGreaterThan(0)
        // ... an ambiguous failure left one lead when the write was committed, none when the
        // connection dropped before processing — the client cannot tell which, hence no retry ...
        expect(ambiguous.filter((title) => copies(title).length === 1)).toHaveLength(resetsAfter)
        // ... and a failure before sending left none.
        expect(notSent.filter((title) => copies(title).length > 0)).toEqual([])
        const created = store.filter((lead) => lead.title.startsWith("Fault-run lead"))
        expect(created).toHaveLength(succeeded.length + resetsAfter)
        // 503s were retried (the server processed nothing), resets were not.
        const { attempts, calls } = stack.calls()
        expect(attempts - calls).toBe(stats.faults.ServerError ?? 0)
        expectTokenOnlyInHeader(stack)
      }))
  })

  it.scopedLive("an HTML 403 from the edge is Forbidden with blocked: true, not retried", () =>
    Effect.gen(function*() {
      const stack = yield* RealStack.start({
        server: {
          leads: 10,
          faults: [{ fault: Fault.HtmlForbidden(), endpoints: ["getLead"], when: Trigger.Next({ count: 1 }) }]
        }
      })
      const lead = (yield* stack.server.model.leads)[0]!
      const error = yield* Effect.flip(stack.leads.getLead(lead.id))
      yield* stack.report("HTML 403")
      expect(error).toBeInstanceOf(Errors.Forbidden)
      expect(fieldsOf(error)).toMatchObject({
        status: 403,
        blocked: true,
        attempts: 1,
        method: "GET",
        path: `/api/v1/leads/${lead.id}`
      })
      expect(error.message).toMatch(/blocked by Pipedrive's edge/)
      expect(stack.seen.map((request) => request.status)).toEqual([403])
      expectTokenOnlyInHeader(stack)
    }))

  it.scopedLive("a truncated body is a typed ResponseDecodeError, and the call returns", () =>
    Effect.gen(function*() {
      // The first list and the first create are answered with their JSON cut in half (a
      // complete HTTP response: Content-Length matches the cut body).
      const stack = yield* RealStack.start({
        server: {
          leads: 200,
          faults: [
            { fault: Fault.TruncatedBody(), endpoints: ["getLeads"], when: Trigger.Next({ count: 1 }) },
            { fault: Fault.TruncatedBody(), endpoints: ["addLead"], when: Trigger.Next({ count: 1 }) }
          ]
        }
      })
      const listed = yield* within(Effect.exit(stack.leads.getLeads()), "the truncated list")
      const again = yield* within(stack.leads.getLeads(), "the next list")
      const created = yield* within(
        Effect.exit(stack.leads.addLead({ title: "Cut short", person_id: 1 })),
        "the truncated create"
      )
      yield* stack.report("truncated body")

      const list = Option.getOrThrow(failureOf(listed))
      expect(list).toBeInstanceOf(Errors.ResponseDecodeError)
      expect(fieldsOf(list)).toMatchObject({ status: 200, method: "GET", path: "/api/v1/leads", at: "", attempts: 1 })
      expect(again.items).toHaveLength(100)
      const create = Option.getOrThrow(failureOf(created))
      expect(create).toBeInstanceOf(Errors.ResponseDecodeError)
      expect(fieldsOf(create)).toMatchObject({
        status: 201,
        method: "POST",
        path: "/api/v1/leads",
        at: "",
        attempts: 1
      })
      // The lead was created although its answer could not be read.
      expect((yield* stack.server.model.leads).filter((lead) => lead.title === "Cut short")).toHaveLength(1)
      expect(stack.seen.map((request) => request.status)).toEqual([200, 200, 201])
      expectTokenOnlyInHeader(stack)
    }))
})
