/**
 * What a user installs: build, `pnpm pack` both packages, install the two tarballs into a
 * fresh project with the README's own install command (the package names replaced by the
 * tarballs), and use them there — plain `node` on an .mjs file (the fake server,
 * `PipedriveNode.layer`, `@effect-pipedrive/core/testing`), `tsc` on a .ts file against the
 * shipped `.d.ts`, and the `fake-pipedrive` command through `npx`. Needs the npm registry for
 * the dependencies; nothing else leaves 127.0.0.1.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { snippets, writeSnippets } from "./support/readme.js"

const workspace = fileURLToPath(new URL("../..", import.meta.url))

interface PackageJson {
  readonly name: string
  readonly version: string
  readonly exports?: unknown
  readonly dependencies?: Readonly<Record<string, string>>
  readonly devDependencies?: Readonly<Record<string, string>>
}

const readJson = (file: string): PackageJson => JSON.parse(Fs.readFileSync(file, "utf8")) as PackageJson

/**
 * The environment for npm: none of the `npm_*` variables a running package manager sets,
 * which npm would read as its own configuration, and none of the caller's Pipedrive settings.
 */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(([key]) =>
      (!key.startsWith("npm_") || key === "npm_config_registry") && !key.startsWith("PIPEDRIVE_")
    )
  )

/** Runs a command to its end; fails with its output unless it exits 0. */
const exec = (command: string, args: ReadonlyArray<string>, cwd: string, env: NodeJS.ProcessEnv = cleanEnv()) =>
  Effect.async<string, Error>((resume) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("error", (error) => resume(Effect.fail(error)))
    child.on("close", (code) =>
      resume(
        code === 0
          ? Effect.succeed(output)
          : Effect.fail(new Error(`${command} ${args.join(" ")} (in ${cwd}) exited with ${code}:\n${output}`))
      ))
    return Effect.sync(() => void child.kill("SIGKILL"))
  })

/** pnpm as the running package manager says, else from the PATH, else through npx. */
const pnpm = (args: ReadonlyArray<string>, cwd: string) => {
  const execPath = process.env.npm_execpath
  if (execPath !== undefined && /pnpm/.test(execPath)) return exec(process.execPath, [execPath, ...args], cwd)
  return exec("pnpm", args, cwd).pipe(
    Effect.catchIf(
      (error) => (error as NodeJS.ErrnoException).code === "ENOENT",
      () => exec("npx", ["--yes", "pnpm@10", ...args], cwd)
    )
  )
}

/** The README's lines that start with `command`. */
const readmeLines = (command: string): Array<string> =>
  Fs.readFileSync(Path.join(workspace, "README.md"), "utf8").split("\n").filter((line) => line.startsWith(command))

/**
 * The README's install command, split into words, with our packages replaced by the tarballs:
 * the versions of everything else are the README's, so a line that stops installing fails here.
 */
const readmeInstall = (tarballs: Readonly<Record<string, string>>): Array<string> => {
  const lines = readmeLines("npm install @effect-pipedrive/")
  expect(lines).toHaveLength(1)
  const [npm, ...args] = lines[0]!.trim().split(/\s+/)
  expect(npm).toBe("npm")
  for (const name of Object.keys(tarballs)) expect(args).toContain(name)
  return args.map((arg) => tarballs[arg] ?? arg)
}

/**
 * Starts the installed `fake-pipedrive` command with the README's words (on any free port),
 * and reads the `{ url, token }` line it prints once it listens. Its process group is killed
 * with the scope.
 */
const fakeServerCommand = (project: string) =>
  Effect.gen(function*() {
    const lines = readmeLines("npx fake-pipedrive ")
    expect(lines).toHaveLength(1)
    const [npx, ...args] = lines[0]!.trim().split(/\s+/)
    expect(args).toContain("--port")
    const anyPort = args.map((arg, i) => args[i - 1] === "--port" ? "0" : arg)
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(npx!, anyPort, {
          cwd: project,
          env: cleanEnv(),
          stdio: ["ignore", "pipe", "pipe"],
          detached: true
        })
      ),
      (child) => Effect.sync(() => child.exitCode === null && process.kill(-child.pid!, "SIGTERM"))
    )
    const line = yield* Effect.async<string, Error>((resume) => {
      let output = ""
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString()
        const end = output.indexOf("\n")
        if (end >= 0) resume(Effect.succeed(output.slice(0, end)))
      })
      child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
      child.on("close", (code) => resume(Effect.fail(new Error(`fake-pipedrive exited with ${code}:\n${output}`))))
    })
    return JSON.parse(line) as { readonly url: string; readonly token: string }
  })

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-pipedrive-packaging-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const filesUnder = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => Fs.statSync(Path.join(dir, file)).isFile())

