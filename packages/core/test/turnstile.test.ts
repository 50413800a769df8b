import { describe, expect, it } from "@effect/vitest"
import { Array as Arr, Effect, Fiber } from "effect"
import { Turnstile } from "../src/internal/turnstile.js"
import { until } from "./support/drive.js"

describe("Turnstile", () => {
  // A waiter with a patience settles in line in a fiber of its own (the timeout's), a few
  // scheduler turns after it found the turn taken. A turn that ended in between must still
  // reach it: lost, the line stood still until every waiter's patience ran out (a Redis-backed
  // client's five concurrent calls waited two minutes behind one).
  it.effect("a turn that ends while the next one is settling in line still reaches it", () =>
    Effect.gen(function*() {
      for (let turns = 0; turns < 40; turns++) {
        const line = new Turnstile<never>()
        const order: Array<string> = []
        const fibers = yield* Effect.forEach(Arr.range(0, 4), (n) =>
          Effect.fork(
            line.run(
              Effect.zipRight(
                Effect.forEach(Arr.range(1, n === 0 ? turns : 0), () => Effect.yieldNow(), { discard: true }),
                Effect.sync(() => order.push(`turn ${n}`))
              ),
              60_000,
              Effect.sync(() => order.push(`late ${n}`))
            )
          ))
        // The clock never moves: only a turn passed on ends a waiter.
        yield* until(() => order.length === 5)
        yield* Effect.forEach(fibers, Fiber.join, { discard: true })
        expect([...order].sort(), `the first turn ${turns} yields long`).toEqual(
          Arr.range(0, 4).map((n) => `turn ${n}`)
        )
        expect(line.length).toBe(0)
      }
    }))
})
