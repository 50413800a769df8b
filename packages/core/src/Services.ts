/**
 * Every service of the client as one layer over a {@link PipedriveClient}: what the Node stack
 * and the in-memory Pipedrive provide by default. Without Node — a browser, Deno, Bun, an edge
 * function — {@link layerConfig} is the whole client over the `HttpClient` provided below it,
 * such as `FetchHttpClient.layer`.
 *
 * @since 0.2.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as Conversions from "./Conversions.js"
import * as LeadFields from "./LeadFields.js"
import * as LeadLabels from "./LeadLabels.js"
import * as Leads from "./Leads.js"
import * as LeadSearch from "./LeadSearch.js"
import * as LeadSources from "./LeadSources.js"
import * as PipedriveClient from "./PipedriveClient.js"

/**
 * The services: `Leads`, `LeadLabels`, `LeadSources`, `LeadFields`, `LeadSearch`, `Conversions`.
 *
 * @since 0.2.0
 * @category models
 */
export type Services =
  | Leads.Leads
  | LeadLabels.LeadLabels
  | LeadSources.LeadSources
  | LeadFields.LeadFields
  | LeadSearch.LeadSearch
  | Conversions.Conversions

/**
 * Every service over the {@link PipedriveClient} in context; they share its policies (one rate
 * limiter, one retry policy, one daily budget).
 *
 * @example
 * ```ts
 * import { Leads, Services } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // Still needs a PipedriveClient: `withClient` and `layerConfig` provide one.
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads({ limit: 10 })).pipe(
 *   Effect.provide(Services.layer)
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<Services, never, PipedriveClient.PipedriveClient> = Layer.mergeAll(
  Leads.layer,
  LeadLabels.layer,
  LeadSources.layer,
  LeadFields.layer,
  LeadSearch.layer,
  Conversions.layer
)

/**
 * Every service and the client they share, over the {@link PipedriveClient} a layer builds:
 * how a client layer (`PipedriveClient.layer(options)`, `layerOAuth`, …) becomes the whole
 * client.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { PipedriveClient, Services } from "@effect-pipedrive/core"
 * import { Layer, Redacted } from "effect"
 *
 * const PipedriveLive = Services.withClient(
 *   PipedriveClient.layer({ apiToken: Redacted.make("your API token"), companyDomain: "acme" })
 * ).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const withClient = <E, R>(
  client: Layer.Layer<PipedriveClient.PipedriveClient, E, R>
): Layer.Layer<Services | PipedriveClient.PipedriveClient, E, R> => layer.pipe(Layer.provideMerge(client))

/**
 * Every service and the client they share, configured from the environment (or any
 * `ConfigProvider`, see `PipedriveClient.config`) with the other policies given here, over the
 * `HttpClient` provided below: the core-only stack.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Services } from "@effect-pipedrive/core"
 * import { Layer } from "effect"
 *
 * const PipedriveLive = Services.layerConfig({ plan: "growth" }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  policies?: PipedriveClient.Policies
): Layer.Layer<Services | PipedriveClient.PipedriveClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  withClient(PipedriveClient.layerConfig(policies))
