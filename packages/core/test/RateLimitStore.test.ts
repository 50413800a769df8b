import { describe, expect, it } from "@effect/vitest"
import { Array as Arr, Cause, Chunk, Effect, Exit, Layer, Option, TestClock } from "effect"
import * as Leads from "../src/Leads.js"
import * as RateLimit from "../src/RateLimit.js"
import { runFor, until } from "./support/drive.js"
import { json, leadId, leadJson, testToken } from "./support/mockHttp.js"
import { leadsLayer, makeScripted } from "./support/scriptedHttp.js"

/** The most requests any half-open window [t, t + window) of the clock holds. */
const busiestWindow = (times: ReadonlyArray<number>, window = 2000): number =>
  Math.max(0, ...times.map((start) => times.filter((t) => t >= start && t < start + window).length))

const ok = () => json(200, { success: true, data: leadJson() })

/** A memory store that also records every key it is asked about. */
const recordingStore = () => {
  const keys = new Set<string>()
  const inner = RateLimit.makeMemoryStore()
  const store: RateLimit.RateLimitStore["Type"] = {
    admit: (options) => Effect.zipRight(Effect.sync(() => keys.add(options.key)), inner.admit(options)),
    release: (options) => Effect.zipRight(Effect.sync(() => keys.add(options.key)), inner.release(options)),
    hold: (key, until) => Effect.zipRight(Effect.sync(() => keys.add(key)), inner.hold(key, until)),
    spend: (options) => Effect.zipRight(Effect.sync(() => keys.add(options.key)), inner.spend(options)),
    report: (options) => Effect.zipRight(Effect.sync(() => keys.add(options.key)), inner.report(options))
  }
  return { store, keys }
}

const limits = { rateLimit: { requestsPerWindow: 40, window: "2 seconds", dailyTokens: 1000 } } as const

const getLeads = (count: number) =>
  Effect.flatMap(
    Leads.Leads,
    (leads) => Effect.forEach(Arr.range(1, count), (n) => leads.getLead(leadId(n)), { concurrency: "unbounded" })
  )

