import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { Endpoint, PathEncoded } from "../Endpoint.js"
import { InvalidInput, type PipedriveError } from "../Errors.js"
import { CurrentOperation, type Operation } from "../Operation.js"
import { parseJson } from "./json.js"
import { type Bytes, decodeFailure, isUnsuccessful, issuesOf, readBody, unsuccessful } from "./responses.js"
import { compile } from "./validator.js"

const validationOptions = { errors: "all", onExcessProperty: "ignore" } as const

type Row = Endpoint<ReadonlyArray<unknown>, unknown, unknown>

/** A path template split once: literal text, then a parameter name, alternately. */
const compilePath = (template: string): { readonly literals: ReadonlyArray<string>; readonly names: ReadonlyArray<string> } => {
  const parts = template.split(/\{([A-Za-z_][A-Za-z0-9_]*)\}/)
  return {
    literals: parts.filter((_, i) => i % 2 === 0),
    names: parts.filter((_, i) => i % 2 === 1)
  }
}

const fillPath = (
  path: { readonly literals: ReadonlyArray<string>; readonly names: ReadonlyArray<string> },
  values: PathEncoded
): string => {
  let out = path.literals[0]!
  for (let i = 0; i < path.names.length; i++) {
    out += encodeURIComponent(String(values[path.names[i]!])) + path.literals[i + 1]!
  }
  return out
}

/**
 * A 2xx response whose body was read within the policies, not yet parsed. The bytes are taken
 * once, by the parse: a fetched value is what the span, the timeout and the fiber around the
 * request end with, and such an exit can outlive the request in an object the young generation
 * treats as live, so a body still referenced from it would be kept with it until the next full
 * collection.
 */
export class Fetched {
  #body: Bytes | undefined
  constructor(readonly response: HttpClientResponse.HttpClientResponse, body: Bytes) {
    this.#body = body
  }
  /** The body, handed out once: a second parse of one response is a bug, not an empty body. */
  take(): Bytes {
    const body = this.#body
    if (body === undefined) throw new Error("a fetched body was parsed twice")
    this.#body = undefined
    return body
  }
}

/**
 * An endpoint row in two halves. `send` validates and encodes the input (failing with
 * `InvalidInput` before anything is sent), sends it through the client's policies and reads the
 * body, in a span named `<service>.<name>` with its path parameters as attributes. `parse`
 * decodes the body, outside every span, timeout and fiber result: a parsed page that is the
 * result of such a wrapper survives young-generation collections and gets copied and promoted,
 * while the bytes are a few buffers outside the heap. A stream parses each page as it hands it
 * over.
 */
export const exchange = (
  client: HttpClient.HttpClient.With<PipedriveError>,
  service: string,
  name: string,
  endpoint: Row
): {
  readonly send: (...args: ReadonlyArray<unknown>) => Effect.Effect<Fetched, PipedriveError>
  readonly parse: (fetched: Fetched) => Either.Either<unknown, PipedriveError>
} => {
  const encodeParams = endpoint.params && Schema.encodeUnknownEither(endpoint.params)
  const encodeQuery = endpoint.query && Schema.encodeUnknownEither(endpoint.query)
  const encodeBody = endpoint.body && Schema.encodeUnknownEither(endpoint.body)
  const decode = Schema.decodeUnknownEither(endpoint.response)
  // Response schemas have no transformations, so a body the fast validator accepts already has
  // the decoded type and is used as parsed (unexpected keys of nested objects, which the
  // schema's decoder would drop, stay — the type never shows them). The decoder runs only to
  // explain a rejection.
  const isValid = compile(endpoint.response.ast)
  const operation: Operation = {
    name,
    method: endpoint.method,
    cost: endpoint.cost,
    window: endpoint.window,
    api: endpoint.api
  }
  const path = compilePath(endpoint.path)

  // The operation's span, as `Effect.fn(name)` would make it but without its call-site stack
  // trace: captured on every call, it would always name this line (about 15 µs a call).
  const spanName = `${service}.${name}`
  const send = Effect.fnUntraced(function*(
    input: { readonly path?: unknown; readonly query?: unknown; readonly body?: unknown }
  ) {
    const issues: Array<string> = []
    const encodedParams = encodeParams?.(input.path ?? {}, validationOptions)
    const encodedQuery = encodeQuery?.(input.query ?? {}, validationOptions)
    const encodedBody = encodeBody?.(input.body, validationOptions)
    for (const encoded of [encodedParams, encodedQuery, encodedBody]) {
      if (encoded !== undefined && Either.isLeft(encoded)) issues.push(...issuesOf(encoded.left))
    }
    const url = encodedParams !== undefined && Either.isRight(encodedParams)
      ? fillPath(path, encodedParams.right)
      : endpoint.path
    if (issues.length > 0) {
      return yield* new InvalidInput({ method: endpoint.method, path: url, operation: name, issues })
    }
    if (encodedParams !== undefined && Either.isRight(encodedParams)) {
      for (const param of path.names) {
        yield* Effect.annotateCurrentSpan(`pipedrive.${param}`, encodedParams.right[param])
      }
    }

    let request = HttpClientRequest.make(endpoint.method)(url)
    if (encodedQuery !== undefined && Either.isRight(encodedQuery)) {
      request = HttpClientRequest.setUrlParams(request, encodedQuery.right)
    }
    if (encodedBody !== undefined && Either.isRight(encodedBody)) {
      request = HttpClientRequest.bodyUnsafeJson(request, encodedBody.right)
    }

    const response = yield* Effect.provideService(client.execute(request), CurrentOperation, operation)
    yield* Effect.annotateCurrentSpan("http.response.status_code", response.status)
    return new Fetched(response, yield* readBody(response))
  }, (effect) => Effect.withSpan(effect, spanName, { captureStackTrace: false }))

  const parse = (fetched: Fetched): Either.Either<unknown, PipedriveError> => {
    const response = fetched.response
    let json: unknown
    try {
      json = parseJson(fetched.take())
    } catch (error) {
      return Either.left(decodeFailure(response, error instanceof Error ? error : new Error(String(error))))
    }
    // Before the schema: `{"success": false, "data": []}` would pass as an empty page.
    if (isUnsuccessful(json)) return Either.left(unsuccessful(response, json))
    if (isValid?.(json) === true) return Either.right(endpoint.result(json))
    const decoded = decode(json)
    return Either.isLeft(decoded)
      ? Either.left(decodeFailure(response, decoded.left))
      : Either.right(endpoint.result(decoded.right))
  }

  return {
    send: (...args) => send(endpoint.args(...args) as Parameters<typeof send>[0]),
    parse
  }
}

/**
 * Turns an endpoint row into an operation: {@link exchange}'s `send`, then its `parse`.
 */
export const operation = (
  client: HttpClient.HttpClient.With<PipedriveError>,
  service: string,
  name: string,
  endpoint: Row
): (...args: ReadonlyArray<unknown>) => Effect.Effect<unknown, PipedriveError> => {
  const { parse, send } = exchange(client, service, name, endpoint)
  return (...args) => Effect.flatMap(send(...args), parse)
}
