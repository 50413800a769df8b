import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Stream from "effect/Stream"
import type { Operation } from "../Operation.js"
import * as Errors from "../Errors.js"
import * as ResponseBody from "../ResponseBody.js"
import { nextMidnightUtc, readRateLimitHeaders, retryAfterHeaderMillis, retryAfterMillis } from "./headers.js"

/** The path of a request, for errors: never its query, headers or host. */
export const pathOf = (request: HttpClientRequest.HttpClientRequest): string => {
  const url = request.url
  const schemeEnd = url.indexOf("://")
  const pathStart = schemeEnd === -1 ? 0 : url.indexOf("/", schemeEnd + 3)
  const path = pathStart === -1 ? "/" : url.slice(pathStart)
  const queryStart = path.search(/[?#]/)
  return queryStart === -1 ? path : path.slice(0, queryStart)
}

interface ErrorBody {
  readonly error?: string
  readonly errorInfo?: string
}

const errorBodyOf = (body: unknown): ErrorBody => {
  if (typeof body !== "object" || body === null) return {}
  const record = body as Record<string, unknown>
  const error = typeof record.error === "string" ? record.error : undefined
  const info = typeof record.error_info === "string"
    ? record.error_info
    : record.errorCode !== undefined && record.errorCode !== null
    ? `errorCode ${String(record.errorCode)}`
    : undefined
  return {
    ...(error === undefined ? {} : { error }),
    ...(info === undefined ? {} : { errorInfo: info })
  }
}

const readErrorBody = (text: string): ErrorBody => {
  try {
    return errorBodyOf(JSON.parse(text))
  } catch {
    return {}
  }
}

/** Whether a parsed 2xx body says `success: false`: Pipedrive's refusal, whatever the status. */
export const isUnsuccessful = (body: unknown): boolean =>
  typeof body === "object" && body !== null && (body as { readonly success?: unknown }).success === false

/** The typed error for a 2xx body that says `success: false`, with Pipedrive's texts. */
export const unsuccessful = (
  response: HttpClientResponse.HttpClientResponse,
  body: unknown
): Errors.UnsuccessfulResponse => {
  const correlationId = response.headers["x-correlation-id"]
  return new Errors.UnsuccessfulResponse({
    method: response.request.method,
    path: pathOf(response.request),
    status: response.status,
    ...(correlationId === undefined ? {} : { correlationId }),
    ...errorBodyOf(body)
  })
}

const isHtml = (response: HttpClientResponse.HttpClientResponse, text: string) =>
  (response.headers["content-type"] ?? "").includes("text/html") || /^\s*<(!doctype|html)/i.test(text)

/**
 * The typed error for a non-2xx response whose body has been read. A 429 is a spent daily
 * budget when Pipedrive says no daily tokens are left; otherwise it is the burst window.
 */
export const fromStatus = (
  request: HttpClientRequest.HttpClientRequest,
  response: HttpClientResponse.HttpClientResponse,
  text: string,
  operation: Operation,
  now: number
): Errors.PipedriveError => {
  const headers = response.headers
  const correlationId = headers["x-correlation-id"]
  const common = {
    method: request.method,
    path: pathOf(request),
    status: response.status,
    ...(correlationId === undefined ? {} : { correlationId }),
    ...readErrorBody(text)
  }
  const status = response.status
  switch (status) {
    case 400:
      return new Errors.BadRequest(common)
    case 401:
      return new Errors.Unauthorized(common)
    case 402:
      return new Errors.PaymentRequired(common)
    case 403:
      return new Errors.Forbidden({ ...common, blocked: isHtml(response, text) })
    case 404:
      return new Errors.NotFound(common)
    case 429: {
      const info = readRateLimitHeaders(headers)
      if (info.dailyRemaining !== undefined && info.dailyRemaining < operation.cost) {
        return new Errors.DailyBudgetExhausted({
          method: common.method,
          path: common.path,
          status,
          cost: operation.cost,
          remaining: info.dailyRemaining,
          resetsAt: nextMidnightUtc(now),
          ...(correlationId === undefined ? {} : { correlationId })
        })
      }
      const wait = retryAfterMillis(headers, now)
      return new Errors.RateLimited({
        ...common,
        scope: operation.window,
        ...(wait === undefined ? {} : { retryAfterMillis: wait })
      })
    }
  }
  if (status >= 500) {
    // Only `Retry-After` (503 during maintenance): the `x-ratelimit-reset` every response
    // carries says when the burst window resets, which has nothing to do with the outage.
    const wait = retryAfterHeaderMillis(headers, now)
    return new Errors.ServerError({ ...common, ...(wait === undefined ? {} : { retryAfterMillis: wait }) })
  }
  return new Errors.UnexpectedStatus(common)
}

/** Error codes that mean the connection was never made, so the request never left. */
const notSentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_INVALID_URL"
])

