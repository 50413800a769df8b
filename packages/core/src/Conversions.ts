/**
 * Lead↔deal conversions (`/api/v2/leads/{id}/convert/deal`, `/api/v2/deals/{id}/convert/lead`):
 * jobs that Pipedrive runs after answering the POST with their id, and whose status
 * (`not_started`, `running`, `completed`, `failed`, `rejected`) is read from a status endpoint.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { openLiteral } from "./internal/openLiteral.js"
import { EntityId, LeadId } from "./Lead.js"

/**
 * A conversion job id: a UUID string.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ConversionId = Schema.UUID.annotations({
  identifier: "ConversionId",
  message: () => "a conversion id must be a UUID such as 4b40248b-945a-4802-b996-60fdff8c5c69"
})

/**
 * A deal id: a positive integer.
 *
 * @since 0.2.0
 * @category schemas
 */
export const DealId = EntityId.annotations({
  identifier: "DealId",
  message: () => "a deal id must be a positive integer"
})

const statuses = openLiteral(["not_started", "running", "completed", "failed", "rejected"], "ConversionStatusValue")

/**
 * The states of a conversion job Pipedrive documents.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ConversionState = statuses.known

/**
 * @since 0.2.0
 * @category models
 */
export type ConversionState = typeof ConversionState.Type

/**
 * A job's state as read: a documented state, or one Pipedrive added later, kept as its string
 * (and treated as still pending by a wait).
 *
 * @since 0.2.0
 * @category schemas
 */
export const ConversionStateOrOther = statuses.open

/**
 * The body of `convertLeadToDeal`: where the new deal goes. Without either key it goes to the
 * first stage of the default pipeline; with both, `stage_id` wins.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ConvertLeadToDeal = Schema.Struct({
  stage_id: Schema.optionalWith(EntityId, { exact: true }),
  pipeline_id: Schema.optionalWith(EntityId, { exact: true })
}).annotations({ identifier: "ConvertLeadToDeal" })

/**
 * @since 0.2.0
 * @category models
 */
export interface ConvertLeadToDeal extends Schema.Schema.Type<typeof ConvertLeadToDeal> {}

/**
 * The `data` of a conversion POST: the id of the job that converts.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ConversionJob = Schema.Struct({ conversion_id: ConversionId }).annotations({ identifier: "ConversionJob" })

/**
 * @since 0.2.0
 * @category models
 */
export interface ConversionJob extends Schema.Schema.Type<typeof ConversionJob> {}

/**
 * The `data` of a conversion status: the job's state, and once `completed` the id of what it
 * created — `deal_id` for a lead converted to a deal, `lead_id` for a deal converted to a lead.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ConversionStatus = Schema.Struct({
  conversion_id: ConversionId,
  status: ConversionStateOrOther,
  deal_id: Schema.optionalWith(Schema.NullOr(DealId), { exact: true }),
  lead_id: Schema.optionalWith(Schema.NullOr(LeadId), { exact: true })
}).annotations({ identifier: "ConversionStatus" })

/**
 * @since 0.2.0
 * @category models
 */
export interface ConversionStatus extends Schema.Schema.Type<typeof ConversionStatus> {}

/**
 * Which way a conversion goes.
 *
 * @since 0.2.0
 * @category models
 */
export type Direction = "leadToDeal" | "dealToLead"

const job = {
  /** `leadToDeal` or `dealToLead`. */
  direction: Schema.Literal("leadToDeal", "dealToLead"),
  /** The lead id or deal id that was being converted. */
  source: Schema.Union(Schema.String, Schema.Int),
  conversionId: Schema.String
}

const describeJob = (self: { readonly direction: Direction; readonly source: string | number; readonly conversionId: string }) =>
  `${self.direction === "leadToDeal" ? "lead" : "deal"} ${self.source}, conversion ${self.conversionId}`

/**
 * The conversion ended `failed`: Pipedrive could not convert.
 *
 * @since 0.2.0
 * @category errors
 */
export class ConversionFailed extends Schema.TaggedError<ConversionFailed>()("ConversionFailed", job) {
  override get message() {
    return `${describeJob(this)}: the conversion failed`
  }
}

/**
 * The conversion ended `rejected`: Pipedrive refused it (the entity cannot be converted).
 *
 * @since 0.2.0
 * @category errors
 */
export class ConversionRejected extends Schema.TaggedError<ConversionRejected>()("ConversionRejected", job) {
  override get message() {
    return `${describeJob(this)}: the conversion was rejected`
  }
}

/**
 * The status endpoint does not know the conversion: a wrong id, or status data that expired
 * (Pipedrive keeps it a few days).
 *
 * @since 0.2.0
 * @category errors
 */
export class ConversionNotFound extends Schema.TaggedError<ConversionNotFound>()("ConversionNotFound", job) {
  override get message() {
    return `${describeJob(this)}: no such conversion (wrong id, or its status expired)`
  }
}

/**
 * The wait's schedule ended while the conversion was still pending; it may still finish, and
 * its status can be read again later with the same id.
 *
 * @since 0.2.0
 * @category errors
 */
export class ConversionPending extends Schema.TaggedError<ConversionPending>()("ConversionPending", {
  ...job,
  /** The last status read. */
  status: Schema.String,
  polls: Schema.Int
}) {
  override get message() {
    return `${describeJob(this)}: still ${this.status} after ${this.polls} status polls`
  }
}

/**
 * How waiting for a conversion can end, besides the errors of the status calls.
 *
 * @since 0.2.0
 * @category errors
 */
export type ConversionError = ConversionFailed | ConversionRejected | ConversionNotFound | ConversionPending
