import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as Wire from "./wire.js"

/** What a real socket reports when the peer resets the connection. */
class ConnectionReset extends Error {
  readonly code = "ECONNRESET"
  constructor(phase: "beforeProcessing" | "afterCommit") {
    const when = phase === "beforeProcessing" ? "before processing the request" : "after committing the request"
    super(`read ECONNRESET (the in-memory Pipedrive reset the connection ${when})`)
    this.name = "ConnectionReset"
  }
}

const decoder = new TextDecoder()

const bodyText = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<string | undefined, HttpClientError.RequestError> => {
  const body = request.body
  const unsupported = () =>
    Effect.fail(
      new HttpClientError.RequestError({
        request,
        reason: "Encode",
        description: `the in-memory Pipedrive reads text bodies, not ${body._tag}`
      })
    )
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(decoder.decode(body.body))
    case "Raw":
      return typeof body.body === "string"
        ? Effect.succeed(body.body)
        : body.body instanceof Uint8Array
        ? Effect.succeed(decoder.decode(body.body))
        : unsupported()
    case "Stream":
      return body.stream.pipe(
        Stream.decodeText(),
        Stream.mkString,
        Effect.mapError((cause) => new HttpClientError.RequestError({ request, reason: "Encode", cause }))
      )
    case "FormData":
      return unsupported()
  }
}

/**
 * An `HttpClient` over a model handler, with no network: each request's path, prefix included,
 * is handed to the model with the time of the Effect `Clock` (so `TestClock` drives windows,
 * timestamps and latency); resets fail the request as a socket would (`ECONNRESET`).
 */
export const makeHttpClient = (
  handle: (request: Wire.Request, now: number) => Wire.Outcome
): HttpClient.HttpClient => {
  const run = (request: HttpClientRequest.HttpClientRequest, outcome: Wire.Outcome): Effect.Effect<
    HttpClientResponse.HttpClientResponse,
    HttpClientError.RequestError
  > => {
    switch (outcome._tag) {
      case "Respond":
      case "Truncated": {
        const { body, headers, status } = outcome.response
        return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { status, headers })))
      }
      case "Reset":
        return Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Transport", cause: new ConnectionReset(outcome.phase) })
        )
      case "Delay":
        return Effect.sleep(Duration.millis(outcome.millis)).pipe(
          Effect.zipRight(Clock.currentTimeMillis),
          Effect.flatMap((now) => run(request, outcome.resume(now)))
        )
    }
  }
  return HttpClient.make((request, url) =>
    Effect.flatMap(bodyText(request), (body) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        run(request, handle({
          method: request.method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: request.headers,
          body
        }, now)))))
}
