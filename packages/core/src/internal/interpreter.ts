import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Endpoints from "../Endpoints.js"
import { InvalidInput, type PipedriveError } from "../Errors.js"
import { LeadId } from "../Lead.js"
import { decodeFailure, issuesOf, readBody } from "./responses.js"
import { compile } from "./validator.js"

const isLeadId = Schema.is(LeadId)
const validationOptions = { errors: "all", onExcessProperty: "ignore" } as const

/**
 * Turns an endpoint row into an operation: validate and encode the input (failing with
 * `InvalidInput` before anything is sent), send it through the client, decode the envelope.
 * Each operation runs in a span named after it.
 */
export const operation = <Path extends string, Q, B, S, A>(
  client: HttpClient.HttpClient.With<PipedriveError>,
  endpoint: Endpoints.Endpoint<Path, Q, B, S, A>
): (input: Endpoints.Input<Path, Q, B>) => Effect.Effect<A, PipedriveError> => {
  const encodeQuery = endpoint.query && Schema.encodeUnknownEither(endpoint.query)
  const encodeBody = endpoint.body && Schema.encodeUnknownEither(endpoint.body)
  const decode = Schema.decodeUnknownEither(endpoint.response)
  // Response schemas have no transformations, so a body the fast validator accepts already has
  // the decoded type and is used as parsed (unexpected keys of nested objects, which the
  // schema's decoder would drop, stay — the type never shows them). The decoder runs only to
  // explain a rejection.
  const isValid = compile(endpoint.response.ast)
  const operation: Endpoints.Operation = {
    name: endpoint.name,
    method: endpoint.method,
    cost: endpoint.cost,
    window: endpoint.window
  }
  const hasId = endpoint.path.includes("{id}")

  return Effect.fn(`Leads.${endpoint.name}`)(function*(input: Endpoints.Input<Path, Q, B>) {
    const { body, id, query } = input as { readonly id?: unknown; readonly query?: unknown; readonly body?: unknown }
    const issues: Array<string> = []
    let path: string = endpoint.path
    if (hasId) {
      if (isLeadId(id)) {
        path = path.replace("{id}", id)
        yield* Effect.annotateCurrentSpan("lead.id", id)
      } else {
        issues.push(`id: a lead id must be a UUID such as adf21080-0e10-11eb-879b-05d71fb426ec, got ${JSON.stringify(id)}`)
      }
    }
    const encodedQuery = encodeQuery?.(query ?? {}, validationOptions)
    const encodedBody = encodeBody?.(body, validationOptions)
    for (const encoded of [encodedQuery, encodedBody]) {
      if (encoded !== undefined && Either.isLeft(encoded)) issues.push(...issuesOf(encoded.left))
    }
    if (issues.length > 0) {
      return yield* new InvalidInput({ method: endpoint.method, path, operation: endpoint.name, issues })
    }

    let request = HttpClientRequest.make(endpoint.method)(path)
    if (encodedQuery !== undefined && Either.isRight(encodedQuery)) {
      request = HttpClientRequest.setUrlParams(request, encodedQuery.right)
    }
    if (encodedBody !== undefined && Either.isRight(encodedBody)) {
      request = HttpClientRequest.bodyUnsafeJson(request, encodedBody.right)
    }

    const response = yield* Effect.provideService(client.execute(request), Endpoints.CurrentOperation, operation)
    yield* Effect.annotateCurrentSpan("http.response.status_code", response.status)
    const text = yield* readBody(response)
    const json = yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (error) => decodeFailure(response, error instanceof Error ? error : new Error(String(error)))
    })
    if (isValid?.(json) === true) return endpoint.result(json as S)
    const decoded = decode(json)
    if (Either.isLeft(decoded)) return yield* decodeFailure(response, decoded.left)
    return endpoint.result(decoded.right)
  })
}
