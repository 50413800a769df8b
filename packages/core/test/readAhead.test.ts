import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import * as Leads from "../src/Leads.js"
import { json, leadId, leadJson, makeTestLayer, pagination } from "./support/mockHttp.js"

const pageSize = 2
const total = 12
const items = Array.from({ length: total }, (_, i) => leadJson({ id: leadId(i + 1), title: `Lead ${i + 1}` }))

/** Who did what, in order: `request <start>` from the transport, `work <start>` from the consumer. */
const journal: Array<string> = []

/**
 * A transport that, like undici, puts a request on the wire on a later turn of the event loop
 * (`setImmediate`), and answers a few milliseconds later.
 */
const layer = makeTestLayer((request) => {
  const start = Number(request.query.start ?? "0")
  const next = start + pageSize < total ? start + pageSize : undefined
  const response = json(200, {
    success: true,
    data: items.slice(start, start + pageSize),
    additional_data: pagination(start, pageSize, next)
  })
  return Effect.async<Response>((resume) => {
    const sent = setImmediate(() => {
      journal.push(`request ${start}`)
      answer = setTimeout(() => resume(Effect.succeed(response)), 5)
    })
    let answer: ReturnType<typeof setTimeout> | undefined
    return Effect.sync(() => {
      clearImmediate(sent)
      clearTimeout(answer)
    })
  })
})

/** Synchronous work, as a consumer that transforms a page in place does. */
const busy = (millis: number) => {
  const end = performance.now() + millis
  while (performance.now() < end) {
    // occupy the thread
  }
}

describe("fetching ahead", () => {
  // A consumer that works on each page synchronously must not keep the requests ahead from
  // leaving: with K pages at once, the request for the page K − 1 after this one is sent
  // before the consumer starts on it (past the first page, which is fetched alone).
  for (const concurrency of [2, 4] as const) {
    it.live(`K = ${concurrency}: the requests ahead leave before a synchronous consumer starts on a page`, () =>
      Effect.gen(function*() {
        journal.length = 0
        const service = yield* Leads.Leads
        yield* service.streamLeads({ limit: pageSize }, { concurrency }).pipe(
          Stream.runForEachChunk((chunk) =>
            Effect.sync(() => {
              const first = Chunk.unsafeGet(chunk, 0)
              journal.push(`work ${Number(first.title.slice(5)) - 1}`)
              busy(10)
            })
          )
        )
        const requested = journal.filter((entry) => entry.startsWith("request"))
        for (let start = 0; start < total; start += pageSize) expect(requested).toContain(`request ${start}`)
        for (let start = pageSize; start + (concurrency - 1) * pageSize < total; start += pageSize) {
          const request = `request ${start + (concurrency - 1) * pageSize}`
          expect(journal.indexOf(request), journal.join(", ")).toBeLessThan(journal.indexOf(`work ${start}`))
        }
      }).pipe(Effect.provide(layer)))
  }
})