/** Relative imports in emitted JavaScript that Node's ESM resolution cannot follow: no `.js` extension. */
const extensionlessImports = (dir: string): Array<string> =>
  filesUnder(dir)
    .filter((file) => file.endsWith(".js") || file.endsWith(".d.ts"))
    .flatMap((file) =>
      [...Fs.readFileSync(Path.join(dir, file), "utf8").matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']*)["']/g)]
        .map((match) => match[1]!)
        .filter((specifier) => !specifier.endsWith(".js"))
        .map((specifier) => `${file}: ${specifier}`)
    )

/** Every file an `exports` map points at. */
const exportTargets = (exports: unknown): Array<string> =>
  typeof exports === "string"
    ? [exports]
    : typeof exports === "object" && exports !== null
    ? Object.values(exports).flatMap(exportTargets)
    : []

const app = `
import { Leads } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { FakePipedriveServer, PipedriveNode } from "@effect-pipedrive/node-runtime"
import { Effect, Redacted } from "effect"

const firstLead = Effect.gen(function* () {
  const leads = yield* Leads.Leads
  const page = yield* leads.getLeads({ limit: 1 })
  return yield* leads.getLead(page.items[0].id)
})

const program = Effect.gen(function* () {
  const server = yield* FakePipedriveServer.make({ leads: 25 })
  const overHttp = yield* Effect.provide(
    firstLead,
    PipedriveNode.layer({ apiToken: Redacted.make(server.token), baseUrl: server.url })
  )
  const inMemory = yield* Effect.provide(firstLead, PipedriveTest.layer({ leads: 25 }))
  const { requests } = yield* server.model.stats
  console.log(JSON.stringify({ overHttp: overHttp.id, inMemory: inMemory.id, requests }))
}).pipe(Effect.scoped)

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exit(1)
})
`

const typed = `
import { Errors, Leads, type Lead } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { FakePipedriveServer, PipedriveNode } from "@effect-pipedrive/node-runtime"
import { Effect, Redacted } from "effect"

export const titles: Effect.Effect<string, Errors.PipedriveError, Leads.Leads> = Effect.flatMap(
  Leads.Leads,
  (leads) => Effect.map(leads.getLeads({ limit: 5 }), (page) => page.items.map((lead: Lead.Lead) => lead.title).join())
)
export const inMemory = Effect.provide(titles, PipedriveTest.layer({ leads: 3 }))
export const overHttp = Effect.provide(
  titles,
  PipedriveNode.layer({ apiToken: Redacted.make("t"), companyDomain: "acme" })
)
export const server = FakePipedriveServer.make({ leads: 3 })
// @ts-expect-error a lead id is a string
export const wrong = Effect.flatMap(Leads.Leads, (leads) => leads.getLead(42))
`

// A project that builds with the \`source\` condition for its own packages must still get dist/ from ours.
// One compilation: typed.ts, and the README's programs (emitted to out/, then run with node).
const tsconfig = {
  compilerOptions: {
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2022",
    strict: true,
    outDir: "out",
    skipLibCheck: false,
    customConditions: ["source"],
    types: ["node"]
  },
  include: ["typed.ts", "readme/*.ts"]
}

