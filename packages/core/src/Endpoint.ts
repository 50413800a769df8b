/**
 * An endpoint as data: method, API version, path with its typed parameters, query, body and
 * response schemas, token cost and window, and how a service method's arguments map onto it.
 * One interpreter turns any row into an operation, so adding an endpoint is its schemas, its
 * row and its handler in the in-memory Pipedrive.
 *
 * @since 0.2.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type { PipedriveError } from "./Errors.js"
import { operation } from "./internal/interpreter.js"
import type { Api, Method, Window } from "./Operation.js"

/**
 * Path parameters as they go into the URL.
 *
 * @since 0.2.0
 * @category models
 */
export type PathEncoded = { readonly [key: string]: string | number }

/**
 * Query parameters as they go into the URL.
 *
 * @since 0.2.0
 * @category models
 */
export type QueryEncoded = { readonly [key: string]: string | undefined }

/**
 * What calling an endpoint takes: `path` when its path has parameters, `query` and `body`
 * when it has them.
 *
 * @since 0.1.0
 * @category models
 */
export type Input<P, Q, B> =
  & ([P] extends [never] ? unknown : { readonly path: P })
  & ([Q] extends [never] ? unknown : { readonly query: Q })
  & ([B] extends [never] ? unknown : { readonly body: B })

/**
 * One endpoint. `Args` are what its operation takes, `S` the decoded response envelope and
 * `A` what the operation returns.
 *
 * @since 0.2.0
 * @category models
 */
export interface Endpoint<Args extends ReadonlyArray<unknown>, S, A> {
  readonly method: Method
  readonly api: Api
  /** The path below the version's base, with `{name}` for each parameter. */
  readonly path: string
  /** Daily budget tokens a call costs. */
  readonly cost: number
  readonly window: Window
  readonly params: Schema.Schema<unknown, PathEncoded> | undefined
  readonly query: Schema.Schema<unknown, QueryEncoded> | undefined
  readonly body: Schema.Schema<unknown, unknown> | undefined
  readonly response: Schema.Schema<S, unknown>
  readonly result: (decoded: S) => A
  /** The operation's arguments as the interpreter's input. */
  readonly args: (...args: Args) => { readonly path?: unknown; readonly query?: unknown; readonly body?: unknown }
}

/**
 * Declares an endpoint. Without `args`, its operation takes the {@link Input} object.
 *
 * @example
 * ```ts
 * import { Endpoint, Lead, Pagination } from "@effect-pipedrive/core"
 * import { Schema } from "effect"
 *
 * const getLead = Endpoint.make({
 *   method: "GET",
 *   path: "/leads/{id}",
 *   params: Schema.Struct({ id: Lead.LeadId }),
 *   cost: 2,
 *   response: Pagination.DataEnvelope(Lead.Lead),
 *   result: (envelope) => envelope.data,
 *   args: (id: string) => ({ path: { id } })
 * })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = <
  S,
  SI,
  A,
  P = never,
  PI extends PathEncoded = never,
  Q = never,
  QI extends QueryEncoded = never,
  B = never,
  BI = never,
  Args extends ReadonlyArray<unknown> = [Input<P, Q, B>]
>(spec: {
  readonly method: Method
  readonly api?: Api | undefined
  readonly path: string
  readonly cost: number
  readonly window?: Window | undefined
  readonly params?: Schema.Schema<P, PI> | undefined
  readonly query?: Schema.Schema<Q, QI> | undefined
  readonly body?: Schema.Schema<B, BI> | undefined
  readonly response: Schema.Schema<S, SI>
  readonly result: (decoded: S) => A
  readonly args?: ((...args: Args) => NoInfer<Input<P, Q, B>>) | undefined
}): Endpoint<Args, S, A> => ({
  method: spec.method,
  api: spec.api ?? "v1",
  path: spec.path,
  cost: spec.cost,
  window: spec.window ?? "burst",
  params: spec.params as Schema.Schema<unknown, PathEncoded> | undefined,
  query: spec.query as Schema.Schema<unknown, QueryEncoded> | undefined,
  body: spec.body as Schema.Schema<unknown, unknown> | undefined,
  response: spec.response as Schema.Schema<S, unknown>,
  result: spec.result,
  args: (spec.args ?? ((input: unknown) => input)) as Endpoint<Args, S, A>["args"]
})

/**
 * A record of endpoints, by operation name.
 *
 * @since 0.2.0
 * @category models
 */
export type Rows = { readonly [name: string]: Any }

/**
 * Any endpoint, whatever its types.
 *
 * @since 0.2.0
 * @category models
 */
export interface Any extends Omit<Endpoint<ReadonlyArray<unknown>, unknown, unknown>, "args" | "response" | "result"> {
  readonly args: (...args: never) => unknown
}

/**
 * The operations of a record of endpoints: each takes its endpoint's arguments and succeeds
 * with what the endpoint returns.
 *
 * @since 0.2.0
 * @category models
 */
export type Operations<R extends Rows> = {
  readonly [K in keyof R]: R[K] extends Endpoint<infer Args, infer _S, infer A>
    ? (...args: Args) => Effect.Effect<A, PipedriveError>
    : never
}

/**
 * Turns every endpoint of `rows` into an operation over `client`, in a span named
 * `<service>.<name>`: input validated and encoded (failing with `InvalidInput` before anything
 * is sent), the request sent through the client's policies, the envelope decoded.
 *
 * @since 0.2.0
 * @category constructors
 */
export const operations = <R extends Rows>(
  client: HttpClient.HttpClient.With<PipedriveError>,
  service: string,
  rows: R
): Operations<R> => {
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(rows)) {
    out[name] = operation(client, service, name, rows[name] as unknown as Endpoint<ReadonlyArray<unknown>, unknown, unknown>)
  }
  return out as Operations<R>
}
