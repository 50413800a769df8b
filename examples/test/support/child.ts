/**
 * Runs an example as its user would — its own Node process, through tsx with the `source`
 * condition — and watches its output. The child is killed when the test's scope closes, so
 * a failing test leaves nothing running.
 */
import { Effect, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

export const examplesDir = fileURLToPath(new URL("../..", import.meta.url))

export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface Child {
  readonly process: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** The output so far once it matches `pattern`; fails if the child exits first. */
  readonly waitFor: (stream: "stdout" | "stderr", pattern: RegExp) => Effect.Effect<string, Error>
  /** Waits for the child to exit and its output to be read to the end. */
  readonly finished: Effect.Effect<Finished>
}

/**
 * The environment the examples see: none of the caller's Pipedrive settings (a developer's
 * real token must never reach a test), plus `env`.
 */
const environment = (env: Readonly<Record<string, string>>): NodeJS.ProcessEnv => {
  const clean: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("PIPEDRIVE_")) clean[key] = value
  }
  return { ...clean, ...env }
}

/** Starts `src/<name>.ts` with `args`. */
export const start = (
  name: string,
  args: ReadonlyArray<string> = [],
  env: Readonly<Record<string, string>> = {}
): Effect.Effect<Child, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      // `node --import tsx` rather than the tsx CLI: one process, so signals reach the example itself.
      const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", `src/${name}.ts`, ...args], {
        cwd: examplesDir,
        env: environment(env),
        stdio: ["ignore", "pipe", "pipe"]
      })
      const text = { stdout: "", stderr: "" }
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (text.stdout += chunk))
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (text.stderr += chunk))
      const closed = new Promise<Finished>((resolve) =>
        child.on("close", (code, signal) => resolve({ code, signal, stdout: text.stdout, stderr: text.stderr }))
      )
      const waitFor = (stream: "stdout" | "stderr", pattern: RegExp) =>
        Effect.async<string, Error>((resume) => {
          const check = () => {
            if (!pattern.test(text[stream])) return false
            resume(Effect.succeed(text[stream]))
            return true
          }
          if (check()) return
          const onData = () => {
            if (check()) cleanup()
          }
          const onClose = () => {
            cleanup()
            if (!check()) {
              resume(Effect.fail(new Error(`${name} exited before its ${stream} matched ${pattern}:\n${text.stderr}`)))
            }
          }
          const cleanup = () => {
            child[stream]!.off("data", onData)
            child.off("close", onClose)
          }
          // Listeners added after the accumulating one: the text is up to date when they run.
          child[stream]!.on("data", onData)
          child.on("close", onClose)
          return Effect.sync(cleanup)
        })
      return {
        process: child,
        stdout: () => text.stdout,
        stderr: () => text.stderr,
        waitFor,
        finished: Effect.promise(() => closed)
      } satisfies Child
    }),
    (child) =>
      Effect.sync(() => {
        if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL")
      })
  )

/** Runs `src/<name>.ts` to the end. */
export const run = (
  name: string,
  args: ReadonlyArray<string> = [],
  env: Readonly<Record<string, string>> = {}
): Effect.Effect<Finished> => Effect.scoped(Effect.flatMap(start(name, args, env), (child) => child.finished))

/** The non-empty lines of a text. */
export const lines = (text: string): Array<string> => text.split("\n").filter((line) => line.length > 0)
