import * as Http from "node:http"
import { type Errors, Leads, type PipedriveClient } from "@effect-pipedrive/core"
import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigError, ConfigProvider, Deferred, Effect, Exit, Fiber, FiberId, Layer, Option, Queue, Redacted } from "effect"
import { PipedriveNode } from "../src/index.js"
import { leadId, leadJson, token } from "./support/fixtures.js"
import { listen } from "./support/hostile.js"

/** What the server saw of one request. */
interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  /** Which connection (0, 1, …) carried it. */
  readonly connection: number
  /** Completes when that connection closes. */
  readonly closed: Deferred.Deferred<void>
}

/** How the server answers: `hang` never answers, `reset` drops the connection. */
type Behaviour = "ok" | "hang" | "reset"

/**
 * A node:http server on 127.0.0.1 (an ephemeral port) answering `/api/v1/leads/{id}` by the
 * behaviour `pick` chooses; stopped with the test's scope.
 */
const startServer = (pick: (request: Http.IncomingMessage, index: number) => Behaviour) =>
  Effect.gen(function*() {
    const arrivals = yield* Queue.unbounded<Seen>()
    const seen: Array<Seen> = []
    const sockets: Array<unknown> = []
    const connections: Array<Deferred.Deferred<void>> = []
    const server = Http.createServer((request, response) => {
      const connection = connections.findIndex((_, i) => sockets[i] === request.socket)
      const record: Seen = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        connection,
        closed: connections[connection]!
      }
      seen.push(record)
      Queue.unsafeOffer(arrivals, record)
      switch (pick(request, seen.length - 1)) {
        case "hang":
          return
        case "reset":
          return request.socket.destroy()
        case "ok": {
          const id = (request.url ?? "").split("?")[0]!.split("/").pop()!
          response.writeHead(request.method === "POST" ? 201 : 200, {
            "content-type": "application/json",
            "x-ratelimit-limit": "40",
            "x-ratelimit-remaining": "39",
            "x-ratelimit-reset": "2"
          })
          response.end(JSON.stringify({ success: true, data: leadJson(id === "leads" ? leadId(9) : id) }))
        }
      }
    })
    server.on("connection", (socket) => {
      const closed = Deferred.unsafeMake<void>(FiberId.none)
      sockets.push(socket)
      connections.push(closed)
      socket.on("close", () => Deferred.unsafeDone(closed, Exit.void))
    })
    return {
      baseUrl: yield* listen(server),
      seen,
      /** The next request the server receives. */
      nextArrival: Queue.take(arrivals),
      connectionCount: () => connections.length
    }
  })

const leadsOver = (baseUrl: string, policies: PipedriveClient.Policies = {}) =>
  PipedriveNode.layer({ apiToken: Redacted.make(token), baseUrl, ...policies })

/**
 * Fails the test, rather than hanging it, when `effect` has not ended after half a minute: a
 * hang detector, not a time bound (the design takes milliseconds to a few seconds here).
 */
const within = <A, E>(effect: Effect.Effect<A, E>, what: string) =>
  Effect.timeoutFail(effect, { duration: "30 seconds", onTimeout: () => new Error(`timed out: ${what}`) })

