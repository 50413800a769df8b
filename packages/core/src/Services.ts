/**
 * Every service of the client as one layer over a {@link PipedriveClient}: what the Node stack
 * and the in-memory Pipedrive provide by default.
 *
 * @since 0.2.0
 */
import * as Layer from "effect/Layer"
import * as Conversions from "./Conversions.js"
import * as LeadFields from "./LeadFields.js"
import * as LeadLabels from "./LeadLabels.js"
import * as Leads from "./Leads.js"
import * as LeadSearch from "./LeadSearch.js"
import * as LeadSources from "./LeadSources.js"
import type { PipedriveClient } from "./PipedriveClient.js"

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
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<Services, never, PipedriveClient> = Layer.mergeAll(
  Leads.layer,
  LeadLabels.layer,
  LeadSources.layer,
  LeadFields.layer,
  LeadSearch.layer,
  Conversions.layer
)
