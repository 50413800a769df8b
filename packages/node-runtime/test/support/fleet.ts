/**
 * Runs several worker processes (`worker.ts`) against one server: each is started, waited for
 * until its client is built, then all are told "go" at once, and their reports collected.
 * Every worker is killed when the scope closes, whatever happened.
 */
import { Deferred, Effect, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { marker, type WorkerConfig, type WorkerMessage } from "./workerProtocol.js"

const packageDir = fileURLToPath(new URL("../..", import.meta.url))
const workerPath = fileURLToPath(new URL("./worker.ts", import.meta.url))
// tsx's loader in the worker's own node process: one process to kill, no wrapper to orphan it.
const tsxLoader = createRequire(import.meta.url).resolve("tsx")

type Done = Extract<WorkerMessage, { readonly _tag: "Done" }>

interface Worker {
  readonly ready: Effect.Effect<void, Error>
  readonly done: Effect.Effect<Done, Error>
  readonly go: Effect.Effect<void>
}

const exited = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

const startWorker = (config: WorkerConfig): Effect.Effect<Worker, never, Scope.Scope> =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, ["--import", tsxLoader, "--conditions=source", workerPath, JSON.stringify(config)], {
          cwd: packageDir,
          stdio: ["pipe", "pipe", "pipe"]
        })
      ),
      (child) =>
        Effect.suspend(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
          return exited(child)
        })
    )
    const ready = yield* Deferred.make<void, Error>()
    const done = yield* Deferred.make<Done, Error>()
    let stdout = ""
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-4000)))
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      const lines = stdout.split("\n")
      stdout = lines.pop() ?? ""
      for (const line of lines) {
        if (!line.startsWith(marker)) continue
        const message = JSON.parse(line.slice(marker.length)) as WorkerMessage
        if (message._tag === "Ready") Deferred.unsafeDone(ready, Effect.void)
        else Deferred.unsafeDone(done, Effect.succeed(message))
      }
    })
    child.once("exit", (code, signal) => {
      const failure = Effect.fail(new Error(`worker exited (${code ?? signal}) before reporting: ${stderr}`))
      Deferred.unsafeDone(ready, failure)
      Deferred.unsafeDone(done, failure)
    })
    return {
      ready: Deferred.await(ready),
      done: Deferred.await(done),
      go: Effect.sync(() => {
        child.stdin?.end("go\n")
      })
    }
  })

/**
 * Starts `count` workers with `config`, waits until every one is ready (their start-up takes
 * a variable second or so), starts them together and answers their reports and how long
 * they took from "go" to the last report.
 */
export const runFleet = (
  count: number,
  config: WorkerConfig,
  /** Runs once every worker is ready, before "go" (other load on the machine, say). */
  beforeGo: Effect.Effect<void, never, Scope.Scope> = Effect.void
): Effect.Effect<{ readonly reports: ReadonlyArray<Done>; readonly millis: number }, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const workers = yield* Effect.forEach(Array.from({ length: count }), () => startWorker(config))
    // Start-up is loading TypeScript sources: on a busy shared machine that alone can take a minute.
    yield* Effect.forEach(workers, (worker) => worker.ready, { concurrency: "unbounded", discard: true }).pipe(
      Effect.timeoutFail({ duration: "150 seconds", onTimeout: () => new Error("workers did not get ready") })
    )
    yield* beforeGo
    const startedAt = Date.now()
    yield* Effect.forEach(workers, (worker) => worker.go, { discard: true })
    const reports = yield* Effect.forEach(workers, (worker) => worker.done, { concurrency: "unbounded" }).pipe(
      Effect.timeoutFail({ duration: "2 minutes", onTimeout: () => new Error("workers did not finish") })
    )
    return { reports, millis: Date.now() - startedAt }
  })
