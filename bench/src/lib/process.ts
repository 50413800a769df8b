import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { type ClientResult, resultPrefix } from "./protocol.js"

/** The bench package's directory: every child process runs from it. */
export const benchDir = fileURLToPath(new URL("../../", import.meta.url))

/**
 * How child processes run: `node` runs the compiled JavaScript (`dist/` of the bench and of the
 * packages, as a deployed program does); `tsx` runs the TypeScript sources through tsx's loader
 * with `--conditions=source`, which costs memory and CPU a deployed program never pays.
 */
export type Runtime = "node" | "tsx"

/** Node arguments that run `path` (relative to the bench package, `.ts` under src/) in `runtime`. */
export const scriptArgs = (runtime: Runtime, path: string): ReadonlyArray<string> =>
  runtime === "tsx"
    ? ["--conditions=source", "--import", "tsx", fileURLToPath(new URL(path, `file://${benchDir}`))]
    : [fileURLToPath(new URL(path.replace(/^src\//, "dist/").replace(/\.ts$/, ".js"), `file://${benchDir}`))]

/** A client script of this package, by name (`src/clients/<name>.ts`). */
export const clientScript = (runtime: Runtime, name: string) => scriptArgs(runtime, `src/clients/${name}.ts`)

/**
 * Runs one client in its own process and returns what it reported. The process must end by
 * itself within `timeoutMs`; otherwise it is killed and the run fails.
 */
export const runClient = (
  runtime: Runtime,
  name: string,
  args: ReadonlyArray<string>,
  timeoutMs: number
): Promise<ClientResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...clientScript(runtime, name), ...args], {
      cwd: benchDir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text))
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${name} did not finish within ${timeoutMs} ms\n${stderr.slice(-4000)}`))
    }, timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      const line = stdout.split("\n").reverse().find((text) => text.startsWith(resultPrefix))
      if (code !== 0 || line === undefined) {
        reject(new Error(`${name} ${args.join(" ")} exited with ${code}\n${stderr.slice(-4000)}`))
        return
      }
      resolve(JSON.parse(line.slice(resultPrefix.length)) as ClientResult)
    })
  })
