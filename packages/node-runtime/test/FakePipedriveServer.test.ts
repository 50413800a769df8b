import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as FakePipedriveServer from "../src/FakePipedriveServer.js"

const { Fault, Trigger } = PipedriveTest

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

/** A plain `fetch` to the server, body read; a network failure fails with the thrown error. */
const send = (
  server: FakePipedriveServer.Running,
  path: string,
  init: { readonly method?: string; readonly body?: unknown; readonly token?: string | null } = {}
): Effect.Effect<Answer, unknown> =>
  Effect.tryPromise({
    try: async (signal) => {
      const headers: Record<string, string> = {}
      if (init.token !== null) headers["x-api-token"] = init.token ?? server.token
      if (init.body !== undefined) headers["content-type"] = "application/json"
      const response = await fetch(`${server.url}${path}`, {
        method: init.method ?? "GET",
        headers,
        signal,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) })
      })
      return { status: response.status, headers: response.headers, text: await response.text() }
    },
    catch: (error) => error
  })

const data = (answer: Answer) => (JSON.parse(answer.text) as { data: unknown }).data

/** The system error code under fetch's `TypeError: fetch failed`. */
const codeOf = (error: unknown): unknown =>
  error instanceof Error && error.cause instanceof Error ? (error.cause as Error & { code?: unknown }).code : undefined