describe("PipedriveNode.layerConfig", () => {
  const build = (env: Record<string, string>) =>
    Layer.build(PipedriveNode.layerConfig()).pipe(
      Effect.scoped,
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
      Effect.flip
    )

  it.effect.each([
    ["the token", { PIPEDRIVE_COMPANY_DOMAIN: "acme" }, ["PIPEDRIVE_API_TOKEN", "PIPEDRIVE_OAUTH_TOKEN"]],
    ["the location", { PIPEDRIVE_API_TOKEN: token }, ["PIPEDRIVE_COMPANY_DOMAIN", "PIPEDRIVE_BASE_URL"]],
    ["a valid plan", { PIPEDRIVE_API_TOKEN: token, PIPEDRIVE_COMPANY_DOMAIN: "acme", PIPEDRIVE_PLAN: "gold" }, [
      "PIPEDRIVE_PLAN"
    ]],
    ["a valid base URL", { PIPEDRIVE_API_TOKEN: token, PIPEDRIVE_BASE_URL: "ftp://example.com" }, [
      "PIPEDRIVE_BASE_URL"
    ]],
    ["a valid company domain", { PIPEDRIVE_API_TOKEN: token, PIPEDRIVE_COMPANY_DOMAIN: "not a domain!" }, [
      "PIPEDRIVE_COMPANY_DOMAIN"
    ]],
    ["a token that is not empty", { PIPEDRIVE_API_TOKEN: "", PIPEDRIVE_COMPANY_DOMAIN: "acme" }, [
      "PIPEDRIVE_API_TOKEN is set but empty"
    ]],
    // A leftover variable must not send traffic to a real company, or as another token.
    ["just one location", {
      PIPEDRIVE_API_TOKEN: token,
      PIPEDRIVE_COMPANY_DOMAIN: "acme",
      PIPEDRIVE_BASE_URL: "http://127.0.0.1:4711"
    }, ["both PIPEDRIVE_COMPANY_DOMAIN and PIPEDRIVE_BASE_URL are set"]],
    ["just one token", { PIPEDRIVE_API_TOKEN: token, PIPEDRIVE_OAUTH_TOKEN: token, PIPEDRIVE_COMPANY_DOMAIN: "acme" }, [
      "both PIPEDRIVE_API_TOKEN and PIPEDRIVE_OAUTH_TOKEN are set"
    ]]
  ] as const)("without %s it fails with a ConfigError naming the variables", ([, env, names]) =>
    Effect.gen(function*() {
      const error = yield* build(env)
      expect(ConfigError.isConfigError(error)).toBe(true)
      for (const name of names) expect(String(error)).toContain(name)
      expect(String(error)).not.toContain(token)
      expect(String(error)).not.toContain("<redacted>")
    }))

  it.scopedLive("with the variables set it talks to the base URL it names", () =>
    Effect.gen(function*() {
      const server = yield* startServer(() => "ok")
      const env = new Map([["PIPEDRIVE_API_TOKEN", token], ["PIPEDRIVE_BASE_URL", server.baseUrl]])
      const lead = yield* Effect.flatMap(Leads.Leads, (leads) => leads.getLead(leadId(1))).pipe(
        Effect.provide(PipedriveNode.layerConfig({ retry: false })),
        Effect.withConfigProvider(ConfigProvider.fromMap(env))
      )
      expect(lead.id).toBe(leadId(1))
      expect(server.seen.map((request) => request.url)).toEqual([`/api/v1/leads/${leadId(1)}`])
    }))
})