const errorCode = (cause: unknown): string | undefined => {
  for (let current = cause, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (typeof current !== "object") return undefined
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

const causeText = (cause: unknown): string => {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : ""
    return `${cause.message}${inner}`
  }
  return String(cause)
}

/** The typed error for a failure of the transport or of reading the body. */
export const fromHttpClientError = (error: HttpClientError.HttpClientError): Errors.TransportError => {
  const request = { method: error.request.method, path: pathOf(error.request) }
  if (error._tag === "RequestError") {
    const code = errorCode(error.cause)
    return new Errors.TransportError({
      ...request,
      requestSent: error.reason === "Transport" && !(code !== undefined && notSentCodes.has(code)),
      ...(code === undefined ? {} : { code }),
      reason: error.reason === "Transport" ? causeText(error.cause) : `${error.reason}: ${causeText(error.cause)}`
    })
  }
  // The response started but its body could not be read to the end.
  const code = errorCode(error.cause)
  return new Errors.TransportError({
    ...request,
    requestSent: true,
    ...(code === undefined ? {} : { code }),
    reason: `response body could not be read (${causeText(error.cause)})`
  })
}

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, key) => typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`,
    ""
  )

/** Human sentences for a validation failure, each with the path it concerns. */
export const issuesOf = (error: ParseResult.ParseError): ReadonlyArray<string> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) =>
    issue.path.length === 0 ? issue.message : `${formatPath(issue.path)}: ${issue.message}`
  )

const truncate = (text: string, max = 300) => text.length <= max ? text : `${text.slice(0, max)}…`

/** The typed error for a 2xx body that does not match the contract. */
export const decodeFailure = (
  response: HttpClientResponse.HttpClientResponse,
  error: ParseResult.ParseError | Error
): Errors.ResponseDecodeError => {
  const request = response.request
  const first = ParseResult.isParseError(error) ? ParseResult.ArrayFormatter.formatErrorSync(error)[0] : undefined
  return new Errors.ResponseDecodeError({
    method: request.method,
    path: pathOf(request),
    status: response.status,
    at: first === undefined ? "" : formatPath(first.path),
    detail: truncate(first === undefined ? error.message : first.message)
  })
}

/** The cap on a response body unless the client's `maxResponseBytes` says otherwise: 32 MiB. */
export const defaultMaxResponseBytes = 32 * 1024 * 1024

/** A body as read: the chunks of bytes it arrived in, never joined (see `json.ts`). */
export type Bytes = ReadonlyArray<Uint8Array>

/** Bodies read by the client's policies, for the operation that decodes them afterwards. */
const bodies = new WeakMap<HttpClientResponse.HttpClientResponse, Bytes>()

const declaredLength = (response: HttpClientResponse.HttpClientResponse): number | undefined => {
  const header = response.headers["content-length"]
  const length = header === undefined ? Number.NaN : Number(header)
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined
}

const tooLarge = (response: HttpClientResponse.HttpClientResponse, maxBytes: number, declaredBytes?: number) =>
  new Errors.ResponseTooLarge({
    method: response.request.method,
    path: pathOf(response.request),
    status: response.status,
    maxBytes,
    ...(declaredBytes === undefined ? {} : { declaredBytes })
  })

/**
 * The body through the response's `stream`, against the cap: the way over any `HttpClient`
 * whose responses offer no {@link ResponseBody.BytesReader}. A response without a body (a 204,
 * say) has no stream to read, and reads as no bytes.
 */
const readStream = <E>(
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number,
  onTooLarge: () => E
): Effect.Effect<Bytes, E | HttpClientError.ResponseError> =>
  Effect.suspend(() => {
    const collector = ResponseBody.makeCollector(maxBytes)
    return response.stream.pipe(
      Stream.runForEachChunk((chunk) => {
        for (const piece of chunk) {
          if (!collector.add(piece)) return Effect.fail(onTooLarge())
        }
        return Effect.void
      }),
      Effect.catchIf(
        (error): error is HttpClientError.ResponseError => isResponseError(error) && error.reason === "EmptyBody",
        () => Effect.void
      ),
      Effect.map(() => collector.take())
    )
  })

/**
 * The web `Response` under a response made by `HttpClientResponse.fromWeb` (the fetch client's,
 * the in-memory Pipedrive's), which the platform keeps as `source`; `undefined` for any other.
 */
const webSource = (response: HttpClientResponse.HttpClientResponse): Response | undefined => {
  const source = (response as { readonly source?: unknown }).source
  return typeof Response === "function" && source instanceof Response ? source : undefined
}

/**
 * The body of a web `Response` straight from its reader, against the cap: what
 * {@link readStream} does for it, without running an Effect `Stream` (which cost about 0.5 ms
 * of CPU per request, more than the rest of a small call). Past the cap, or interrupted, the
 * reader is cancelled, which aborts the request; a failed read is the platform's `ResponseError`
 * as from the stream.
 */
const readWeb = <E>(
  response: HttpClientResponse.HttpClientResponse,
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  onTooLarge: () => E
): Effect.Effect<Bytes, E | HttpClientError.ResponseError> =>
  Effect.async((resume) => {
    const fail = (cause: unknown) =>
      resume(Effect.fail(new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause })))
    let reader: ReadableStreamDefaultReader<Uint8Array>
    try {
      reader = body.getReader()
    } catch (cause) {
      return fail(cause)
    }
    const collector = ResponseBody.makeCollector(maxBytes)
    const cancel = () => void reader.cancel().catch(() => undefined)
    const next = (result: ReadableStreamReadResult<Uint8Array>): void => {
      if (result.done) return resume(Effect.succeed(collector.take()))
      if (collector.add(result.value)) return void reader.read().then(next, fail)
      cancel()
      resume(Effect.fail(onTooLarge()))
    }
    reader.read().then(next, fail)
    // Runs only when the read is interrupted before it resumed.
    return Effect.sync(cancel)
  })

/**
 * The whole body against the cap: through the transport's {@link ResponseBody.BytesReader}
 * when its response has one, from the web `Response`'s reader when it is one, else through its
 * stream.
 */
export const readBytes = <E>(
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number,
  onTooLarge: () => E
): Effect.Effect<Bytes, E | HttpClientError.ResponseError> => {
  if (ResponseBody.isBytesReader(response)) return response[ResponseBody.TypeId](maxBytes, onTooLarge)
  const web = webSource(response)
  if (web === undefined) return readStream(response, maxBytes, onTooLarge)
  return web.body === null ? Effect.succeed([]) : readWeb(response, web.body, maxBytes, onTooLarge)
}

/** Whether `error` is the platform's failure to read a response. */
export const isResponseError = (error: unknown): error is HttpClientError.ResponseError =>
  HttpClientError.isHttpClientError(error) && error._tag === "ResponseError"

/**
 * Reads the body to the end within the attempt, so a timeout or retry covers it, against a
 * cap: a `Content-Length` over it fails at once, and a body that grows past it (chunked, or
 * lying about its length) fails as soon as the bytes read pass it — the read then stops, which
 * aborts the request (see {@link readBytes}). A body read once is answered once more from
 * memory (the operation reads what the policies read), then forgotten.
 */
export const readBody = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number = defaultMaxResponseBytes
): Effect.Effect<Bytes, Errors.TransportError | Errors.ResponseTooLarge> =>
  Effect.suspend(() => {
    const read = bodies.get(response)
    if (read !== undefined) {
      // Taken, not kept: the response outlives the read in the exits of the policies' wrappers,
      // and an entry would keep the body alive as long as the response.
      bodies.delete(response)
      return Effect.succeed(read)
    }
    const declared = declaredLength(response)
    if (declared !== undefined && declared > maxBytes) return Effect.fail(tooLarge(response, maxBytes, declared))
    return Effect.matchEffect(readBytes(response, maxBytes, () => tooLarge(response, maxBytes)), {
      onFailure: (error) => Effect.fail(isResponseError(error) ? fromHttpClientError(error) : error),
      onSuccess: (bytes) => {
        bodies.set(response, bytes)
        return Effect.succeed(bytes)
      }
    })
  })