describe("FakePipedriveServer", () => {
  it.scopedLive("serves the Leads API on 127.0.0.1, on a free port", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 60, seed: 5 })
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/)
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/api/v1`)
      expect(server.port).toBeGreaterThan(0)

      const page = yield* send(server, "/leads?limit=10")
      expect(page.status).toBe(200)
      expect(page.headers.get("content-type")).toMatch(/^application\/json/)
      expect(page.headers.get("x-ratelimit-limit")).toBe("100")
      expect(page.headers.get("x-daily-ratelimit-token-remaining")).toBe(String(1_500_000 - 20))
      const body = JSON.parse(page.text) as { data: ReadonlyArray<{ id: string }>; additional_data: unknown }
      const seeded = (yield* server.model.leads).filter((lead) => !lead.is_archived)
      expect(body.data.map((lead) => lead.id)).toEqual(seeded.slice(0, 10).map((lead) => lead.id))
      expect(body.additional_data).toEqual({
        pagination: { start: 0, limit: 10, more_items_in_collection: true, next_start: 10 }
      })

      const created = yield* send(server, "/leads", {
        method: "POST",
        body: { title: "Over the wire", organization_id: 2 }
      })
      expect(created.status).toBe(201)
      const lead = data(created) as { id: string; source_name: string }
      expect(lead.source_name).toBe("API")
      expect((yield* send(server, `/leads/${lead.id}`)).status).toBe(200)
      const patched = yield* send(server, `/leads/${lead.id}`, {
        method: "PATCH",
        body: { title: "Renamed", value: null }
      })
      expect(data(patched)).toMatchObject({ title: "Renamed", value: null, organization_id: 2 })
      expect(data(yield* send(server, `/leads/${lead.id}/permittedUsers`))).toEqual(expect.arrayContaining([1]))
      const found = yield* send(server, `/leads/search?term=${encodeURIComponent("renamed")}&exact_match=true`)
      const hits = (data(found) as { readonly items: ReadonlyArray<{ readonly item: { readonly id: string } }> }).items
      expect(hits.map((hit) => hit.item.id)).toEqual([lead.id])
      const archived = yield* send(server, "/leads/archived?limit=500")
      expect((data(archived) as ReadonlyArray<{ is_archived: boolean }>).every((l) => l.is_archived)).toBe(true)
      expect(data(yield* send(server, `/leads/${lead.id}`, { method: "DELETE" }))).toEqual({ id: lead.id })
      expect((yield* send(server, `/leads/${lead.id}`)).status).toBe(404)

      const unauthorized = yield* send(server, "/leads", { token: null })
      expect(unauthorized.status).toBe(401)
      expect(JSON.parse(unauthorized.text)).toEqual({ success: false, error: "unauthorized access", errorCode: 401 })

      // The /v1 prefix reaches the same API.
      const legacy = yield* Effect.tryPromise(() =>
        fetch(`http://127.0.0.1:${server.port}/v1/leads?limit=1`, { headers: { "x-api-token": server.token } })
      )
      expect(legacy.status).toBe(200)
      yield* Effect.promise(() => legacy.text())
      expect((yield* server.model.stats).requests).toBe(11)
    }))

  it.live("answers only under the API's real prefixes: a base URL without them fails as it would in production", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 3 })
      const status = (path: string) =>
        Effect.promise(async () => {
          const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
            headers: { "x-api-token": server.token }
          })
          await response.text()
          return response.status
        })
      // Routed: 200, or 501 for a route of the contract the model does not serve yet; else 404.
      const expected = {
        "/api/v1/leads": "routed",
        "/v1/leads": "routed",
        "/api/v2/leads/search?term=for": "routed",
        "/leads": "not found",
        "/api/leads": "not found",
        "/api/v3/leads": "not found",
        "/v2/leads/search?term=for": "not found",
        "/api/v1leads": "not found"
      }
      const statuses = yield* Effect.forEach(
        Object.keys(expected),
        (path) => Effect.map(status(path), (code) => [path, code === 404 ? "not found" : "routed"] as const)
      )
      expect(Object.fromEntries(statuses)).toEqual(expected)
    }).pipe(Effect.scoped))

  it.live("stops cleanly: the port closes even with a request in flight on a keep-alive socket", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const server = yield* Scope.extend(
        FakePipedriveServer.make({
          leads: 3,
          faults: [{ fault: Fault.Latency({ millis: 60_000 }), endpoints: ["getLeads"] }]
        }),
        scope
      )
      expect((yield* send(server, "/leads/archived")).status).toBe(200)
      const inFlight = yield* Effect.fork(send(server, "/leads"))
      // Wait until the server holds the request (it counts it on arrival).
      while ((yield* server.model.stats).byEndpoint.getLeads !== 1) yield* Effect.sleep("5 millis")

      yield* Scope.close(scope, Exit.void)
      const failed = yield* Fiber.join(inFlight).pipe(Effect.flip)
      expect(failed).toBeInstanceOf(TypeError)
      const refused = yield* send(server, "/leads").pipe(Effect.flip)
      expect(codeOf(refused)).toBe("ECONNREFUSED")
    }))

  it.scopedLive("a reset fault really resets the socket; after commit the write happened", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 3 })
      yield* server.model.setFaults([{ fault: Fault.ResetBeforeProcessing(), when: Trigger.Next({ count: 1 }) }])
      const post = (title: string) => send(server, "/leads", { method: "POST", body: { title, person_id: 1 } })
      const before = yield* Effect.flip(post("Never"))
      expect(codeOf(before)).toBe("ECONNRESET")
      expect((yield* server.model.leads).some((lead) => lead.title === "Never")).toBe(false)

      yield* server.model.setFaults([{ fault: Fault.ResetAfterCommit(), when: Trigger.Next({ count: 1 }) }])
      const after = yield* Effect.flip(post("Committed"))
      expect(codeOf(after)).toBe("ECONNRESET")
      expect((yield* server.model.leads).filter((lead) => lead.title === "Committed")).toHaveLength(1)

      // The server keeps serving.
      expect((yield* send(server, "/leads")).status).toBe(200)
      expect((yield* server.model.stats).byStatus).toMatchObject({ reset: 2, "200": 1 })
    }))

  it.scopedLive("other faults over the wire: truncated body, HTML 403, 503, latency", () =>
    Effect.gen(function*() {
      const server = yield* FakePipedriveServer.make({ leads: 20 })
      const once = (fault: PipedriveTest.Fault) =>
        server.model.setFaults([{ fault, endpoints: ["getLeads"], when: Trigger.Next({ count: 1 }) }])

      yield* once(Fault.TruncatedBody())
      const truncated = yield* send(server, "/leads")
      expect(truncated.status).toBe(200)
      expect(Number(truncated.headers.get("content-length"))).toBe(Buffer.byteLength(truncated.text))
      expect(() => JSON.parse(truncated.text)).toThrow()

      yield* once(Fault.HtmlForbidden())
      const blocked = yield* send(server, "/leads")
      expect(blocked.status).toBe(403)
      expect(blocked.headers.get("content-type")).toMatch(/^text\/html/)
      expect(blocked.text).toMatch(/^<!DOCTYPE html>/)

      yield* once(Fault.ServerError({ status: 503 }))
      const unavailable = yield* send(server, "/leads")
      expect(unavailable.status).toBe(503)
      expect(JSON.parse(unavailable.text)).toMatchObject({ success: false, data: null })

      yield* once(Fault.Latency({ millis: 200 }))
      const started = Date.now()
      const slow = yield* send(server, "/leads")
      expect(slow.status).toBe(200)
      // A timer cannot fire early by more than timer granularity.
      expect(Date.now() - started).toBeGreaterThanOrEqual(190)
      expect((yield* server.model.stats).faults).toEqual({
        TruncatedBody: 1,
        HtmlForbidden: 1,
        ServerError: 1,
        Latency: 1
      })
    }))

  it.scopedLive("as a layer, with a port already taken the typed error says so", () =>
    Effect.gen(function*() {
      const first = yield* FakePipedriveServer.make()
      const error = yield* Effect.flip(FakePipedriveServer.make({ port: first.port }))
      expect(error._tag).toBe("FakePipedriveServerError")
      expect(error.message).toMatch(/EADDRINUSE/)
      const viaLayer = yield* Effect.provide(
        FakePipedriveServer.FakePipedriveServer,
        FakePipedriveServer.layer({ leads: 2 })
      )
      expect((yield* viaLayer.model.leads).length).toBe(2)
    }))
})

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const tsx = [
  fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url)),
  fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url))
].find((path) => existsSync(path))