describe("PipedriveNode.layer over real sockets (127.0.0.1)", () => {
  it.scopedLive("the token goes in the x-api-token header, never in the URL; connections are kept alive", () =>
    Effect.gen(function*() {
      const server = yield* startServer(() => "ok")
      yield* Effect.gen(function*() {
        const leads = yield* Leads.Leads
        yield* leads.getLead(leadId(1))
        yield* leads.getLead(leadId(2))
        yield* leads.addLead({ title: "New", person_id: 1 })
        for (let n = 3; n < 10; n++) yield* leads.getLead(leadId(n))
      }).pipe(Effect.provide(leadsOver(server.baseUrl)))
      expect(server.seen).toHaveLength(10)
      for (const request of server.seen) {
        expect(request.headers["x-api-token"]).toBe(token)
        expect(request.headers.authorization).toBeUndefined()
        expect(request.url).not.toContain(token)
        expect(request.url).not.toContain("api_token")
      }
      expect(server.seen.slice(0, 3).map((request) => [request.method, request.url])).toEqual([
        ["GET", `/api/v1/leads/${leadId(1)}`],
        ["GET", `/api/v1/leads/${leadId(2)}`],
        ["POST", "/api/v1/leads"]
      ])
      // Ten requests one after the other, over at most two connections: undici keeps them alive
      // (it may open a second one when the next request is sent before the first socket is
      // marked free again).
      expect(server.connectionCount()).toBeLessThanOrEqual(2)
    }))

  it.scopedLive("closing the layer closes its kept-alive connections", () =>
    Effect.gen(function*() {
      const server = yield* startServer(() => "ok")
      yield* Effect.flatMap(Leads.Leads, (leads) => leads.getLead(leadId(1))).pipe(
        Effect.provide(leadsOver(server.baseUrl))
      )
      expect(server.seen).toHaveLength(1)
      yield* within(Deferred.await(server.seen[0]!.closed), "the server to see the connection close")
    }))

  it.scopedLive("interrupting an in-flight request closes its connection", () =>
    Effect.gen(function*() {
      const server = yield* startServer(() => "hang")
      const context = yield* Layer.build(leadsOver(server.baseUrl))
      const fiber = yield* Effect.flatMap(Leads.Leads, (leads) => leads.getLead(leadId(1))).pipe(
        Effect.provide(context),
        Effect.fork
      )
      const arrived = yield* within(server.nextArrival, "the request to arrive")
      yield* within(Fiber.interrupt(fiber), "the interruption")
      yield* within(Deferred.await(arrived.closed), "the server to see the connection close")
      expect(server.seen).toHaveLength(1)
    }))

  it.scopedLive("a timeout aborts the attempt: RequestTimeout, and the connection is closed", () =>
    Effect.gen(function*() {
      const server = yield* startServer(() => "hang")
      const exit = yield* Effect.flatMap(Leads.Leads, (leads) => leads.getLead(leadId(1))).pipe(
        Effect.provide(leadsOver(server.baseUrl, { timeout: "300 millis", retry: false })),
        Effect.exit,
        (effect) => within(effect, "the timeout")
      )
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      expect(Option.map(error, (e) => e._tag)).toEqual(Option.some("RequestTimeout"))
      expect(server.seen).toHaveLength(1)
      yield* within(Deferred.await(server.seen[0]!.closed), "the server to see the connection close")
    }))

  // The server fails the first GET and the first POST, then answers: a GET is tried again,
  // a POST that may have reached Pipedrive is not.
  const ambiguousFailures = [
    {
      name: "a timed-out GET is tried again on a fresh connection; a POST is not",
      behaviour: "hang",
      // The retried GET must be answered within it: not 300 ms, which a machine whose cores are
      // busy can take over loopback (a second timeout sends a third GET where the POST was due).
      policies: { timeout: "2 seconds" },
      isExpected: (error: Errors.PipedriveError) => error._tag === "RequestTimeout"
    },
    {
      name: "a connection dropped after the request went out: GET retried, POST not",
      behaviour: "reset",
      policies: {},
      isExpected: (error: Errors.PipedriveError) => error._tag === "TransportError" && error.requestSent
    }
  ] as const

  for (const { behaviour, isExpected, name, policies } of ambiguousFailures) {
    it.scopedLive(name, () =>
      Effect.gen(function*() {
        const server = yield* startServer((_, index) => index === 0 || index === 2 ? behaviour : "ok")
        const { get, post } = yield* Effect.gen(function*() {
          const leads = yield* Leads.Leads
          const get = yield* Effect.exit(leads.getLead(leadId(1)))
          const post = yield* Effect.exit(leads.addLead({ title: "New", person_id: 1 }))
          return { get, post }
        }).pipe(
          Effect.provide(leadsOver(server.baseUrl, { ...policies, retry: { times: 2, baseDelay: "1 millis" } })),
          (effect) => within(effect, "the calls")
        )
        expect(Exit.isSuccess(get)).toBe(true)
        const postError = Exit.isFailure(post) ? Cause.failureOption(post.cause) : Option.none()
        expect(Option.map(postError, isExpected)).toEqual(Option.some(true))
        expect(server.seen.map((request) => request.method)).toEqual(["GET", "GET", "POST"])
        expect(server.seen[1]!.connection).not.toBe(server.seen[0]!.connection)
      }))
  }

  it.scopedLive("a refused connection (nothing sent) is retried, even for a POST", () =>
    Effect.gen(function*() {
      // A port that was just free: start a server, note its port, stop it.
      const baseUrl = yield* Effect.scoped(Effect.map(startServer(() => "ok"), (server) => server.baseUrl))
      const exit = yield* Effect.flatMap(Leads.Leads, (leads) => leads.addLead({ title: "New", person_id: 1 })).pipe(
        Effect.provide(leadsOver(baseUrl, { retry: { times: 2, baseDelay: "1 millis" } })),
        Effect.exit,
        (effect) => within(effect, "the refused calls")
      )
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      expect(
        Option.map(error, (e) => e._tag === "TransportError" && [e.code, e.requestSent, e.attempts])
      ).toEqual(Option.some(["ECONNREFUSED", false, 3]))
    }))
})
