/**
 * A lean `HttpClient` for Node, built directly on `undici`'s `request`: a keep-alive pool (an
 * undici `Agent`) created with the layer and destroyed with it; interrupting a request aborts
 * its socket; response headers converted once; the body streamed as undici reads it. Its
 * responses are `ResponseBody.BytesReader`s: the `PipedriveClient` reads every body whole from
 * undici's events against its size cap, with no Effect `Stream` in between, gathered by
 * `ResponseBody.makeCollector`, and parses them without joining them into one buffer or string.
 *
 * `PipedriveNode.layer` runs on it. `@effect/platform-node`'s undici client stays available
 * (`transport: "platform"` there).
 *
 * @since 0.1.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as NodeStream from "@effect/platform-node/NodeStream"
import type * as UrlParams from "@effect/platform/UrlParams"
import * as ResponseBody from "@effect-pipedrive/core/ResponseBody"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Readable } from "node:stream"
import type { ReadableStream as WebReadableStream } from "node:stream/web"
import * as Undici from "undici"

/**
 * Options of the connection pool (undici's `Agent`), such as `connections` per origin or
 * `keepAliveTimeout`.
 *
 * @since 0.1.0
 * @category models
 */
export type PoolOptions = Undici.Agent.Options

/**
 * An undici `Agent` for the scope: destroyed — every socket closed, requests still in flight
 * failed — when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAgent = (options: PoolOptions = {}): Effect.Effect<Undici.Agent, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => new Undici.Agent(options)),
    (agent) => Effect.promise(() => agent.destroy())
  )

type RequestBody = Exclude<Undici.Dispatcher.RequestOptions["body"], undefined>

const bodyOf = (body: HttpClientRequest.HttpClientRequest["body"]): Effect.Effect<RequestBody | null> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(null)
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Raw":
      return Effect.succeed(body.body as RequestBody)
    case "FormData":
      return Effect.succeed(body.formData as Undici.FormData)
    case "Stream":
      return Effect.map(Stream.toReadableStreamEffect(body.stream), (stream) => Readable.fromWeb(stream as WebReadableStream))
  }
}

/**
 * The client over `dispatcher`. Timeouts are left to Effect (the `PipedriveClient` policies,
 * or the caller's `Effect.timeout`): undici's own are turned off.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) =>
    Effect.flatMap(bodyOf(request.body), (body) =>
      Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
        dispatcher.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: request.method as Undici.Dispatcher.HttpMethod,
          headers: request.headers,
          body,
          signal,
          headersTimeout: 0,
          bodyTimeout: 0
        }, (cause, data) => {
          resume(
            cause === null
              ? Effect.succeed(new UndiciResponse(request, data))
              : Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause }))
          )
        })
      })
    )
  )

/**
 * The client as a layer, with its own connection pool for the layer's lifetime.
 *
 * @example
 * ```ts
 * import { Services } from "@effect-pipedrive/core"
 * import { UndiciHttpClient } from "@effect-pipedrive/node-runtime"
 * import { Layer } from "effect"
 *
 * // The core stack over this transport with a larger pool (PipedriveNode.layer does this for you).
 * const PipedriveLive = Services.layerConfig().pipe(Layer.provide(UndiciHttpClient.layer({ connections: 64 })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: PoolOptions = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(HttpClient.HttpClient, Effect.map(makeAgent(options), make))

class UndiciResponse extends Inspectable.Class
  implements HttpClientResponse.HttpClientResponse, ResponseBody.BytesReader
{
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly status: number
  readonly headers: Headers.Headers

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly source: Undici.Dispatcher.ResponseData
  ) {
    super()
    this.status = source.statusCode
    this.headers = Headers.fromInput(source.headers as Record<string, string | ReadonlyArray<string>>)
    // An error of a body nobody reads (an aborted request) must not crash the process.
    source.body.on("error", () => {})
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  get cookies(): Cookies.Cookies {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
  }

  private decodeError(cause: unknown) {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    // Every chunk undici has buffered is taken at each pull, not one per turn.
    return NodeStream.fromReadable<HttpClientError.ResponseError, Uint8Array>(
      () => this.source.body,
      (cause) => this.decodeError(cause)
    )
  }

  /**
   * The whole body from undici's events, no `Stream` in between, as the chunks undici read
   * (small ones copied together). Past `maxBytes`, or interrupted, the body is destroyed: undici
   * then aborts the request. A second read fails at once.
   */
  [ResponseBody.TypeId]<E>(
    maxBytes: number,
    onTooLarge: () => E
  ): Effect.Effect<ReadonlyArray<Uint8Array>, E | HttpClientError.ResponseError> {
    return Effect.async<ReadonlyArray<Uint8Array>, E | HttpClientError.ResponseError>((resume) => {
      const body = this.source.body
      // A body already read, or destroyed, would never end again: fail rather than wait.
      if (body.readableEnded || body.destroyed) {
        return resume(Effect.fail(this.decodeError(body.errored ?? new Error("the body was already read"))))
      }
      const collector = ResponseBody.makeCollector(maxBytes)
      const stop = () => {
        body.off("data", onData).off("end", onEnd).off("error", onError)
      }
      const onData = (chunk: Buffer) => {
        if (collector.add(chunk)) return
        stop()
        body.destroy()
        resume(Effect.fail(onTooLarge()))
      }
      // `take` hands the chunks over: this closure's scope outlives the read (the canceler below
      // shares it), and chunks it still held would outlive the parse into older generations, so
      // that the next bodies are read into fresh memory (measured: 15 k more page faults and
      // about 3 µs more CPU per lead over a 100,000-lead walk).
      const onEnd = () => {
        stop()
        resume(Effect.succeed(collector.take()))
      }
      const onError = (cause: unknown) => {
        stop()
        resume(Effect.fail(this.decodeError(cause)))
      }
      body.on("data", onData).on("end", onEnd).on("error", onError)
      return Effect.sync(() => {
        stop()
        body.destroy()
      })
    })
  }

  // The same read with no cap, decoded once and kept: `text` and `json` answer it again however
  // often asked.
  private textBody: Effect.Effect<string, HttpClientError.ResponseError> | undefined
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return this.textBody ??= Effect.runSync(Effect.cached(Effect.map(
      this[ResponseBody.TypeId](Number.POSITIVE_INFINITY, () => this.decodeError(new Error("no cap to pass"))),
      ResponseBody.text
    )))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: (): unknown => text === "" ? null : JSON.parse(text),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => [...new URLSearchParams(text)])
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.tryPromise({
      try: () => this.source.body.formData() as Promise<FormData>,
      catch: (cause) => this.decodeError(cause)
    })
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.tryPromise({
      try: () => this.source.body.arrayBuffer(),
      catch: (cause) => this.decodeError(cause)
    })
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}
