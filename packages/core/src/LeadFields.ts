/**
 * Lead fields (`/v1/leadFields`): what every key of a lead means, including the 40-hex keys of
 * the company's custom fields, with their types and, for option fields, their options.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as Endpoint from "./Endpoint.js"
import type { PipedriveError } from "./Errors.js"
import { openLiteral } from "./internal/openLiteral.js"
import { ExtraFields, Timestamp } from "./Lead.js"
import { pagedStream, roomOf } from "./internal/pagedStream.js"
import { ListEnvelope, type Page, type StreamOptions, toPage } from "./Pagination.js"
import { PipedriveClient } from "./PipedriveClient.js"
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

/**
 * The lead-fields API (v1) as data.
 *
 * @since 0.2.0
 * @category endpoints
 */
export const endpoints = {
  /** `GET /leadFields`: one page of lead fields. */
  getLeadFields: Endpoint.make({
    method: "GET",
    path: "/leadFields",
    cost: 20,
    query: LeadFieldsParams,
    response: ListEnvelope(LeadField),
    result: (envelope): Page<LeadField> => toPage(envelope.data, envelope.additional_data),
    args: (params: LeadFieldsParams = {}) => ({ query: params })
  })
}

/**
 * The lead fields operation, and a stream over every field.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service extends Endpoint.Operations<typeof endpoints> {
  /** Every lead field, page after page (500 a page unless `limit` says), fetched as the consumer pulls. */
  readonly streamLeadFields: (params?: LeadFieldsParams, options?: StreamOptions) => Stream.Stream<LeadField, PipedriveError>
}

/**
 * What the keys of a lead mean: system fields and the company's custom fields, with their
 * types and options.
 *
 * @example
 * ```ts
 * import { LeadFields } from "@effect-pipedrive/core"
 * import { Effect, Stream } from "effect"
 *
 * // The company's custom fields by name: their 40-hex keys are what leads carry.
 * const customFieldKeys = Effect.gen(function*() {
 *   const fields = yield* LeadFields.LeadFields
 *   const all = yield* Stream.runCollect(fields.streamLeadFields())
 *   return new Map([...all].filter((f) => f.edit_flag === true).map((f) => [f.name, f.key]))
 * })
 * ```
 *
 * @since 0.2.0
 * @category services
 */
export class LeadFields extends Context.Tag("@effect-pipedrive/core/LeadFields")<LeadFields, Service>() {}

/**
 * Page size of {@link Service.streamLeadFields} unless `limit` says otherwise.
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
export const make = Effect.map(PipedriveClient, ({ httpClient, rateLimitInfo }) => {
  const streamLeadFields = pagedStream<LeadFieldsParams, LeadField>(
    httpClient,
    "LeadFields",
    "getLeadFields",
    endpoints.getLeadFields,
    { pageSize: streamPageSize, room: roomOf(rateLimitInfo) }
  )
  return LeadFields.of({
    ...Endpoint.operations(httpClient, "LeadFields", endpoints),
    streamLeadFields: (params = {}, options) => streamLeadFields(params, options)
  })
})

/**
 * `LeadFields` over the {@link PipedriveClient} in context.
 *
 * @example
 * ```ts
 * import { LeadFields, PipedriveClient } from "@effect-pipedrive/core"
 * import { Layer } from "effect"
 *
 * // Reads the client's configuration from PIPEDRIVE_* variables; the HttpClient comes last.
 * const LeadFieldsLive = LeadFields.layer.pipe(Layer.provide(PipedriveClient.layerConfig({ plan: "growth" })))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<LeadFields, never, PipedriveClient> = Layer.effect(LeadFields, make)