/** Spawns the CLI; killing it is the scope's finalizer. */
const spawnCli = (args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(tsx!, ["--conditions=source", "src/bin/fake-pipedrive.ts", ...args], {
        cwd: packageDir,
        stdio: ["ignore", "pipe", "pipe"]
      })
    ),
    (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  )

const firstLine = (child: ChildProcess) =>
  Effect.async<string, Error>((resume) => {
    let out = ""
    let err = ""
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()))
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const end = out.indexOf("\n")
      if (end !== -1) resume(Effect.succeed(out.slice(0, end)))
    })
    child.on("exit", (code) => resume(Effect.fail(new Error(`the CLI exited (${code}) before printing: ${err}`))))
  })

const exitOf = (child: ChildProcess) =>
  Effect.async<{ readonly code: number | null; readonly signal: string | null }>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return resume(Effect.succeed({ code: child.exitCode, signal: child.signalCode }))
    }
    child.on("exit", (code, signal) => resume(Effect.succeed({ code, signal })))
  })

describe("fake-pipedrive CLI", () => {
  it.scopedLive("prints its URL and token, serves, and exits on SIGTERM", () =>
    Effect.gen(function*() {
      expect(tsx).toBeDefined()
      const child = yield* spawnCli([
        "--port",
        "0",
        "--leads",
        "1000",
        "--seed",
        "9",
        "--rate-limit",
        "5",
        "--window-ms",
        "1000"
      ])
      const line = yield* firstLine(child)
      const printed = JSON.parse(line) as { url: string; token: string }
      expect(Object.keys(printed)).toEqual(["url", "token"])
      expect(printed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/)
      expect(printed.token).toBe(PipedriveTest.defaultToken)

      const response = yield* Effect.tryPromise(() =>
        fetch(`${printed.url}/leads?limit=500`, { headers: { "x-api-token": printed.token } })
      )
      expect(response.status).toBe(200)
      expect(response.headers.get("x-ratelimit-limit")).toBe("5")
      const body = (yield* Effect.promise(() => response.json())) as { data: ReadonlyArray<{ id: string }> }
      const expected = PipedriveTest.generateLeads(1000, { seed: 9 }).filter((lead) => !lead.is_archived).slice(0, 500)
      expect(body.data.map((lead) => lead.id)).toEqual(expected.map((lead) => lead.id))

      child.kill("SIGTERM")
      expect(yield* exitOf(child)).toEqual({ code: 0, signal: null })
    }))

  it.scopedLive("rejects a bad argument with a usage line", () =>
    Effect.gen(function*() {
      const child = yield* spawnCli(["--leads", "many"])
      let err = ""
      child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()))
      const exit = yield* exitOf(child)
      expect(exit.code).toBe(1)
      expect(err).toMatch(/--leads must be a whole number/)
      expect(err).toMatch(/usage: fake-pipedrive/)
    }))
})
