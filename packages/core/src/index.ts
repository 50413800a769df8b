/**
 * @since 0.2.0
 */
export * as Conversions from "./Conversions.js"
/**
 * @since 0.2.0
 */
export * as CustomFields from "./CustomFields.js"
/**
 * @since 0.2.0
 */
export * as Endpoint from "./Endpoint.js"
/**
 * @since 0.1.0
 */
export * as Endpoints from "./Endpoints.js"
/**
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"
/**
 * @since 0.1.0
 */
export * as Lead from "./Lead.js"
/**
 * @since 0.2.0
 */
export * as LeadFields from "./LeadFields.js"
/**
 * @since 0.2.0
 */
export * as LeadLabels from "./LeadLabels.js"
/**
 * @since 0.1.0
 */
export * as Leads from "./Leads.js"
/**
 * @since 0.2.0
 */
export * as LeadSearch from "./LeadSearch.js"
/**
 * @since 0.2.0
 */
export * as LeadSources from "./LeadSources.js"
/**
 * The client's Effect `Metric`s: requests, retries, 429s, limiter waits, the daily budget.
 *
 * @since 0.2.0
 */
export * as Metrics from "./Metrics.js"
/**
 * @since 0.1.0
 */
export * as OAuth from "./OAuth.js"
/**
 * @since 0.2.0
 */
export * as Operation from "./Operation.js"
/**
 * @since 0.1.0
 */
export * as Pagination from "./Pagination.js"
/**
 * @since 0.1.0
 */
export * as PipedriveClient from "./PipedriveClient.js"
/**
 * @since 0.1.0
 */
export * as RateLimit from "./RateLimit.js"
/**
 * @since 0.1.0
 */
export * as Requests from "./Requests.js"
/**
 * @since 0.2.0
 */
export * as ResponseBody from "./ResponseBody.js"
/**
 * @since 0.1.0
 */
export * as Retry from "./Retry.js"
/**
 * @since 0.2.0
 */
export * as Services from "./Services.js"
/**
 * @since 0.1.0
 */
export * as TokenStore from "./TokenStore.js"
/**
 * @since 0.2.0
 */
export * as TypedLeads from "./TypedLeads.js"