describe("packaging", () => {
  it.live("the packed tarballs install with npm and work with plain node and tsc", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const packs = Path.join(dir, "packs")
      const project = Path.join(dir, "project")
      Fs.mkdirSync(packs)
      Fs.mkdirSync(project)

      yield* pnpm(["run", "build"], workspace)
      const core = readJson(Path.join(workspace, "packages/core/package.json"))
      for (const name of ["core", "node-runtime"]) {
        yield* pnpm(["pack", "--pack-destination", packs], Path.join(workspace, "packages", name))
      }
      const tarballs = Fs.readdirSync(packs).filter((file) => file.endsWith(".tgz")).sort()
      expect(tarballs).toEqual([
        `effect-pipedrive-core-${core.version}.tgz`,
        `effect-pipedrive-node-runtime-${core.version}.tgz`
      ])

      // What is inside: real versions, no `source` condition, compiled files that Node can load.
      for (const [index, tarball] of tarballs.entries()) {
        const unpacked = Path.join(dir, `unpacked-${index}`)
        Fs.mkdirSync(unpacked)
        yield* exec("tar", ["-xzf", Path.join(packs, tarball), "-C", unpacked], dir)
        const root = Path.join(unpacked, "package")
        const manifest = readJson(Path.join(root, "package.json"))
        expect(JSON.stringify(manifest.exports)).not.toMatch(/"source"/)
        expect(exportTargets(manifest.exports).filter((target) => /(?<!\.d)\.ts$/.test(target))).toEqual([])
        expect(JSON.stringify(manifest.dependencies ?? {})).not.toMatch(/workspace:/)
        expect(extensionlessImports(Path.join(root, "dist"))).toEqual([])
        const files = filesUnder(root)
        expect(files).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "README.md", "LICENSE"]))
        expect(Fs.readFileSync(Path.join(root, "LICENSE"), "utf8")).toBe(
          Fs.readFileSync(Path.join(workspace, "LICENSE"), "utf8")
        )
        expect(files.filter((file) => /(^|\/)test\/|\.test\.|tsbuildinfo/.test(file))).toEqual([])
        if (manifest.name === "@effect-pipedrive/core") {
          expect(files).toEqual(expect.arrayContaining(["dist/testing.js", "dist/testing.d.ts"]))
        } else {
          expect(manifest.dependencies?.["@effect-pipedrive/core"]).toBe(core.version)
          expect(Fs.readFileSync(Path.join(root, "dist/bin/fake-pipedrive.js"), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/)
        }
      }

      const root = readJson(Path.join(workspace, "package.json"))
      const exact = (deps: Readonly<Record<string, string>> | undefined, name: string) => {
        const version = deps?.[name]
        expect(version).toMatch(/^\d+\.\d+\.\d+$/)
        return version!
      }
      Fs.writeFileSync(
        Path.join(project, "package.json"),
        JSON.stringify(
          {
            name: "a-user-project",
            private: true,
            type: "module",
            devDependencies: {
              typescript: exact(root.devDependencies, "typescript"),
              "@types/node": exact(root.devDependencies, "@types/node")
            }
          },
          null,
          2
        )
      )
      Fs.writeFileSync(Path.join(project, "app.mjs"), app)
      Fs.writeFileSync(Path.join(project, "typed.ts"), typed)
      const programs = snippets().filter((snippet) => snippet.kind === "program")
      Fs.mkdirSync(Path.join(project, "readme"))
      writeSnippets(Path.join(project, "readme"), programs)
      Fs.writeFileSync(Path.join(project, "tsconfig.json"), JSON.stringify(tsconfig, null, 2))
      const install = readmeInstall({
        "@effect-pipedrive/core": Path.join(packs, tarballs[0]!),
        "@effect-pipedrive/node-runtime": Path.join(packs, tarballs[1]!)
      })
      yield* exec("npm", [...install, "--no-audit", "--no-fund", "--prefer-offline"], project)

      // One copy of core, shared by node-runtime: the tarball, not something from the registry.
      const installed = readJson(Path.join(project, "node_modules/@effect-pipedrive/core/package.json"))
      expect(installed.version).toBe(core.version)
      const nested = Path.join(project, "node_modules/@effect-pipedrive/node-runtime/node_modules/@effect-pipedrive")
      expect(Fs.existsSync(nested)).toBe(false)

      const expectedId = (yield* Effect.promise(() => import("@effect-pipedrive/core/testing"))).PipedriveTest
        .generateLeads(25).find((lead) => !lead.is_archived)!.id
      for (const flags of [[], ["--conditions=source"]]) {
        const printed = JSON.parse(yield* exec(process.execPath, [...flags, "app.mjs"], project)) as unknown
        expect(printed).toEqual({ overHttp: expectedId, inMemory: expectedId, requests: 2 })
      }

      expect(yield* exec(Path.join(project, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], project)).toBe("")

      // The README's fake server, from the installed package.
      const server = yield* fakeServerCommand(project)
      const response = yield* Effect.promise(() =>
        fetch(`${server.url}/leads?limit=1`, { headers: { "x-api-token": server.token } })
      )
      expect(response.status).toBe(200)
      const body = (yield* Effect.promise(() => response.json())) as { readonly data: ReadonlyArray<unknown> }
      expect(body.data).toHaveLength(1)

      // The README's programs, compiled above against the shipped `.d.ts` with the user's strict
      // settings, run with plain node against that server (its test blocks run in readme.test.ts).
      for (const snippet of programs) {
        const env = { ...cleanEnv(), PIPEDRIVE_API_TOKEN: server.token, PIPEDRIVE_BASE_URL: server.url }
        const file = Path.join(project, "out/readme", snippet.file.replace(/\.ts$/, ".js"))
        yield* exec(process.execPath, [file], project, env)
      }
    })), { timeout: 1_800_000 })
})
