/**
 * The `Leads` service: every Leads operation as an Effect, and streams that walk every page.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as Endpoint from "./Endpoint.js"
import type { PipedriveError } from "./Errors.js"
import { goneOnRetry } from "./internal/idempotentDelete.js"
import { pagedStream, roomOf } from "./internal/pagedStream.js"
import { Lead, LeadId, LeadSearchItem } from "./Lead.js"
import { DataEnvelope, ListEnvelope, type Page, SearchEnvelope, type StreamOptions, toPage } from "./Pagination.js"
import { PipedriveClient } from "./PipedriveClient.js"
import type { RateLimitInfo } from "./RateLimit.js"
import { AddLead, ListLeadsParams, SearchLeadsParams, UpdateLead } from "./Requests.js"

/**
 * Page size of the streams unless `limit` says otherwise: the largest Pipedrive allows, since
 * a page costs the same tokens whatever its size.
 *
 * @since 0.1.0
 * @category constants
 */
export const streamPageSize = 500

/**
 * The `data` of a delete response.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DeletedLead = Schema.Struct({ id: LeadId })

/**
 * @since 0.1.0
 * @category schemas
 */
export interface DeletedLead extends Schema.Schema.Type<typeof DeletedLead> {}

const LeadEnvelope = DataEnvelope(Lead)
const ById = Schema.Struct({ id: LeadId })
const byId = (id: string) => ({ path: { id } })
const data = <T>(envelope: { readonly data: T }): T => envelope.data
const page = <T>(envelope: {
  readonly data: ReadonlyArray<T> | null
  readonly additional_data?: Parameters<typeof toPage>[1]
}): Page<T> => toPage(envelope.data, envelope.additional_data)

/**
 * The Leads API (v1) as data: one row per operation.
 *
 * @since 0.2.0
 * @category endpoints
 */
export const endpoints = {
  /**
   * `POST /leads`: creates a lead and answers it (with its new id); it needs a title and a
   * person or an organization. Not retried once it may have reached Pipedrive (unless
   * `retry.retryPost`): a second POST could create the lead twice.
   */
  addLead: Endpoint.make({
    method: "POST",
    path: "/leads",
    cost: 10,
    body: AddLead,
    response: LeadEnvelope,
    result: data,
    args: (lead: AddLead) => ({ body: lead })
  }),
  /** `GET /leads/{id}`: reads one lead by its id; `NotFound` when there is no such lead. */
  getLead: Endpoint.make({
    method: "GET",
    path: "/leads/{id}",
    params: ById,
    cost: 2,
    response: LeadEnvelope,
    result: data,
    args: byId
  }),
  /** `PATCH /leads/{id}`: changes exactly the keys given (`null` unsets one) and answers the lead. */
  updateLead: Endpoint.make({
    method: "PATCH",
    path: "/leads/{id}",
    params: ById,
    cost: 10,
    body: UpdateLead,
    response: LeadEnvelope,
    result: data,
    args: (id: string, changes: UpdateLead) => ({ path: { id }, body: changes })
  }),
  /** `DELETE /leads/{id}`: deletes a lead. */
  deleteLead: Endpoint.make({
    method: "DELETE",
    path: "/leads/{id}",
    params: ById,
    cost: 6,
    response: DataEnvelope(DeletedLead),
    result: data,
    args: byId
  }),
  /** `GET /leads/{id}/permittedUsers`: the ids of the users allowed to see the lead. */
  getLeadUsers: Endpoint.make({
    method: "GET",
    path: "/leads/{id}/permittedUsers",
    params: ById,
    cost: 10,
    response: DataEnvelope(Schema.NullOr(Schema.Array(Schema.Int))),
    result: (envelope): ReadonlyArray<number> => envelope.data ?? [],
    args: byId
  }),
  /** `GET /leads`: one page of leads that are not archived. */
  getLeads: Endpoint.make({
    method: "GET",
    path: "/leads",
    cost: 20,
    query: ListLeadsParams,
    response: ListEnvelope(Lead),
    result: page,
    args: (params: ListLeadsParams = {}) => ({ query: params })
  }),
  /** `GET /leads/archived`: one page of archived leads. */
  getArchivedLeads: Endpoint.make({
    method: "GET",
    path: "/leads/archived",
    cost: 40,
    query: ListLeadsParams,
    response: ListEnvelope(Lead),
    result: page,
    args: (params: ListLeadsParams = {}) => ({ query: params })
  }),
  /** `GET /leads/search`: one page of search results; counted against the search window. */
  searchLeads: Endpoint.make({
    method: "GET",
    path: "/leads/search",
    cost: 40,
    window: "search",
    query: SearchLeadsParams,
    response: SearchEnvelope(LeadSearchItem),
    result: (envelope): Page<LeadSearchItem> => toPage(envelope.data?.items ?? null, envelope.additional_data),
    args: (params: SearchLeadsParams) => ({ query: params })
  })
}

