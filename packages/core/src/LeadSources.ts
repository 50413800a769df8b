/**
 * Lead sources (`/v1/leadSources`): the fixed list of where leads come from; a lead's
 * `source_name` is one of them (`API` for leads created through the API).
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

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
