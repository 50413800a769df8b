/**
 * The `Leads` service: every Leads operation as an Effect, and streams that walk every page.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Stream from "effect/Stream"
import * as Endpoints from "./Endpoints.js"
import type { PipedriveError } from "./Errors.js"
import { operation } from "./internal/interpreter.js"
import type { Lead, LeadSearchItem } from "./Lead.js"
import { type Page, paginate, type StreamOptions } from "./Pagination.js"
import { PipedriveClient } from "./PipedriveClient.js"
import type { RateLimitInfo } from "./RateLimit.js"
import type { AddLead, ListLeadsParams, SearchLeadsParams, UpdateLead } from "./Requests.js"

/**
 * Page size of the streams unless `limit` says otherwise: the largest Pipedrive allows, since
 * a page costs the same tokens whatever its size.
 *
 * @since 0.1.0
 */
export const streamPageSize = 500

/**
 * @since 0.1.0
 */
export class Leads extends Context.Tag("@effect-pipedrive/core/Leads")<Leads, {
  /** Creates a lead; it needs a title and a person or an organization. */
  readonly addLead: (lead: AddLead) => Effect.Effect<Lead, PipedriveError>
  readonly getLead: (id: string) => Effect.Effect<Lead, PipedriveError>
  /** Changes exactly the keys given; `null` unsets. */
  readonly updateLead: (id: string, changes: UpdateLead) => Effect.Effect<Lead, PipedriveError>
  /** Deletes a lead. Idempotent under retries: a retry that finds the lead already gone succeeds. */
  readonly deleteLead: (id: string) => Effect.Effect<Endpoints.DeletedLead, PipedriveError>
  /** The ids of the users allowed to see the lead. */
  readonly getLeadUsers: (id: string) => Effect.Effect<ReadonlyArray<number>, PipedriveError>
  /** One page of leads that are not archived. */
  readonly getLeads: (params?: ListLeadsParams) => Effect.Effect<Page<Lead>, PipedriveError>
  /** One page of archived leads. */
  readonly getArchivedLeads: (params?: ListLeadsParams) => Effect.Effect<Page<Lead>, PipedriveError>
  /** One page of search results. */
  readonly searchLeads: (params: SearchLeadsParams) => Effect.Effect<Page<LeadSearchItem>, PipedriveError>
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
}>() {}

const walk = <P extends { readonly start?: number; readonly limit?: number }, A>(
  fetch: (params: P) => Effect.Effect<Page<A>, PipedriveError>
) =>
(params: P, options?: StreamOptions): Stream.Stream<A, PipedriveError> =>
  paginate(
    params.start ?? 0,
    (start) => fetch({ ...params, start, limit: params.limit ?? streamPageSize }),
    options
  )

/**
 * The service over a {@link PipedriveClient}.
 *
 * @since 0.1.0
 */
export const make = Effect.map(PipedriveClient, ({ httpClient, rateLimitInfo }) => {
  const addLead = operation(httpClient, Endpoints.addLead)
  const getLead = operation(httpClient, Endpoints.getLead)
  const updateLead = operation(httpClient, Endpoints.updateLead)
  const deleteLead = operation(httpClient, Endpoints.deleteLead)
  const getLeadUsers = operation(httpClient, Endpoints.getLeadUsers)
  const getLeads = operation(httpClient, Endpoints.getLeads)
  const getArchivedLeads = operation(httpClient, Endpoints.getArchivedLeads)
  const searchLeads = operation(httpClient, Endpoints.searchLeads)
  const list = (params: ListLeadsParams = {}) => getLeads({ query: params })
  const listArchived = (params: ListLeadsParams = {}) => getArchivedLeads({ query: params })
  const search = (params: SearchLeadsParams) => searchLeads({ query: params })
  const streamLeads = walk(list)
  const streamArchivedLeads = walk(listArchived)
  return Leads.of({
    addLead: (lead) => addLead({ body: lead }),
    getLead: (id) => getLead({ id }),
    updateLead: (id, changes) => updateLead({ id, body: changes }),
    deleteLead: (id) =>
      deleteLead({ id }).pipe(
        // A retried delete whose earlier attempt went through finds the lead gone — which is
        // what was asked. Only a first-attempt 404 means there was no such lead.
        Effect.catchTag("NotFound", (error) => error.attempts > 1 ? Effect.succeed({ id }) : Effect.fail(error))
      ),
    getLeadUsers: (id) => getLeadUsers({ id }),
    getLeads: list,
    getArchivedLeads: listArchived,
    searchLeads: search,
    streamLeads: (params = {}, options) => streamLeads(params, options),
    streamArchivedLeads: (params = {}, options) => streamArchivedLeads(params, options),
    streamSearchLeads: walk(search),
    rateLimitInfo
  })
})

/**
 * `Leads` over the {@link PipedriveClient} in context.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<Leads, never, PipedriveClient> = Layer.effect(Leads, make)
