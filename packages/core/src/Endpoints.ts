/**
 * Every endpoint of the client, by operation name: the rows the services are made of.
 *
 * @since 0.1.0
 */
import * as Conversions from "./Conversions.js"
import * as LeadFields from "./LeadFields.js"
import * as LeadLabels from "./LeadLabels.js"
import * as Leads from "./Leads.js"
import * as LeadSearch from "./LeadSearch.js"
import * as LeadSources from "./LeadSources.js"

/**
 * Every endpoint, by operation name.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const all = {
  ...Leads.endpoints,
  ...LeadLabels.endpoints,
  ...LeadSources.endpoints,
  ...LeadFields.endpoints,
  ...LeadSearch.endpoints,
  ...Conversions.endpoints
} as const
