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

  it.effect("a store that cannot answer fails the call with RateLimitStoreError: typed, nothing sent, no retry", () =>
    Effect.gen(function*() {
      const down = new RateLimit.RateLimitStoreUnavailable({ reason: "connection refused" })
      const failing: RateLimit.RateLimitStore["Type"] = {
        admit: () => Effect.fail(down),
        release: () => Effect.fail(down),
        hold: () => Effect.fail(down),
        spend: () => Effect.fail(down),
        report: () => Effect.fail(down)
      }
      const { client, sent } = makeScripted(ok)
      const exit = yield* runFor(
        getLeads(1).pipe(
          Effect.provide(leadsLayer(client, limits).pipe(Layer.provide(Layer.succeed(RateLimit.RateLimitStore, failing))))
        ),
        "1 minute"
      )
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      expect(Option.isSome(error)).toBe(true)
      if (Option.isNone(error)) return
      expect(error.value._tag).toBe("RateLimitStoreError")
      expect(error.value).toMatchObject({ method: "GET", path: `/api/v1/leads/${leadId(1)}`, attempts: 1 })
      expect(error.value.message).toBe(
        `GET /api/v1/leads/${leadId(1)}: the shared rate-limit store is unavailable (connection refused); the request was not sent`
      )
      expect(sent).toHaveLength(0)
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
