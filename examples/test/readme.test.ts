/**
 * The README's TypeScript blocks are checked artifacts: each is written to a file in a
 * directory inside the workspace (so it imports the packages as a user's code does), the
 * lot is type-checked with the project's strict settings, every program runs against the fake
 * Pipedrive server (configured through the environment, as the README says), and every test
 * block runs under vitest. A block that stops compiling or working fails here.
 */
import type { Errors } from "@effect-pipedrive/core"
import { FakePipedriveServer } from "@effect-pipedrive/node-runtime"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { examplesDir } from "./support/child.js"
import { snippets, workspace, writeSnippets } from "./support/readme.js"

const require = createRequire(import.meta.url)

interface Ran {
  readonly code: number | null
  readonly output: string
}

/** Runs a command to its end in the examples directory, with none of the caller's Pipedrive settings. */
const run = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  Effect.async<Ran>((resume) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PIPEDRIVE_")))
    const child = spawn(process.execPath, args, {
      cwd: examplesDir,
      env: { ...clean, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("close", (code) => resume(Effect.succeed({ code, output })))
    return Effect.sync(() => void child.kill("SIGKILL"))
  })

/** A fresh directory under examples/, removed afterwards: node resolves the packages from there. */
const snippetDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(examplesDir, "readme-snippets-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/**
 * Every tag of `PipedriveError`, checked by the compiler both ways: a tag added to the union
 * (or removed from it) and not here fails the type check.
 */
const errorTags = {
  InvalidInput: true,
  BadRequest: true,
  Unauthorized: true,
  PaymentRequired: true,
  Forbidden: true,
  NotFound: true,
  RateLimited: true,
  DailyBudgetExhausted: true,
  ServerError: true,
  UnexpectedStatus: true,
  TransportError: true,
  RequestTimeout: true,
  ResponseDecodeError: true,
  UnsuccessfulResponse: true,
  ResponseTooLarge: true,
  RateLimitStoreError: true,
  OAuthError: true,
  TokenStoreError: true,
  PaginationStalled: true
} satisfies Record<Errors.PipedriveError["_tag"], true>

describe("README", () => {
  it("the error table lists every error of the union, and nothing else", () => {
    const readme = Fs.readFileSync(Path.join(workspace, "README.md"), "utf8")
    const section = readme.slice(readme.indexOf("\n## Errors\n"), readme.indexOf("\n## ", readme.indexOf("\n## Errors\n") + 1))
    const listed = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1])
    expect([...listed].sort()).toEqual(Object.keys(errorTags).sort())
  })


  /** The peer dependencies of `packages`, from their manifests. */
  const peersOf = (packages: ReadonlyArray<string>) =>
    packages.flatMap((pkg) => {
      const manifest = JSON.parse(Fs.readFileSync(Path.join(workspace, "packages", pkg, "package.json"), "utf8")) as {
        readonly peerDependencies: Readonly<Record<string, string>>
      }
      return Object.entries(manifest.peerDependencies)
    })

  /** Holds the one `npm install` line of `readmePath` to every peer of `packages`, at the line its range declares. */
  const expectInstallLinePins = (readmePath: string, packages: ReadonlyArray<string>) => {
    const readme = Fs.readFileSync(Path.join(workspace, readmePath), "utf8")
    const [line, ...others] = readme.split("\n").filter((text) => text.startsWith("npm install @effect-pipedrive/"))
    expect(line, readmePath).toBeDefined()
    expect(others).toEqual([])
    const words = line!.trim().split(/\s+/)
    const peers = peersOf(packages)
    expect(peers.length).toBeGreaterThan(0)
    for (const [name, range] of peers) {
      // A peer range ^3.22.4 is installed as name@^3.22: same line, any patch.
      const minor = range.match(/^\^(\d+\.\d+)\.\d+$/)?.[1]
      expect(minor, `${name}: ${range}`).toBeDefined()
      expect(words, readmePath).toContain(`${name}@^${minor}`)
    }
  }

  it("the install line pins every peer dependency of both packages to the line they declare", () => {
    expectInstallLinePins("README.md", ["core", "node-runtime"])
  })

  it("each package's README install line pins that package's peers the same way", () => {
    expectInstallLinePins("packages/core/README.md", ["core"])
    expectInstallLinePins("packages/node-runtime/README.md", ["core", "node-runtime"])
  })

  it("every code block is ```ts (checked below), ```sh or plain text: TypeScript under another tag would go unchecked", () => {
    const readme = Fs.readFileSync(Path.join(workspace, "README.md"), "utf8")
    const blocks = [...readme.matchAll(/^```(\S*)\n([\s\S]*?)^```$/gm)]
    expect(blocks.filter(([, tag]) => tag === "ts")).toHaveLength(snippets(readme).length)
    expect(blocks.map(([, tag]) => tag).filter((tag) => !["ts", "sh", ""].includes(tag!))).toEqual([])
    expect(blocks.filter(([, tag, code]) => tag === "" && /^(import|export|const) /m.test(code!))).toEqual([])
  })

  it.live("every TypeScript block type-checks, and runs against the fake Pipedrive", () =>
    Effect.scoped(Effect.gen(function*() {
      const all = snippets()
      expect(all.filter((snippet) => snippet.kind === "program").length).toBeGreaterThanOrEqual(3)
      expect(all.filter((snippet) => snippet.kind === "test").length).toBeGreaterThanOrEqual(2)

      const dir = yield* snippetDir
      writeSnippets(dir, all)
      // The project's settings, except that a snippet may declare what it does not use.
      Fs.writeFileSync(
        Path.join(dir, "tsconfig.json"),
        JSON.stringify({
          extends: "../tsconfig.json",
          compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
          include: ["*.ts"]
        })
      )
      Fs.writeFileSync(
        Path.join(dir, "vitest.config.ts"),
        `import { defineConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"
export default defineConfig({ ...shared, test: { ...shared.test, include: ["readme-*.test.ts"] } })
`
      )

      const checked = yield* run([require.resolve("typescript/bin/tsc"), "-p", Path.join(dir, "tsconfig.json")])
      expect(checked.output).toBe("")
      expect(checked.code).toBe(0)

      const server = yield* FakePipedriveServer.make({ leads: 200 })
      const env = { PIPEDRIVE_API_TOKEN: server.token, PIPEDRIVE_BASE_URL: server.url }
      for (const snippet of all.filter((snippet) => snippet.kind === "program")) {
        const ran = yield* run(["--import", "tsx", "--conditions=source", Path.join(dir, snippet.file)], env)
        expect({ line: snippet.line, code: ran.code, output: ran.output }).toMatchObject({ line: snippet.line, code: 0 })
      }
      const requests = (yield* server.model.stats).requests
      expect(requests).toBeGreaterThan(0)

      const vitest = Path.join(Path.dirname(require.resolve("vitest/package.json")), "vitest.mjs")
      const tested = yield* run([vitest, "run", "--root", dir, "--config", Path.join(dir, "vitest.config.ts")])
      const tests = all.flatMap((snippet) => snippet.code.match(/\bit\.\w+\(/g) ?? []).length
      expect(tested.output.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(new RegExp(`Tests +${tests} passed`))
      expect(tested.code).toBe(0)
    })), { timeout: 600_000 })
})
