/**
 * The in-memory Pipedrive of `@effect-pipedrive/core/testing`, served over real sockets on
 * 127.0.0.1 — for the demo, integration tests and benchmarks. Same model, same answers; the
 * faults happen for real: a reset destroys the socket (before processing, or after the write
 * was committed), a truncated body is a complete HTTP response whose JSON text is cut,
 * latency is a timer.
 *
 * @since 0.1.0
 */
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/**
 * The model's options, and the port on 127.0.0.1 (default 0: any free port).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends PipedriveTest.Options {
  readonly port?: number | undefined
}

/**
 * The server could not start (the port is taken, say).
 *
 * @example
 * ```ts
 * import { FakePipedriveServer } from "@effect-pipedrive/node-runtime"
 * import { Effect } from "effect"
 *
 * const server = FakePipedriveServer.layer({ port: 4711 })
 * const started = Effect.flatMap(FakePipedriveServer.FakePipedriveServer, (running) => Effect.log(running.url)).pipe(
 *   Effect.provide(server),
 *   Effect.catchTag("FakePipedriveServerError", (error) => Effect.logError(error.message))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class FakePipedriveServerError extends Schema.TaggedError<FakePipedriveServerError>()(
  "FakePipedriveServerError",
  { reason: Schema.String }
) {
  override get message() {
    return `the fake Pipedrive server could not start: ${this.reason}`
  }
}

/**
 * A running server: its v1 base URL (`http://127.0.0.1:<port>/api/v1`), its API root (below
 * which `/api/v1`, `/v1` and `/api/v2` are served), the token it accepts, and the model behind
 * it (read the store, set faults and limits, read the counters).
 *
 * @since 0.1.0
 * @category models
 */
export interface Running {
  readonly url: string
  /** Also the OAuth server's address (`/oauth/authorize`, `/oauth/token`, `/oauth/revoke`) and its tokens' `api_domain`. */
  readonly root: string
  readonly port: number
  readonly token: string
  readonly model: PipedriveTest.Service
}

/**
 * The running fake server: where it listens, the token it accepts, and the model behind it.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { FakePipedriveServer, PipedriveNode } from "@effect-pipedrive/node-runtime"
 * import { Effect, Layer, Redacted } from "effect"
 *
 * // A real HTTP server on 127.0.0.1, and the Node client pointed at it.
 * const client = Layer.unwrapEffect(Effect.map(FakePipedriveServer.FakePipedriveServer, (server) =>
 *   PipedriveNode.layer({ baseUrl: server.url, apiToken: Redacted.make(server.token) })))
 *
 * const count = await Effect.flatMap(Leads.Leads, (leads) => leads.getLeads({ limit: 5 })).pipe(
 *   Effect.map((page) => page.items.length),
 *   Effect.provide(client.pipe(Layer.provideMerge(FakePipedriveServer.layer({ leads: 5 })))),
 *   Effect.runPromise
 * )
 * assert.strictEqual(count, 5)
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class FakePipedriveServer extends Context.Tag("@effect-pipedrive/node-runtime/FakePipedriveServer")<
  FakePipedriveServer,
  Running
>() {}

const toModelRequest = (request: Http.IncomingMessage, body: Buffer): PipedriveTest.Request => {
  const url = new URL(request.url ?? "/", "http://127.0.0.1")
  const headers: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return {
    method: request.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: body.length === 0 ? undefined : body.toString("utf8")
  }
}

/**
 * Starts the server; closing the scope stops it, closing keep-alive connections and
 * cancelling delayed answers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Running, FakePipedriveServerError, Scope.Scope> =>
  Effect.gen(function*() {
    const { port, ...modelOptions } = options
    // Made once the port is known: the OAuth server's tokens name this server as their api_domain.
    let model: PipedriveTest.Service | undefined
    const clock = yield* Effect.clock
    const timers = new Set<ReturnType<typeof setTimeout>>()

    const perform = (
      request: Http.IncomingMessage,
      response: Http.ServerResponse,
      outcome: PipedriveTest.Outcome
    ): void => {
      switch (outcome._tag) {
        case "Respond":
        case "Truncated": {
          // For a truncated answer the body is already cut: Content-Length matches what is sent.
          const body = Buffer.from(outcome.response.body, "utf8")
          response.writeHead(outcome.response.status, { ...outcome.response.headers, "content-length": body.length })
          response.end(body)
          return
        }
        case "Reset":
          request.socket.resetAndDestroy()
          return
        case "Delay": {
          const timer = setTimeout(() => {
            timers.delete(timer)
            // A caller that gave up while waiting is gone: its request is never processed,
            // as with the in-memory transport.
            if (request.socket.destroyed) return
            perform(request, response, outcome.resume(clock.unsafeCurrentTimeMillis()))
          }, outcome.millis)
          timers.add(timer)
          return
        }
      }
    }

    const server = Http.createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("error", () => request.socket.destroy())
      request.on("end", () => {
        const outcome = model!.handle(toModelRequest(request, Buffer.concat(chunks)), clock.unsafeCurrentTimeMillis())
        perform(request, response, outcome)
      })
    })

    yield* Effect.acquireRelease(
      Effect.async<void, FakePipedriveServerError>((resume) => {
        const onError = (error: Error) => resume(Effect.fail(new FakePipedriveServerError({ reason: error.message })))
        server.once("error", onError)
        server.listen(port ?? 0, "127.0.0.1", () => {
          server.off("error", onError)
          resume(Effect.void)
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const timer of timers) clearTimeout(timer)
          timers.clear()
          // close() alone would wait for idle keep-alive sockets.
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )

    const address = server.address() as AddressInfo
    const root = `http://127.0.0.1:${address.port}`
    model = yield* PipedriveTest.make({ ...modelOptions, oauth: { apiDomain: root, ...modelOptions.oauth } })
    return {
      url: `http://127.0.0.1:${address.port}/api/v1`,
      root,
      port: address.port,
      token: model.token,
      model
    }
  })

/**
 * The server as a layer.
 *
 * @example
 * ```ts
 * import { FakePipedriveServer } from "@effect-pipedrive/node-runtime"
 * import { Effect } from "effect"
 *
 * // 1,000 leads behind any free port, until the scope closes.
 * const url = Effect.map(FakePipedriveServer.FakePipedriveServer, (server) => server.url).pipe(
 *   Effect.provide(FakePipedriveServer.layer({ leads: 1000 }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<FakePipedriveServer, FakePipedriveServerError> =>
  Layer.scoped(FakePipedriveServer, make(options))
