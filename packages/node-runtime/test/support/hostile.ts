/**
 * Tiny node:http servers on 127.0.0.1 that answer what a broken proxy, a buggy gateway or an
 * old account sends, for the hostile-server suite. A server is a `Behaviour` per request
 * (`Serve.*` builds the usual ones); it counts the requests it received and is stopped, every
 * connection closed, with the test's scope.
 */
import { Effect, type Scope } from "effect"
import * as Http from "node:http"
import { leadJson } from "./fixtures.js"

/** Answers the `index`-th request (0 based) the server received. */
export type Behaviour = (request: Http.IncomingMessage, response: Http.ServerResponse, index: number) => void

export interface HostileServer {
  /** The Leads API base URL of the server (`http://127.0.0.1:<port>/api/v1`). */
  readonly baseUrl: string
  /** Requests received so far. */
  readonly requests: () => number
}

/**
 * Listens on 127.0.0.1 (an ephemeral port) for the scope, and answers the Leads API base URL
 * there; closing the scope closes every connection, then the server.
 */
export const listen = (server: Http.Server): Effect.Effect<string, never, Scope.Scope> =>
  Effect.gen(function*() {
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address()
    if (address === null || typeof address === "string") return yield* Effect.dieMessage("no port")
    return `http://127.0.0.1:${address.port}/api/v1`
  })

/** A server answering every request by `behaviour`, for the scope. */
export const start = (behaviour: Behaviour): Effect.Effect<HostileServer, never, Scope.Scope> =>
  Effect.gen(function*() {
    let requests = 0
    const server = Http.createServer((request, response) => {
      // A body the client sends is read and dropped, so a behaviour never waits on it.
      request.resume()
      behaviour(request, response, requests++)
    })
    const baseUrl = yield* listen(server)
    return { baseUrl, requests: () => requests }
  })

const rateLimitHeaders = {
  "x-ratelimit-limit": "40",
  "x-ratelimit-remaining": "39",
  "x-ratelimit-reset": "2"
}

/** Builds the usual behaviours. */
export const Serve = {
  /** Never answers (the connection stays open). */
  silence: (() => {}) satisfies Behaviour,

  /** Closes the connection once the request has arrived, before any response. */
  reset: ((request) => void request.socket.destroy()) satisfies Behaviour,

  /** A JSON body with this status (and Pipedrive's rate-limit headers unless overridden). */
  json: (status: number, body: unknown, headers: Http.OutgoingHttpHeaders = {}): Behaviour => (_, response) => {
    response.writeHead(status, { "content-type": "application/json", ...rateLimitHeaders, ...headers })
    response.end(JSON.stringify(body))
  },

  /** Any body, as given, with this status and these headers. */
  text: (status: number, body: string, headers: Http.OutgoingHttpHeaders = {}): Behaviour => (_, response) => {
    response.writeHead(status, headers)
    response.end(body)
  },

  /** The lead the request asks for, as Pipedrive answers `GET /leads/{id}`. */
  lead: ((request, response) => {
    const id = (request.url ?? "").split("?")[0]!.split("/").pop()!
    Serve.json(200, { success: true, data: leadJson(id) })(request, response, 0)
  }) satisfies Behaviour,

  /** Bytes written straight to the socket (no HTTP framing by node), then the connection closed. */
  raw: (bytes: string): Behaviour => (request) => {
    request.socket.end(bytes)
  },

  /** Headers, then `chunk` every `everyMillis` for as long as the client reads: a body that never ends. */
  drip: (chunk: string, everyMillis: number, headers: Http.OutgoingHttpHeaders = {}): Behaviour => (_, response) => {
    response.writeHead(200, { "content-type": "application/json", ...rateLimitHeaders, ...headers })
    response.write(`{"success":true,"data":[`)
    const timer = setInterval(() => response.write(chunk), everyMillis)
    response.on("close", () => clearInterval(timer))
  },

  /**
   * A 200 whose body is `bytes` long (endless by default), written as fast as the client reads
   * it; chunked unless `headers` give a `content-length`.
   */
  flood: (bytes = Number.POSITIVE_INFINITY, headers: Http.OutgoingHttpHeaders = {}): Behaviour => (_, response) => {
    response.writeHead(200, { "content-type": "application/json", ...rateLimitHeaders, ...headers })
    const chunk = Buffer.alloc(64 * 1024, " ")
    let left = bytes
    const pump = () => {
      while (!response.destroyed && left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left)
        left -= piece.length
        if (!response.write(piece)) return
      }
      if (left === 0) response.end()
    }
    response.on("drain", pump)
    pump()
  },

  /** The behaviours in turn, one per request; the last answers every later request. */
  sequence: (...behaviours: ReadonlyArray<Behaviour>): Behaviour => (request, response, index) =>
    behaviours[Math.min(index, behaviours.length - 1)]!(request, response, index)
} as const
