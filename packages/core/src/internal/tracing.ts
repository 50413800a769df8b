import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { constTrue } from "effect/Function"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as ResponseBody from "../ResponseBody.js"
import { isResponseError, readBytes } from "./responses.js"

/**
 * Sends `request` with `send` in a client span of our own, with the attributes and the trace
 * propagation of the platform's span (request headers redacted by `Headers.currentRedactedNames`).
 * The platform's span is turned off below it: it ends with the response as its exit value, and
 * a response holds its request, token header included, for any tracer that looks at exits.
 * This span ends with the status alone; `send` must fail with errors that hold no request
 * (the client's typed errors).
 */
export const clientSpan = <E, R>(
  request: HttpClientRequest.HttpClientRequest,
  send: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>
): Effect.Effect<HttpClientResponse.HttpClientResponse, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    const untraced = Effect.locally(send(request), HttpClient.currentTracerDisabledWhen, constTrue)
    const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
    if (Either.isLeft(url) || fiber.getFiberRef(HttpClient.currentTracerDisabledWhen)(request)) return untraced
    const redactedNames = fiber.getFiberRef(Headers.currentRedactedNames)
    const name = Context.get(fiber.currentContext, HttpClient.SpanNameGenerator)(request)
    let response: HttpClientResponse.HttpClientResponse | undefined
    return Effect.useSpan(name, { kind: "client", captureStackTrace: false }, (span) => {
      span.attribute("http.request.method", request.method)
      span.attribute("server.address", url.right.origin)
      if (url.right.port !== "") span.attribute("server.port", Number(url.right.port))
      span.attribute("url.full", url.right.toString())
      span.attribute("url.path", url.right.pathname)
      span.attribute("url.scheme", url.right.protocol.slice(0, -1))
      if (url.right.search !== "") span.attribute("url.query", url.right.search.slice(1))
      const requestHeaders = Headers.redact(request.headers, redactedNames)
      for (const header in requestHeaders) span.attribute(`http.request.header.${header}`, String(requestHeaders[header]))
      const outgoing = fiber.getFiberRef(HttpClient.currentTracerPropagation)
        ? HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span))
        : request
      return Effect.locally(send(outgoing), HttpClient.currentTracerDisabledWhen, constTrue).pipe(
        Effect.withParentSpan(span),
        Effect.map((received) => {
          response = received
          span.attribute("http.response.status_code", received.status)
          const responseHeaders = Headers.redact(received.headers, redactedNames)
          for (const header in responseHeaders) {
            span.attribute(`http.response.header.${header}`, String(responseHeaders[header]))
          }
          return received.status
        })
      )
    }).pipe(Effect.map(() => response!))
  })

/**
 * The response as seen from above the transport: the same status, headers and body, but its
 * `request` is the one sent without `credentialHeaders`, and the original response (whose
 * request has them) is held where no serialiser reaches it. Every wrapper above — the attempt's
 * span, the operation's span, a user's own — then ends with a value that holds no token.
 */
export const withoutCredentials = (
  response: HttpClientResponse.HttpClientResponse,
  credentialHeaders: ReadonlyArray<string>
): HttpClientResponse.HttpClientResponse => new CredentialFreeResponse(response, credentialHeaders)

class CredentialFreeResponse extends Inspectable.Class
  implements HttpClientResponse.HttpClientResponse, ResponseBody.BytesReader
{
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly #original: HttpClientResponse.HttpClientResponse
  readonly #credentialHeaders: ReadonlyArray<string>
  #request: HttpClientRequest.HttpClientRequest | undefined
  #headers: Headers.Headers | undefined

  constructor(original: HttpClientResponse.HttpClientResponse, credentialHeaders: ReadonlyArray<string>) {
    super()
    this.#original = original
    this.#credentialHeaders = credentialHeaders
  }

  // Built when first asked for (an error, a log line, a tracer), not for every response.
  get request(): HttpClientRequest.HttpClientRequest {
    if (this.#request === undefined) {
      const { request } = this.#original
      const stripped = HttpClientRequest.make(request.method)(request.url, {
        urlParams: request.urlParams,
        headers: Headers.remove(request.headers, this.#credentialHeaders),
        ...(Option.isSome(request.hash) ? { hash: request.hash.value } : {})
      })
      this.#request = HttpClientRequest.setBody(stripped, request.body)
    }
    return this.#request
  }

  // A body error names this response and its request, not the original ones.
  #own<A>(effect: Effect.Effect<A, HttpClientError.ResponseError>): Effect.Effect<A, HttpClientError.ResponseError> {
    return Effect.mapError(effect, (error) => this.#error(error))
  }

  #error(error: HttpClientError.ResponseError): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: error.reason,
      cause: error.cause,
      ...(error.description === undefined ? {} : { description: error.description })
    })
  }

  get status(): number {
    return this.#original.status
  }
  // Read by the span, the limiter and the size check: a web response converts its headers
  // again on every read, so they are taken once.
  get headers(): Headers.Headers {
    return this.#headers ??= this.#original.headers
  }
  get cookies() {
    return this.#original.cookies
  }
  get remoteAddress(): Option.Option<string> {
    return this.#original.remoteAddress
  }
  get formData() {
    return this.#own(this.#original.formData)
  }
  get json() {
    return this.#own(this.#original.json)
  }
  get text() {
    return this.#own(this.#original.text)
  }
  get urlParamsBody() {
    return this.#own(this.#original.urlParamsBody)
  }
  get arrayBuffer() {
    return this.#own(this.#original.arrayBuffer)
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.mapError(this.#original.stream, (error) => this.#error(error))
  }
  // The original's body, read the way the client reads any (its transport's reader, if any).
  [ResponseBody.TypeId]<E>(
    maxBytes: number,
    onTooLarge: () => E
  ): Effect.Effect<ReadonlyArray<Uint8Array>, E | HttpClientError.ResponseError> {
    return Effect.mapError(readBytes(this.#original, maxBytes, onTooLarge), (error) =>
      isResponseError(error) ? this.#error(error) : error)
  }

  toJSON(): unknown {
    return {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status,
      headers: Inspectable.redact(this.headers)
    }
  }
}
