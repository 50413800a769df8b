/**
 * Lead labels (`/v1/leadLabels`): the named, coloured tags whose ids a lead carries in
 * `label_ids`.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Endpoint from "./Endpoint.js"
import type { PipedriveError } from "./Errors.js"
import { goneOnRetry } from "./internal/idempotentDelete.js"
import { openLiteral } from "./internal/openLiteral.js"
import { Timestamp } from "./Lead.js"
import { DataEnvelope } from "./Pagination.js"
import { PipedriveClient } from "./PipedriveClient.js"

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

const ById = Schema.Struct({ id: LeadLabelId })
const byId = (id: string) => ({ path: { id } })
const data = <T>(envelope: { readonly data: T }): T => envelope.data

/**
 * The lead-labels API (v1) as data: one row per operation.
 *
 * @since 0.2.0
 * @category endpoints
 */
export const endpoints = {
  /** `GET /leadLabels`: every label (the endpoint has no pages). */
  getLeadLabels: Endpoint.make({
    method: "GET",
    path: "/leadLabels",
    cost: 10,
    response: DataEnvelope(Schema.NullOr(Schema.Array(LeadLabel))),
    result: (envelope): ReadonlyArray<LeadLabel> => envelope.data ?? [],
    args: () => ({})
  }),
  /** `POST /leadLabels`: creates a label. */
  addLeadLabel: Endpoint.make({
    method: "POST",
    path: "/leadLabels",
    cost: 10,
    body: AddLeadLabel,
    response: DataEnvelope(LeadLabel),
    result: data,
    args: (label: AddLeadLabel) => ({ body: label })
  }),
  /** `PATCH /leadLabels/{id}`: renames or recolours a label. */
  updateLeadLabel: Endpoint.make({
    method: "PATCH",
    path: "/leadLabels/{id}",
    params: ById,
    cost: 10,
    body: UpdateLeadLabel,
    response: DataEnvelope(LeadLabel),
    result: data,
    args: (id: string, changes: UpdateLeadLabel) => ({ path: { id }, body: changes })
  }),
  /** `DELETE /leadLabels/{id}`: deletes a label; leads that carried it no longer do. */
  deleteLeadLabel: Endpoint.make({
    method: "DELETE",
    path: "/leadLabels/{id}",
    params: ById,
    cost: 6,
    response: DataEnvelope(DeletedLeadLabel),
    result: data,
    args: byId
  })
}

/**
 * Every lead label operation; deleting is idempotent under retries.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service extends Endpoint.Operations<typeof endpoints> {
  /** Deletes a label. Idempotent under retries: a retry that finds the label already gone succeeds. */
  readonly deleteLeadLabel: (id: string) => Effect.Effect<DeletedLeadLabel, PipedriveError>
}

/**
 * The company's lead labels: list, create, change and delete them.
 *
 * @example
 * ```ts
 * import { LeadLabels, Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const tagHot = (leadId: string) =>
 *   Effect.gen(function*() {
 *     const labels = yield* LeadLabels.LeadLabels
 *     const hot = yield* labels.addLeadLabel({ name: "Hot", color: "red" })
 *     const leads = yield* Leads.Leads
 *     return yield* leads.updateLead(leadId, { label_ids: [hot.id] })
 *   })
 * ```
 *
 * @since 0.2.0
 * @category services
 */
export class LeadLabels extends Context.Tag("@effect-pipedrive/core/LeadLabels")<LeadLabels, Service>() {}

/**
 * The service over a {@link PipedriveClient}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = Effect.map(PipedriveClient, ({ httpClient }) => {
  const operations = Endpoint.operations(httpClient, "LeadLabels", endpoints)
  return LeadLabels.of({
    ...operations,
    deleteLeadLabel: (id) => operations.deleteLeadLabel(id).pipe(goneOnRetry({ id }))
  })
})

/**
 * `LeadLabels` over the {@link PipedriveClient} in context.
 *
 * @example
 * ```ts
 * import { LeadLabels, Leads, PipedriveClient } from "@effect-pipedrive/core"
 * import { Layer } from "effect"
 *
 * // Labels and leads over one client (one rate limiter for both).
 * const LabelsAndLeads = Layer.merge(LeadLabels.layer, Leads.layer).pipe(
 *   Layer.provide(PipedriveClient.layerConfig())
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<LeadLabels, never, PipedriveClient> = Layer.effect(LeadLabels, make)
