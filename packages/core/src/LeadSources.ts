/**
 * Lead sources (`/v1/leadSources`): the fixed list of where leads come from; a lead's
 * `source_name` is one of them (`API` for leads created through the API).
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Endpoint from "./Endpoint.js"
import { DataEnvelope } from "./Pagination.js"
import { PipedriveClient } from "./PipedriveClient.js"

/**
 * A lead source: its unique name.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LeadSource = Schema.Struct({ name: Schema.String }).annotations({ identifier: "LeadSource" })

/**
 * @since 0.2.0
 * @category models
 */
export interface LeadSource extends Schema.Schema.Type<typeof LeadSource> {}

/**
 * The lead-sources API (v1) as data.
 *
 * @since 0.2.0
 * @category endpoints
 */
export const endpoints = {
  /** `GET /leadSources`: the fixed list of lead sources. */
  getLeadSources: Endpoint.make({
    method: "GET",
    path: "/leadSources",
    cost: 2,
    response: DataEnvelope(Schema.NullOr(Schema.Array(LeadSource))),
    result: (envelope): ReadonlyArray<LeadSource> => envelope.data ?? [],
    args: () => ({})
  })
}

/**
 * The lead sources operation.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service extends Endpoint.Operations<typeof endpoints> {}

/**
 * Where leads come from.
 *
 * @example
 * ```ts
 * import { LeadSources } from "@effect-pipedrive/core"
 * import { PipedriveTest } from "@effect-pipedrive/core/testing"
 * import { Effect } from "effect"
 *
 * const names = await Effect.flatMap(LeadSources.LeadSources, (sources) => sources.getLeadSources()).pipe(
 *   Effect.map((sources) => sources.map((source) => source.name)),
 *   Effect.provide(PipedriveTest.layer()),
 *   Effect.runPromise
 * )
 * assert.ok(names.length > 0)
 * ```
 *
 * @since 0.2.0
 * @category services
 */
export class LeadSources extends Context.Tag("@effect-pipedrive/core/LeadSources")<LeadSources, Service>() {}

/**
 * The service over a {@link PipedriveClient}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = Effect.map(
  PipedriveClient,
  ({ httpClient }) => LeadSources.of(Endpoint.operations(httpClient, "LeadSources", endpoints))
)

/**
 * `LeadSources` over the {@link PipedriveClient} in context.
 *
 * @example
 * ```ts
 * import { LeadSources, PipedriveClient } from "@effect-pipedrive/core"
 * import { Layer } from "effect"
 *
 * // Lead sources alone, over the client the program already has.
 * const LeadSourcesLive: Layer.Layer<LeadSources.LeadSources, never, PipedriveClient.PipedriveClient> =
 *   LeadSources.layer
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<LeadSources, never, PipedriveClient> = Layer.effect(LeadSources, make)
