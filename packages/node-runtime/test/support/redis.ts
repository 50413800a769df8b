/**
 * A throwaway `redis-server` per test: on 127.0.0.1, a free port, nothing written to disk;
 * killed when the test's scope closes (and waited for), whatever happened.
 */
import { Effect, Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as Net from "node:net"

export interface RunningRedis {
  readonly port: number
  readonly url: string
  /** Kills the server (SIGKILL) and waits until it is gone. */
  readonly kill: Effect.Effect<void>
  /** Stops the server (SIGSTOP): connections stay open, nothing answers. */
  readonly freeze: Effect.Effect<void>
  /** Lets a frozen server go on (SIGCONT). */
  readonly thaw: Effect.Effect<void>
}

/** A port nothing listens on right now (the kernel's choice for port 0). */
export const freePort: Effect.Effect<number, Error> = Effect.async((resume) => {
  const server = Net.createServer()
  server.once("error", (error) => resume(Effect.fail(error)))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(port > 0 ? Effect.succeed(port) : Effect.fail(new Error("no port"))))
  })
})

const exited = (child: ChildProcess): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

const killed = (child: ChildProcess): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    return exited(child)
  })

/** Spawns the server and waits for "Ready to accept connections" (at most 10 s). */
const spawnOn = (port: number): Effect.Effect<ChildProcess, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn("redis-server", [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--loglevel",
        "notice"
      ], { stdio: ["ignore", "pipe", "pipe"] })
    ),
    killed
  ).pipe(
    Effect.tap((child) =>
      Effect.async<void, Error>((resume) => {
        let output = ""
        child.stdout?.on("data", (chunk: Buffer) => {
          output += chunk.toString("utf8")
          if (output.includes("Ready to accept connections")) resume(Effect.void)
        })
        child.once("error", (error) =>
          resume(Effect.fail(new Error(`could not run redis-server (apt-get install redis-server): ${error.message}`))))
        child.once("exit", (code) => resume(Effect.fail(new Error(`redis-server exited (${code}): ${output.slice(-500)}`))))
      }).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("redis-server did not start") }))
    )
  )

/**
 * Starts a server for the current scope. The port is free when chosen but could be taken
 * before the server binds it: then another port is tried, three times at most.
 */
export const startRedis: Effect.Effect<RunningRedis, Error, Scope.Scope> = Effect.gen(function*() {
  const attempt = Effect.gen(function*() {
    const port = yield* freePort
    const scope = yield* Effect.scope
    const child = yield* spawnOn(port).pipe(Scope.extend(scope))
    return { port, child }
  })
  const { child, port } = yield* attempt.pipe(Effect.retry({ times: 2 }))
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: killed(child),
    freeze: Effect.sync(() => {
      child.kill("SIGSTOP")
    }),
    thaw: Effect.sync(() => {
      child.kill("SIGCONT")
    })
  }
})
