import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import * as Leads from "../src/Leads.js"
import { json, leadId, leadJson, makeTestLayer, pagination } from "./support/mockHttp.js"

const pageSize = 2
const total = 8
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

describe("read-ahead", () => {
  // A consumer that works on each page synchronously must not keep the next request from
  // leaving: with read-ahead, the request for the page after next is sent before the consumer
  // starts on a page (past the first, which is fetched on demand).
  it.live("sends the next request before a synchronous consumer starts on a page", () =>
    Effect.gen(function*() {
      journal.length = 0
      const service = yield* Leads.Leads
      yield* service.streamLeads({ limit: pageSize }).pipe(
        Stream.runForEachChunk((chunk) =>
          Effect.sync(() => {
            const first = Chunk.unsafeGet(chunk, 0)
            journal.push(`work ${Number(first.title.slice(5)) - 1}`)
            busy(10)
          })
        )
      )
      expect(journal.filter((entry) => entry.startsWith("request"))).toEqual(
        ["request 0", "request 2", "request 4", "request 6"]
      )
      // Page 2 is worked on only after the request for page 4 went out, and so on.
      for (const [work, request] of [["work 2", "request 4"], ["work 4", "request 6"]] as const) {
        expect(journal.indexOf(request), journal.join(", ")).toBeLessThan(journal.indexOf(work))
      }
    }).pipe(Effect.provide(layer)))
})