describe("RateLimitStore from context", () => {
  it.effect("a store in context counts every window and the budget, under a digest of the token", () =>
    Effect.gen(function*() {
      const { keys, store } = recordingStore()
      const { client, sent } = makeScripted(ok)
      const exit = yield* runFor(
        getLeads(5).pipe(
          Effect.provide(leadsLayer(client, limits).pipe(Layer.provide(Layer.succeed(RateLimit.RateLimitStore, store))))
        ),
        "1 second"
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sent).toHaveLength(5)
      const seen = [...keys].sort()
      expect(seen).toHaveLength(2)
      expect(seen[0]).toMatch(/^pipedrive:[0-9a-f]{32}:burst$/)
      expect(seen[1]).toMatch(/^pipedrive:[0-9a-f]{32}:daily$/)
      expect(seen.join(" ")).not.toContain(testToken)
    }))

  it.effect("two clients over one store share the window: 2 × 50 getLead at 40 per 2 s", () =>
    Effect.gen(function*() {
      const store = Layer.succeed(RateLimit.RateLimitStore, RateLimit.makeMemoryStore())
      const first = makeScripted(ok)
      const second = makeScripted(ok)
      const run = (client: typeof first.client) =>
        getLeads(50).pipe(Effect.provide(leadsLayer(client, limits).pipe(Layer.provide(store))))
      const exit = yield* runFor(Effect.all([run(first.client), run(second.client)], { concurrency: 2 }), "10 seconds")
      expect(Exit.isSuccess(exit)).toBe(true)
      const times = [...first.sent, ...second.sent].map((request) => request.at)
      expect(times).toHaveLength(100)
      expect(busiestWindow(times)).toBe(40)
    }))

  /** A memory store whose `method` fails its first `failures` calls (all of them with `Infinity`). */
  const flakyStore = (method: "admit" | "spend", failures: number) => {
    const inner = RateLimit.makeMemoryStore()
    const down = new RateLimit.RateLimitStoreUnavailable({ reason: "connection refused" })
    let calls = 0
    const flaky = <O, A>(call: (options: O) => Effect.Effect<A, RateLimit.RateLimitStoreUnavailable>) => (options: O) =>
      Effect.suspend(() => ++calls <= failures ? Effect.fail(down) : call(options))
    const store: RateLimit.RateLimitStore["Type"] = method === "admit"
      ? { ...inner, admit: flaky(inner.admit) }
      : { ...inner, spend: flaky(inner.spend) }
    return { store, calls: () => calls }
  }

  it.effect("a store that stays down fails the call with RateLimitStoreError after the retries: typed, nothing sent", () =>
    Effect.gen(function*() {
      const { calls, store } = flakyStore("admit", Infinity)
      const { client, sent } = makeScripted(ok)
      const exit = yield* runFor(
        getLeads(1).pipe(
          Effect.provide(leadsLayer(client, limits).pipe(Layer.provide(Layer.succeed(RateLimit.RateLimitStore, store))))
        ),
        "5 minutes"
      )
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      expect(Option.isSome(error)).toBe(true)
      if (Option.isNone(error)) return
      expect(error.value._tag).toBe("RateLimitStoreError")
      expect(error.value).toMatchObject({ method: "GET", path: `/api/v1/leads/${leadId(1)}`, attempts: 6 })
      expect(error.value.message).toBe(
        `GET /api/v1/leads/${leadId(1)}: the shared rate-limit store is unavailable (connection refused); ` +
          `the request was not sent (after 6 attempts)`
      )
      expect(calls()).toBe(6)
      expect(sent).toHaveLength(0)
    }))

  it.effect.each([
    ["admit", "getLead", (leads: Leads.Leads["Type"]) => leads.getLead(leadId(1))],
    ["admit", "addLead (a POST: nothing was sent)", (leads: Leads.Leads["Type"]) => leads.addLead({ title: "Deal", person_id: 1 })],
    ["spend", "getLead", (leads: Leads.Leads["Type"]) => leads.getLead(leadId(1))]
  ] as const)("a store hiccup in %s is retried with backoff: %s succeeds, sent once", ([method, , call]) =>
    Effect.gen(function*() {
      const { calls, store } = flakyStore(method, 2)
      const { client, sent } = makeScripted(ok)
      const exit = yield* runFor(
        Effect.flatMap(Leads.Leads, call).pipe(
          Effect.provide(leadsLayer(client, limits).pipe(Layer.provide(Layer.succeed(RateLimit.RateLimitStore, store))))
        ),
        "1 minute"
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(calls()).toBe(3)
      expect(sent).toHaveLength(1)
    }))

  /**
   * Runs `effect` on the `TestClock` in 10 ms steps, letting it reach its next sleep before
   * each step: the slow stores below sleep between real asynchronous work (the token digest,
   * response bodies), which one big `TestClock.adjust` could pass by. At most `steps` steps.
   */
  const runStepwise = <A, E>(effect: Effect.Effect<A, E>, steps: number) =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(effect)
      for (let step = 0; step < steps && fiber.unsafePoll() === null; step++) {
        yield* until(() =>
          fiber.unsafePoll() !== null ? true : Effect.map(TestClock.sleeps(), Chunk.isNonEmpty)
        )
        yield* TestClock.adjust("10 millis")
      }
      const exit = fiber.unsafePoll()
      if (exit === null) return yield* Effect.dieMessage(`not done after ${steps} steps`)
      return exit
    })

  /** A memory store whose `admit` answers only after `delay` ms of the clock. */
  const slowStore = (delay: number) => {
    const inner = RateLimit.makeMemoryStore()
    const store: RateLimit.RateLimitStore["Type"] = {
      ...inner,
      admit: (options) => Effect.zipRight(Effect.sleep(delay), inner.admit(options))
    }
    return store
  }

  it.effect("a wait is measured by the clock after the store answered, not before", () =>
    Effect.gen(function*() {
      // Admissions answer 30 ms late. The first call goes at 30 and is answered at once, so
      // its slot counts until 2030; the second is told so at 60, sleeps, asks again at 2030
      // and is admitted 30 ms later.
      const { client, sent } = makeScripted(ok)
      const policies = { rateLimit: { requestsPerWindow: 1, window: "2 seconds" } } as const
      const exit = yield* runStepwise(
        Effect.zipRight(getLeads(1), getLeads(1)).pipe(
          Effect.provide(
            leadsLayer(client, policies).pipe(Layer.provide(Layer.succeed(RateLimit.RateLimitStore, slowStore(30))))
          )
        ),
        300
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sent.map((request) => request.at)).toEqual([30, 2060])
    }))
})
