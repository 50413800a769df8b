import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Effect, Exit, Fiber, Option, TestClock } from "effect"
import * as Leads from "../src/Leads.js"
import type * as PipedriveClient from "../src/PipedriveClient.js"
import { json, leadId, leadJson } from "./support/mockHttp.js"
import { runFor, someoneSleeps, until } from "./support/drive.js"
import { leadsLayer, makeScripted, type Script, type Sent } from "./support/scriptedHttp.js"

const ok = () => json(200, { success: true, data: leadJson() })

/**
 * Runs `program` with the Leads service over `script`; `program` gets what was sent so far.
 */
const withLeads = <A, E>(
  script: Script,
  policies: PipedriveClient.Policies,
  program: (leads: Leads.Leads["Type"], sent: ReadonlyArray<Sent>) => Effect.Effect<A, E>
) => {
  const { client, sent } = makeScripted(script)
  return Effect.flatMap(Leads.Leads, (leads) => program(leads, sent)).pipe(Effect.provide(leadsLayer(client, policies)))
}

/** Interrupts `fiber` and checks that this took no clock time. */
const interruptPromptly = <A, E>(fiber: Fiber.RuntimeFiber<A, E>) =>
  Effect.gen(function*() {
    const before = yield* Clock.currentTimeMillis
    const exit = yield* Fiber.interrupt(fiber)
    expect(Exit.isInterrupted(exit)).toBe(true)
    expect(yield* Clock.currentTimeMillis).toBe(before)
  })

describe("Interruption", () => {
  it.effect("while waiting for the rate limiter: ends at once, never sends", () =>
    withLeads(ok, { rateLimit: { requestsPerWindow: 1 } }, (leads, sent) =>
      Effect.gen(function*() {
        yield* leads.getLead(leadId(1)) // takes the window's only slot
        const fiber = yield* Effect.fork(leads.getLead(leadId(2)))
        yield* someoneSleeps
        expect(sent).toHaveLength(1)
        yield* interruptPromptly(fiber)
        yield* TestClock.adjust("1 minute")
        expect(sent).toHaveLength(1)
      })))

  it.effect("while sleeping before a retry: ends at once, the retry never goes out", () =>
    withLeads(() => json(503, { success: false, data: null }, { "retry-after": "10" }), {}, (leads, sent) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(leads.getLead(leadId(1)))
        yield* someoneSleeps
        expect(sent).toHaveLength(1)
        yield* interruptPromptly(fiber)
        yield* TestClock.adjust("10 minutes")
        expect(sent).toHaveLength(1)
      })))

  it.effect("while the request is in flight: ends at once and aborts the request", () =>
    withLeads(() => Effect.never, {}, (leads, sent) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(leads.getLead(leadId(1)))
        yield* until(() => sent.length === 1)
        expect(sent[0]!.signal.aborted).toBe(false)
        yield* interruptPromptly(fiber)
        expect(sent[0]!.signal.aborted).toBe(true)
        // Past the attempt timeout and any retry: nothing else is sent.
        yield* TestClock.adjust("10 minutes")
        expect(sent).toHaveLength(1)
      })))

  it.effect("while the body is being read: ends at once, cancels the body and aborts the request", () => {
    let cancelled = false
    const body = new ReadableStream({
      start() {},
      cancel() {
        cancelled = true
      }
    })
    return withLeads(
      () => new Response(body, { status: 200 }),
      {},
      (leads, sent) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(leads.getLead(leadId(1)))
          yield* until(() => body.locked)
          yield* interruptPromptly(fiber)
          expect(cancelled).toBe(true)
          expect(sent[0]!.signal.aborted).toBe(true)
          yield* TestClock.adjust("10 minutes")
          expect(sent).toHaveLength(1)
        })
    )
  })

  it.effect("a timeout aborts the attempt, and a GET is tried again", () =>
    withLeads(
      (_, index) => index === 0 ? Effect.never : ok(),
      // A 1 ms backoff ceiling makes the full-jitter wait 0.
      { timeout: "2 seconds", retry: { baseDelay: "1 millis" } },
      (leads, sent) =>
        Effect.gen(function*() {
          const exit = yield* runFor(leads.getLead(leadId(1)), "1 minute")
          expect(Exit.isSuccess(exit)).toBe(true)
          expect(sent.map((request) => request.at)).toEqual([0, 2000])
          expect(sent[0]!.signal.aborted).toBe(true)
          expect(sent[1]!.signal.aborted).toBe(false)
        })
    ))

  it.effect("a timeout covers the body: a body that never ends is a RequestTimeout", () =>
    withLeads(
      () => new Response(new ReadableStream({ start() {} }), { status: 200 }),
      { timeout: "1 second", retry: false },
      (leads, sent) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(leads.getLead(leadId(1)))
          yield* until(() => sent.length === 1)
          yield* TestClock.adjust("1 second")
          const exit = yield* Fiber.await(fiber)
          const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
          expect(Option.map(error, (e) => e._tag)).toEqual(Option.some("RequestTimeout"))
          expect(sent[0]!.signal.aborted).toBe(true)
        })
    ))
})
