/**
 * Other processes keeping the machine's cores busy for the test's scope, as a CI runner shared
 * with other jobs is: each spins until it is killed when the scope closes, and on its own
 * stops after `maxMillis` whatever happens to the test.
 */
import { Effect, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as Os from "node:os"

const exited = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

/** One spinning process per core (at least two). */
export const busyCores = (maxMillis = 120_000): Effect.Effect<void, never, Scope.Scope> =>
  Effect.forEach(
    Array.from({ length: Math.max(2, Os.availableParallelism()) }),
    () =>
      Effect.acquireRelease(
        Effect.sync(() =>
          spawn(process.execPath, ["-e", `const end = Date.now() + ${maxMillis}; while (Date.now() < end) {}`], {
            stdio: "ignore"
          })
        ),
        (child) =>
          Effect.suspend(() => {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
            return exited(child)
          })
      ),
    { discard: true }
  )
