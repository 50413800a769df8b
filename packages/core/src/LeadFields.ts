/**
 * Lead fields (`/v1/leadFields`): what every key of a lead means, including the 40-hex keys of
 * the company's custom fields, with their types and, for option fields, their options.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { openLiteral } from "./internal/openLiteral.js"
import { ExtraFields, Timestamp } from "./Lead.js"
import { PageParams } from "./Requests.js"

const fieldTypes = openLiteral([
  "address",
  "date",
  "daterange",
  "double",
  "enum",
  "monetary",
  "org",
  "people",
  "phone",
  "set",
  "text",
  "time",
  "timerange",
  "user",
  "varchar",
  "varchar_auto",
  "visible_to",
  "boolean",
  "int",
  "json",
  "varchar_options",
  "activity",
  "deal",
  "lead",
  "pipeline",
  "product",
  "project",
  "stage",
  "billing_frequency",
  "picture",
  "price_list",
  "projects_board",
  "projects_phase",
  "status"
], "LeadFieldType")

/**
 * The field types Pipedrive documents (both lists of its OpenAPI document).
 *
 * @since 0.2.0
 * @category schemas
 */
export const LeadFieldType = fieldTypes.known

/**
 * @since 0.2.0
 * @category models
 */
export type LeadFieldType = typeof LeadFieldType.Type

/**
 * A field type as read: a documented type, or one Pipedrive added later, kept as its string.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LeadFieldTypeOrOther = fieldTypes.open

/**
 * One option of an `enum` or `set` field. Custom fields number their options; the system
 * `label_ids` field names its options by label UUID, so both forms decode.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LeadFieldOption = Schema.Struct({
  id: Schema.Union(Schema.Int, Schema.String),
  label: Schema.String
}, ExtraFields).annotations({ identifier: "LeadFieldOption" })

/**
 * @since 0.2.0
 * @category models
 */
export interface LeadFieldOption extends Schema.Schema.Type<typeof LeadFieldOption> {}

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })
const optionalNullable = <S extends Schema.Schema.Any>(schema: S) =>
  Schema.optionalWith(Schema.NullOr(schema), { exact: true })

/**
 * A lead field. `key` is what a lead uses: a name such as `title` for system fields, a 40-hex
 * hash for custom fields. Only `key`, `name` and `field_type` are relied on; the flags and
 * times Pipedrive sends are typed when present, and keys it adds later are kept.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LeadField = Schema.Struct({
  /** `null` for subfields. */
  id: Schema.NullOr(Schema.Int),
  key: Schema.String,
  name: Schema.String,
  field_type: LeadFieldTypeOrOther,
  order_nr: optional(Schema.Int),
  add_time: optionalNullable(Timestamp),
  update_time: optionalNullable(Timestamp),
  last_updated_by_user_id: optionalNullable(Schema.Int),
  created_by_user_id: optionalNullable(Schema.Int),
  active_flag: optional(Schema.Boolean),
  edit_flag: optional(Schema.Boolean),
  index_visible_flag: optional(Schema.Boolean),
  details_visible_flag: optional(Schema.Boolean),
  add_visible_flag: optional(Schema.Boolean),
  important_flag: optional(Schema.Boolean),
  bulk_edit_allowed: optional(Schema.Boolean),
  searchable_flag: optional(Schema.Boolean),
  filtering_allowed: optional(Schema.Boolean),
  sortable_flag: optional(Schema.Boolean),
  mandatory_flag: optional(Schema.Boolean),
  /** `null` when the field has no options. */
  options: optionalNullable(Schema.Array(LeadFieldOption)),
  /** Present only when at least one option was deleted. */
  options_deleted: optional(Schema.Array(LeadFieldOption)),
  is_subfield: optional(Schema.Boolean),
  /** Present only for fields made of parts (an address's street, city, …). */
  subfields: optional(Schema.Array(ExtraFields))
}, ExtraFields).annotations({ identifier: "LeadField" })

/**
 * @since 0.2.0
 * @category models
 */
export interface LeadField extends Schema.Schema.Type<typeof LeadField> {}

/**
 * Query parameters of `getLeadFields`: an offset page.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LeadFieldsParams = PageParams.annotations({ identifier: "LeadFieldsParams" })

/**
 * @since 0.2.0
 * @category models
 */
export interface LeadFieldsParams extends Schema.Schema.Type<typeof LeadFieldsParams> {}
