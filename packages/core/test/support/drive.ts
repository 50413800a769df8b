/**
 * Driving forked programs on the `TestClock` without real sleeps.
 */
import type { Exit, Fiber } from "effect"
import { Chunk, Effect, TestClock, TestServices } from "effect"

/**
 * Lets every other fiber run until `done` holds; dies after `rounds` turns of the event loop,
 * so a broken expectation fails the test instead of hanging it. The clock does not move.
 */
export const until = (done: () => boolean | Effect.Effect<boolean>, rounds = 1_000): Effect.Effect<void> =>
  Effect.suspend(function loop(n = 0): Effect.Effect<void> {
    const check = done()
    return Effect.flatMap(typeof check === "boolean" ? Effect.succeed(check) : check, (ok) => {
      if (ok) return Effect.void
      if (n >= rounds) return Effect.dieMessage(`condition not reached after ${rounds} turns`)
      // A macrotask, so promise-based work (response bodies) gets to finish too.
      return Effect.zipRight(TestServices.provideLive(Effect.sleep(0)), Effect.suspend(() => loop(n + 1)))
    })
  })

/** Waits (without moving the clock) until some fiber sleeps on the `TestClock`. */
export const someoneSleeps: Effect.Effect<void> = until(() => Effect.map(TestClock.sleeps(), Chunk.isNonEmpty))

/**
 * Advances the `TestClock` by `duration` (running every sleep that falls due, at its exact
 * time) and answers the fiber's exit, dying when it has not ended by then.
 */
export const settle = <A, E>(fiber: Fiber.RuntimeFiber<A, E>, duration: Parameters<typeof TestClock.adjust>[0]) =>
  Effect.gen(function*() {
    yield* TestClock.adjust(duration)
    yield* until(() => fiber.unsafePoll() !== null)
    return fiber.unsafePoll() as Exit.Exit<A, E>
  })

/** Forks `effect`, advances the clock by `duration` and answers how it ended. */
export const runFor = <A, E>(effect: Effect.Effect<A, E>, duration: Parameters<typeof TestClock.adjust>[0]) =>
  Effect.flatMap(Effect.fork(effect), (fiber) => settle(fiber, duration))
