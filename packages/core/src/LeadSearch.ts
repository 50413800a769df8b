/**
 * Lead search, v2 (`GET /api/v2/leads/search`): the same search as v1's `searchLeads`, at half
 * the token cost (20 against 40, in the same search window), paged by an opaque cursor.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Stream from "effect/Stream"
import * as Endpoint from "./Endpoint.js"
import type { PipedriveError } from "./Errors.js"
import { LeadSearchItem } from "./Lead.js"
import { CursorEnvelope, type CursorPage, paginateCursor, toCursorPage } from "./Pagination.js"
import { PipedriveClient } from "./PipedriveClient.js"
import { SearchLeadsV2Params } from "./Requests.js"

/**
 * The v2 lead search as data.
 *
 * @since 0.2.0
 * @category endpoints
 */
export const endpoints = {
  /** `GET /api/v2/leads/search`: one cursor page of search results; counted against the search window. */
  searchLeadsV2: Endpoint.make({
    method: "GET",
    api: "v2",
    path: "/leads/search",
    cost: 20,
    window: "search",
    query: SearchLeadsV2Params,
    response: CursorEnvelope(LeadSearchItem),
    result: (envelope): CursorPage<LeadSearchItem> => toCursorPage(envelope.data, envelope.additional_data),
    args: (params: SearchLeadsV2Params) => ({ query: params })
  })
}

/**
 * The v2 lead search, one page by cursor or every result as a stream.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service extends Endpoint.Operations<typeof endpoints> {
  /**
   * Every result, cursor page after cursor page (500 a page unless `limit` says), one request
   * at a time as the consumer pulls: a page's cursor is known only once the page before it came.
   */
  readonly streamSearchLeadsV2: (params: SearchLeadsV2Params) => Stream.Stream<LeadSearchItem, PipedriveError>
}

/**
 * Lead search on Pipedrive's v2 API: prefer it to `Leads.searchLeads` (v1) — each page costs
 * half the tokens.
 *
 * @example
 * ```ts
 * import { LeadSearch } from "@effect-pipedrive/core"
 * import { Effect, Stream } from "effect"
 *
 * const titles = Effect.gen(function*() {
 *   const search = yield* LeadSearch.LeadSearch
 *   return yield* search.streamSearchLeadsV2({ term: "acme", fields: ["title"] }).pipe(
 *     Stream.map((hit) => hit.item.title),
 *     Stream.runCollect
 *   )
 * })
 * ```
 *
 * @since 0.2.0
 * @category services
 */
export class LeadSearch extends Context.Tag("@effect-pipedrive/core/LeadSearch")<LeadSearch, Service>() {}

/**
 * Page size of {@link Service.streamSearchLeadsV2} unless `limit` says otherwise.
 *
 * @since 0.2.0
 * @category constants
 */
export const streamPageSize = 500

/**
 * The service over a {@link PipedriveClient}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = Effect.map(PipedriveClient, ({ httpClient }) => {
  const operations = Endpoint.operations(httpClient, "LeadSearch", endpoints)
  return LeadSearch.of({
    ...operations,
    streamSearchLeadsV2: (params) =>
      paginateCursor(params.cursor, (cursor) =>
        operations.searchLeadsV2({
          ...params,
          limit: params.limit ?? streamPageSize,
          ...(cursor === undefined ? {} : { cursor })
        }))
  })
})

/**
 * `LeadSearch` over the {@link PipedriveClient} in context.
 *
 * @example
 * ```ts
 * import { LeadSearch, PipedriveClient } from "@effect-pipedrive/core"
 * import { Layer } from "effect"
 *
 * // The v2 search over a client whose searches never wait longer than 10 s an attempt.
 * const LeadSearchLive = LeadSearch.layer.pipe(Layer.provide(PipedriveClient.layerConfig({ timeout: "10 seconds" })))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<LeadSearch, never, PipedriveClient> = Layer.effect(LeadSearch, make)
