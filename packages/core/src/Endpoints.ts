/**
 * The Leads API as data: one row per endpoint (method, path, schemas, token cost), turned
 * into Effects by one small interpreter (`internal/interpreter.ts`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import { Lead, LeadId, LeadSearchItem } from "./Lead.js"
import { DataEnvelope, ListEnvelope, type Page, SearchEnvelope, toPage } from "./Pagination.js"
import { AddLead, ListLeadsParams, SearchLeadsParams, UpdateLead } from "./Requests.js"

/**
 * @since 0.1.0
 */
export type Method = "GET" | "POST" | "PATCH" | "DELETE"

/**
 * Which burst window a request counts against: the general one, or search's own, lower one.
 *
 * @since 0.1.0
 */
export type Window = "burst" | "search"

/**
 * What the HTTP policies need to know about the request in flight.
 *
 * @since 0.1.0
 */
export interface Operation {
  readonly name: string
  readonly method: Method
  /** Daily budget tokens this call costs. */
  readonly cost: number
  readonly window: Window
}

/**
 * The operation the current request belongs to, set by the interpreter for the policies
 * (rate limiter, retry) below it. A request sent some other way counts as a plain call.
 *
 * @since 0.1.0
 */
export class CurrentOperation extends Context.Reference<CurrentOperation>()(
  "@effect-pipedrive/core/CurrentOperation",
  { defaultValue: (): Operation => ({ name: "request", method: "GET", cost: 1, window: "burst" }) }
) {}

type QueryEncoded = { readonly [key: string]: string | undefined }

/**
 * One endpoint: `Q`/`B` are the query and body types the caller writes (`never` for none),
 * `S` the decoded response envelope and `A` what the operation returns.
 *
 * @since 0.1.0
 */
export interface Endpoint<Path extends string, Q, B, S, A> extends Operation {
  readonly path: Path
  readonly query: Schema.Schema<Q, QueryEncoded> | undefined
  readonly body: Schema.Schema<B, unknown> | undefined
  readonly response: Schema.Schema<S, unknown>
  readonly result: (decoded: S) => A
}

/**
 * What calling an endpoint takes: the lead `id` when its path has one, `query` and `body`
 * when it has them.
 *
 * @since 0.1.0
 */
export type Input<Path extends string, Q, B> =
  & (Path extends `${string}{id}${string}` ? { readonly id: string } : unknown)
  & ([Q] extends [never] ? unknown : { readonly query: Q })
  & ([B] extends [never] ? unknown : { readonly body: B })

const make = <const Path extends string, S, SI, A, Q = never, QI extends QueryEncoded = never, B = never, BI = never>(
  spec: {
    readonly name: string
    readonly method: Method
    readonly path: Path
    readonly cost: number
    readonly window?: Window
    readonly query?: Schema.Schema<Q, QI>
    readonly body?: Schema.Schema<B, BI>
    readonly response: Schema.Schema<S, SI>
    readonly result: (decoded: S) => A
  }
): Endpoint<Path, Q, B, S, A> => ({
  name: spec.name,
  method: spec.method,
  path: spec.path,
  cost: spec.cost,
  window: spec.window ?? "burst",
  query: spec.query as Schema.Schema<Q, QueryEncoded> | undefined,
  body: spec.body as Schema.Schema<B, unknown> | undefined,
  response: spec.response as Schema.Schema<S, unknown>,
  result: spec.result
})

const LeadEnvelope = DataEnvelope(Lead)
const data = <T>(envelope: { readonly data: T }): T => envelope.data
const page = <T>(envelope: {
  readonly data: ReadonlyArray<T> | null
  readonly additional_data?: Parameters<typeof toPage>[1]
}): Page<T> => toPage(envelope.data, envelope.additional_data)

/**
 * The `data` of a delete response.
 *
 * @since 0.1.0
 */
export const DeletedLead = Schema.Struct({ id: LeadId })

/**
 * @since 0.1.0
 */
export interface DeletedLead extends Schema.Schema.Type<typeof DeletedLead> {}

/**
 * `POST /leads` — 201 with the new lead.
 *
 * @since 0.1.0
 */
export const addLead = make({
  name: "addLead",
  method: "POST",
  path: "/leads",
  cost: 10,
  body: AddLead,
  response: LeadEnvelope,
  result: data
})

/**
 * `GET /leads/{id}`.
 *
 * @since 0.1.0
 */
export const getLead = make({
  name: "getLead",
  method: "GET",
  path: "/leads/{id}",
  cost: 2,
  response: LeadEnvelope,
  result: data
})

/**
 * `PATCH /leads/{id}`.
 *
 * @since 0.1.0
 */
export const updateLead = make({
  name: "updateLead",
  method: "PATCH",
  path: "/leads/{id}",
  cost: 10,
  body: UpdateLead,
  response: LeadEnvelope,
  result: data
})

/**
 * `DELETE /leads/{id}`.
 *
 * @since 0.1.0
 */
export const deleteLead = make({
  name: "deleteLead",
  method: "DELETE",
  path: "/leads/{id}",
  cost: 6,
  response: DataEnvelope(DeletedLead),
  result: data
})

/**
 * `GET /leads/{id}/permittedUsers` — the ids of the users who may see the lead.
 *
 * @since 0.1.0
 */
export const getLeadUsers = make({
  name: "getLeadUsers",
  method: "GET",
  path: "/leads/{id}/permittedUsers",
  cost: 10,
  response: DataEnvelope(Schema.NullOr(Schema.Array(Schema.Int))),
  result: (envelope): ReadonlyArray<number> => envelope.data ?? []
})

/**
 * `GET /leads` — one page of leads that are not archived.
 *
 * @since 0.1.0
 */
export const getLeads = make({
  name: "getLeads",
  method: "GET",
  path: "/leads",
  cost: 20,
  query: ListLeadsParams,
  response: ListEnvelope(Lead),
  result: page
})

/**
 * `GET /leads/archived` — one page of archived leads.
 *
 * @since 0.1.0
 */
export const getArchivedLeads = make({
  name: "getArchivedLeads",
  method: "GET",
  path: "/leads/archived",
  cost: 40,
  query: ListLeadsParams,
  response: ListEnvelope(Lead),
  result: page
})

/**
 * `GET /leads/search` — one page of search results; counted against the search window.
 *
 * @since 0.1.0
 */
export const searchLeads = make({
  name: "searchLeads",
  method: "GET",
  path: "/leads/search",
  cost: 40,
  window: "search",
  query: SearchLeadsParams,
  response: SearchEnvelope(LeadSearchItem),
  result: (envelope): Page<LeadSearchItem> => toPage(envelope.data?.items ?? null, envelope.additional_data)
})

/**
 * Every endpoint, by operation name.
 *
 * @since 0.1.0
 */
export const all = {
  addLead,
  getLead,
  updateLead,
  deleteLead,
  getLeadUsers,
  getLeads,
  getArchivedLeads,
  searchLeads
} as const
