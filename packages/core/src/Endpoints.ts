/**
 * Every endpoint of the client, by operation name: the rows the services are made of.
 *
 * @since 0.1.0
 */
import * as Leads from "./Leads.js"

/**
 * Every endpoint, by operation name.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const all = {
  ...Leads.endpoints
} as const