/**
 * Every lead operation, the streams over the paged ones, and the rate-limit state.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service extends Endpoint.Operations<typeof endpoints> {
  /** Deletes a lead. Idempotent under retries: a retry that finds the lead already gone succeeds. */
  readonly deleteLead: (id: string) => Effect.Effect<DeletedLead, PipedriveError>
  /** Every lead that is not archived, page after page, fetched as the consumer pulls. */
  readonly streamLeads: (params?: ListLeadsParams, options?: StreamOptions) => Stream.Stream<Lead, PipedriveError>
  /** Every archived lead, fetched as the consumer pulls. */
  readonly streamArchivedLeads: (
    params?: ListLeadsParams,
    options?: StreamOptions
  ) => Stream.Stream<Lead, PipedriveError>
  /** Every search result, fetched as the consumer pulls. */
  readonly streamSearchLeads: (
    params: SearchLeadsParams,
    options?: StreamOptions
  ) => Stream.Stream<LeadSearchItem, PipedriveError>
  /** The rate-limit state as last seen: limit, remaining, reset, daily budget. */
  readonly rateLimitInfo: Effect.Effect<RateLimitInfo>
}

/**
 * Pipedrive's leads: create, read, update, delete, list, search and stream them.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const leads = yield* Leads.Leads
 *   const lead = yield* leads.addLead({ title: "ACME expansion", organization_id: 42 })
 *   return yield* leads.getLead(lead.id)
 * })
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class Leads extends Context.Tag("@effect-pipedrive/core/Leads")<Leads, Service>() {}

const walk = <P extends { readonly start?: number; readonly limit?: number }, A>(
  client: HttpClient.HttpClient.With<PipedriveError>,
  name: "getLeads" | "getArchivedLeads" | "searchLeads",
  room: Effect.Effect<number | undefined>
) => pagedStream<P, A>(client, "Leads", name, endpoints[name], { pageSize: streamPageSize, room })

/**
 * The service over a {@link PipedriveClient}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.map(PipedriveClient, ({ httpClient, rateLimitInfo }) => {
  const operations = Endpoint.operations(httpClient, "Leads", endpoints)
  const room = roomOf(rateLimitInfo)
  const streamLeads = walk<ListLeadsParams, Lead>(httpClient, "getLeads", room)
  const streamArchivedLeads = walk<ListLeadsParams, Lead>(httpClient, "getArchivedLeads", room)
  return Leads.of({
    ...operations,
    deleteLead: (id) => operations.deleteLead(id).pipe(goneOnRetry({ id })),
    streamLeads: (params = {}, options) => streamLeads(params, options),
    streamArchivedLeads: (params = {}, options) => streamArchivedLeads(params, options),
    streamSearchLeads: walk<SearchLeadsParams, LeadSearchItem>(httpClient, "searchLeads", room),
    rateLimitInfo
  })
})

/**
 * `Leads` over the {@link PipedriveClient} in context.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Leads, PipedriveClient } from "@effect-pipedrive/core"
 * import { Layer, Redacted } from "effect"
 *
 * // Leads alone, over fetch (browsers, Deno, Bun, edge runtimes).
 * const LeadsLive = Leads.layer.pipe(
 *   Layer.provide(PipedriveClient.layer({ companyDomain: "acme", apiToken: Redacted.make("my-api-token") })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Leads, never, PipedriveClient> = Layer.effect(Leads, make)
