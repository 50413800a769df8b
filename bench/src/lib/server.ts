import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as Readline from "node:readline"
import { benchDir, type Runtime, scriptArgs } from "./process.js"

/** The counters the fake server keeps (`PipedriveTest.Stats`), as far as the bench reads them. */
export interface ServerStats {
  readonly requests: number
  readonly rateLimited: number
  readonly peakPerWindow: number
  readonly byStatus: Readonly<Record<string, number>>
}

/** A fake Pipedrive server running in its own process. */
export interface Server {
  readonly url: string
  readonly token: string
  /** The server's counters, asked over its standard input (`--stats-on-stdin`). */
  readonly stats: () => Promise<ServerStats>
  readonly stop: () => Promise<void>
}

const running = new Set<ChildProcessWithoutNullStreams>()

// Every spawned server dies with the bench, however the bench ends.
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL")
})
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of running) child.kill("SIGKILL")
    process.exit(130)
  })
}

const startTimeoutMs = 120_000
const statsTimeoutMs = 10_000

/**
 * Spawns the fake-pipedrive CLI on 127.0.0.1 with the given flags and waits for the JSON line
 * that says where it listens.
 */
export const startServer = (runtime: Runtime, flags: ReadonlyArray<string>): Promise<Server> =>
  new Promise((resolve, reject) => {
    const script = runtime === "tsx"
      ? scriptArgs("tsx", "../packages/node-runtime/src/bin/fake-pipedrive.ts")
      : scriptArgs("node", "../packages/node-runtime/dist/bin/fake-pipedrive.js")
    const child = spawn(
      process.execPath,
      [...script, "--port", "0", "--stats-on-stdin", ...flags],
      { cwd: benchDir, stdio: ["pipe", "pipe", "pipe"] }
    )
    running.add(child)
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    const lines = Readline.createInterface({ input: child.stdout })
    const waiting: Array<(line: string) => void> = []
    const nextLine = (timeoutMs: number) =>
      new Promise<string>((resolveLine, rejectLine) => {
        const timer = setTimeout(() => rejectLine(new Error(`fake server silent for ${timeoutMs} ms\n${stderr}`)), timeoutMs)
        waiting.push((line) => {
          clearTimeout(timer)
          resolveLine(line)
        })
      })
    lines.on("line", (line) => waiting.shift()?.(line))
    child.on("exit", (code) => {
      running.delete(child)
      if (code !== null && code !== 0) reject(new Error(`fake server exited with ${code}\n${stderr}`))
    })
    nextLine(startTimeoutMs).then((line) => {
      const { token, url } = JSON.parse(line) as { readonly url: string; readonly token: string }
      resolve({
        url,
        token,
        stats: () => {
          const answer = nextLine(statsTimeoutMs)
          child.stdin.write("stats\n")
          return answer.then((text) => JSON.parse(text) as ServerStats)
        },
        stop: () =>
          new Promise<void>((resolveStop) => {
            if (child.exitCode !== null) return resolveStop()
            const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
            child.once("exit", () => {
              clearTimeout(timer)
              resolveStop()
            })
            child.kill("SIGTERM")
          })
      })
    }, (error: unknown) => {
      child.kill("SIGKILL")
      reject(error)
    })
  })

/** Runs `use` with a server that is stopped afterwards, whatever happens. */
export const withServer = async <A>(
  runtime: Runtime,
  flags: ReadonlyArray<string>,
  use: (server: Server) => Promise<A>
): Promise<A> => {
  const server = await startServer(runtime, flags)
  try {
    return await use(server)
  } finally {
    await server.stop()
  }
}
