/**
 * Lead labels (`/v1/leadLabels`): the named, coloured tags whose ids a lead carries in
 * `label_ids`.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { openLiteral } from "./internal/openLiteral.js"
import { Timestamp } from "./Lead.js"

/**
 * A lead label id: a UUID string.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LeadLabelId = Schema.UUID.annotations({
  identifier: "LeadLabelId",
  message: () => "a lead label id must be a UUID such as f08b42a0-4e75-11ea-9643-03698ef1cfd6"
})

const colors = openLiteral(
  ["blue", "brown", "dark-gray", "gray", "green", "orange", "pink", "purple", "red", "yellow"],
  "LeadLabelColor"
)

/**
 * The colours Pipedrive lets a label have: what a label may be created or updated with.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LeadLabelColor = colors.known

/**
 * @since 0.2.0
 * @category models
 */
export type LeadLabelColor = typeof LeadLabelColor.Type

/**
 * A label's colour as read: a known colour, or a colour Pipedrive added later, kept as its string.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LeadLabelColorOrOther = colors.open

/**
 * A lead label.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LeadLabel = Schema.Struct({
  id: LeadLabelId,
  name: Schema.String,
  color: LeadLabelColorOrOther,
  add_time: Timestamp,
  update_time: Timestamp
}).annotations({ identifier: "LeadLabel" })

/**
 * @since 0.2.0
 * @category models
 */
export interface LeadLabel extends Schema.Schema.Type<typeof LeadLabel> {}

const Name = Schema.String.pipe(
  Schema.filter((name) => name.trim().length > 0, { message: () => "a label name must not be empty" })
)

/**
 * The body of `addLeadLabel`: a name and one of Pipedrive's colours.
 *
 * @since 0.2.0
 * @category schemas
 */
export const AddLeadLabel = Schema.Struct({
  name: Schema.propertySignature(Name).annotations({ missingMessage: () => "name is required" }),
  color: Schema.propertySignature(LeadLabelColor).annotations({ missingMessage: () => "color is required" })
}).annotations({ identifier: "AddLeadLabel" })

/**
 * @since 0.2.0
 * @category models
 */
export interface AddLeadLabel extends Schema.Schema.Type<typeof AddLeadLabel> {}

/**
 * The body of `updateLeadLabel` (a PATCH): the keys given change.
 *
 * @since 0.2.0
 * @category schemas
 */
export const UpdateLeadLabel = Schema.Struct({
  name: Schema.optionalWith(Name, { exact: true }),
  color: Schema.optionalWith(LeadLabelColor, { exact: true })
}).pipe(
  Schema.filter((body) => Object.keys(body).length > 0 || "updateLeadLabel needs a name or a color to change"),
  Schema.annotations({ identifier: "UpdateLeadLabel" })
)

/**
 * @since 0.2.0
 * @category models
 */
export interface UpdateLeadLabel extends Schema.Schema.Type<typeof UpdateLeadLabel> {}

/**
 * The `data` of a label delete.
 *
 * @since 0.2.0
 * @category schemas
 */
export const DeletedLeadLabel = Schema.Struct({ id: LeadLabelId }).annotations({ identifier: "DeletedLeadLabel" })

/**
 * @since 0.2.0
 * @category models
 */
export interface DeletedLeadLabel extends Schema.Schema.Type<typeof DeletedLeadLabel> {}
