/**
 * Lead↔deal conversions (`/api/v2/leads/{id}/convert/deal`, `/api/v2/deals/{id}/convert/lead`):
 * jobs that Pipedrive runs after answering the POST with their id, and whose status
 * (`not_started`, `running`, `completed`, `failed`, `rejected`) is read from a status endpoint.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Endpoint from "./Endpoint.js"
import type { PipedriveError } from "./Errors.js"
import { openLiteral } from "./internal/openLiteral.js"
import { EntityId, LeadId } from "./Lead.js"
import { DataEnvelope } from "./Pagination.js"
import { PipedriveClient } from "./PipedriveClient.js"

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
 * @example
 * ```ts
 * import { Conversions } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const convert = (leadId: string) =>
 *   Effect.flatMap(Conversions.Conversions, (conversions) => conversions.convertLeadToDealAndWait(leadId)).pipe(
 *     Effect.catchTag("ConversionFailed", (error) => Effect.logError(`conversion ${error.conversionId} failed`))
 *   )
 * ```
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
 * @example
 * ```ts
 * import { Conversions } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const convert = (leadId: string) =>
 *   Effect.flatMap(Conversions.Conversions, (conversions) => conversions.convertLeadToDealAndWait(leadId)).pipe(
 *     Effect.catchTag("ConversionRejected", () => Effect.logWarning(`lead ${leadId} cannot be converted`))
 *   )
 * ```
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
 * @example
 * ```ts
 * import { Conversions } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const convert = (leadId: string) =>
 *   Effect.flatMap(Conversions.Conversions, (conversions) => conversions.convertLeadToDealAndWait(leadId)).pipe(
 *     Effect.catchTag("ConversionNotFound", (error) => Effect.logError(`no status for ${error.conversionId}`))
 *   )
 * ```
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
 * @example
 * ```ts
 * import { Conversions } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // Still running when the wait gave up: keep the id and look again later.
 * const convert = (leadId: string) =>
 *   Effect.flatMap(Conversions.Conversions, (conversions) => conversions.convertLeadToDealAndWait(leadId)).pipe(
 *     Effect.catchTag("ConversionPending", (error) => Effect.succeed({ pending: error.conversionId }))
 *   )
 * ```
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

const data = <T>(envelope: { readonly data: T }): T => envelope.data
const LeadPath = Schema.Struct({ id: LeadId })
const DealPath = Schema.Struct({ id: DealId })

/**
 * The conversion API (v2) as data. The POSTs are not idempotent — a second one starts a second
 * job, or is refused — so the retry policy never repeats one whose request may have arrived.
 *
 * @since 0.2.0
 * @category endpoints
 */
export const endpoints = {
  /** `POST /api/v2/leads/{id}/convert/deal`: starts converting a lead to a deal; answers the job id. */
  convertLeadToDeal: Endpoint.make({
    method: "POST",
    api: "v2",
    path: "/leads/{id}/convert/deal",
    params: LeadPath,
    cost: 40,
    body: ConvertLeadToDeal,
    response: DataEnvelope(ConversionJob),
    result: data,
    args: (id: string, placement: ConvertLeadToDeal = {}) => ({ path: { id }, body: placement })
  }),
  /** `GET /api/v2/leads/{id}/convert/status/{conversion_id}`: the state of a lead's conversion. */
  getLeadConversionStatus: Endpoint.make({
    method: "GET",
    api: "v2",
    path: "/leads/{id}/convert/status/{conversion_id}",
    params: Schema.Struct({ id: LeadId, conversion_id: ConversionId }),
    cost: 1,
    response: DataEnvelope(ConversionStatus),
    result: data,
    args: (id: string, conversionId: string) => ({ path: { id, conversion_id: conversionId } })
  }),
  /** `POST /api/v2/deals/{id}/convert/lead`: starts converting a deal to a lead; answers the job id. */
  convertDealToLead: Endpoint.make({
    method: "POST",
    api: "v2",
    path: "/deals/{id}/convert/lead",
    params: DealPath,
    cost: 40,
    response: DataEnvelope(ConversionJob),
    result: data,
    args: (id: number) => ({ path: { id } })
  }),
  /** `GET /api/v2/deals/{id}/convert/status/{conversion_id}`: the state of a deal's conversion. */
  getDealConversionStatus: Endpoint.make({
    method: "GET",
    api: "v2",
    path: "/deals/{id}/convert/status/{conversion_id}",
    params: Schema.Struct({ id: DealId, conversion_id: ConversionId }),
    cost: 1,
    response: DataEnvelope(ConversionStatus),
    result: data,
    args: (id: number, conversionId: string) => ({ path: { id, conversion_id: conversionId } })
  })
}

/**
 * When to read a conversion's status again while it is pending. The input is the status just
 * read; when the schedule ends first, the wait fails with {@link ConversionPending}.
 *
 * @since 0.2.0
 * @category models
 */
export type PollSchedule = Schedule.Schedule<unknown, ConversionStatus>

/**
 * The default {@link PollSchedule}: after 500 ms, then 1.5 times longer each time up to 5 s
 * between polls, for at most 30 polls after the first (about two minutes). Each poll costs one
 * token.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultPollSchedule: PollSchedule = Schedule.exponential("500 millis", 1.5).pipe(
  Schedule.union(Schedule.spaced("5 seconds")),
  Schedule.intersect(Schedule.recurs(30))
)

/**
 * How to wait for a conversion.
 *
 * @since 0.2.0
 * @category models
 */
export interface WaitOptions {
  /** Default {@link defaultPollSchedule}. */
  readonly schedule?: PollSchedule | undefined
}

/**
 * Every conversion operation: start one, read its status, or start one and wait for its outcome.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service extends Endpoint.Operations<typeof endpoints> {
  /**
   * Polls a lead's conversion until it ends: the new deal's id, or a {@link ConversionError}.
   * Interrupting the wait stops the polling (the conversion itself goes on at Pipedrive).
   */
  readonly awaitLeadConversion: (
    id: string,
    conversionId: string,
    options?: WaitOptions
  ) => Effect.Effect<number, PipedriveError | ConversionError>
  /** Polls a deal's conversion until it ends: the new lead's id, or a {@link ConversionError}. */
  readonly awaitDealConversion: (
    id: number,
    conversionId: string,
    options?: WaitOptions
  ) => Effect.Effect<string, PipedriveError | ConversionError>
  /** Converts a lead to a deal and waits for the outcome: the new deal's id. */
  readonly convertLeadToDealAndWait: (
    id: string,
    placement?: ConvertLeadToDeal,
    options?: WaitOptions
  ) => Effect.Effect<number, PipedriveError | ConversionError>
  /** Converts a deal to a lead and waits for the outcome: the new lead's id. */
  readonly convertDealToLeadAndWait: (
    id: number,
    options?: WaitOptions
  ) => Effect.Effect<string, PipedriveError | ConversionError>
}

/**
 * Lead↔deal conversions: start one, read its status, or wait for its outcome.
 *
 * @example
 * ```ts
 * import { Conversions } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const qualify = (leadId: string) =>
 *   Effect.gen(function*() {
 *     const conversions = yield* Conversions.Conversions
 *     const dealId = yield* conversions.convertLeadToDealAndWait(leadId, { pipeline_id: 2 })
 *     return dealId
 *   }).pipe(
 *     Effect.catchTag("ConversionRejected", () => Effect.succeed(undefined))
 *   )
 * ```
 *
 * @since 0.2.0
 * @category services
 */
export class Conversions extends Context.Tag("@effect-pipedrive/core/Conversions")<Conversions, Service>() {}

const isPending = (status: ConversionStatus): boolean =>
  !(status.status === "failed" || status.status === "rejected" ||
    (status.status === "completed" && (status.deal_id != null || status.lead_id != null)))

/**
 * Reads the status on the schedule until the job ends. The status of a job that does not
 * exist (any more) is a 404, reported as {@link ConversionNotFound}.
 */
const awaitOutcome = <A>(
  job: { readonly direction: Direction; readonly source: string | number; readonly conversionId: string },
  poll: Effect.Effect<ConversionStatus, PipedriveError>,
  created: (status: ConversionStatus) => A | null | undefined,
  options: WaitOptions | undefined
): Effect.Effect<A, PipedriveError | ConversionError> =>
  Effect.suspend(() => {
    const schedule = options?.schedule ?? defaultPollSchedule
    let polls = 0
    const counted = poll.pipe(
      Effect.tap(() => void polls++),
      Effect.catchTag("NotFound", () => Effect.fail(new ConversionNotFound(job)))
    )
    const whilePending = Schedule.recurWhile(isPending).pipe(Schedule.intersect(schedule), Schedule.passthrough)
    return Effect.flatMap(Effect.repeat(counted, whilePending), (last): Effect.Effect<A, ConversionError> => {
      if (last.status === "failed") return Effect.fail(new ConversionFailed(job))
      if (last.status === "rejected") return Effect.fail(new ConversionRejected(job))
      const id = created(last)
      return id == null ? Effect.fail(new ConversionPending({ ...job, status: last.status, polls })) : Effect.succeed(id)
    })
  })

/**
 * The service over a {@link PipedriveClient}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = Effect.map(PipedriveClient, ({ httpClient }) => {
  const operations = Endpoint.operations(httpClient, "Conversions", endpoints)
  const awaitLeadConversion = Effect.fn("Conversions.awaitLeadConversion")(
    (id: string, conversionId: string, options?: WaitOptions) =>
      awaitOutcome(
        { direction: "leadToDeal", source: id, conversionId },
        operations.getLeadConversionStatus(id, conversionId),
        (status) => status.deal_id,
        options
      )
  )
  const awaitDealConversion = Effect.fn("Conversions.awaitDealConversion")(
    (id: number, conversionId: string, options?: WaitOptions) =>
      awaitOutcome(
        { direction: "dealToLead", source: id, conversionId },
        operations.getDealConversionStatus(id, conversionId),
        (status) => status.lead_id,
        options
      )
  )
  return Conversions.of({
    ...operations,
    awaitLeadConversion,
    awaitDealConversion,
    convertLeadToDealAndWait: Effect.fn("Conversions.convertLeadToDealAndWait")(
      function*(id: string, placement?: ConvertLeadToDeal, options?: WaitOptions) {
        const { conversion_id } = yield* operations.convertLeadToDeal(id, placement)
        return yield* awaitLeadConversion(id, conversion_id, options)
      }
    ),
    convertDealToLeadAndWait: Effect.fn("Conversions.convertDealToLeadAndWait")(
      function*(id: number, options?: WaitOptions) {
        const { conversion_id } = yield* operations.convertDealToLead(id)
        return yield* awaitDealConversion(id, conversion_id, options)
      }
    )
  })
})

/**
 * `Conversions` over the {@link PipedriveClient} in context.
 *
 * @example
 * ```ts
 * import { Conversions, PipedriveClient } from "@effect-pipedrive/core"
 * import { Layer } from "effect"
 *
 * const ConversionsLive = Conversions.layer.pipe(Layer.provide(PipedriveClient.layerConfig()))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<Conversions, never, PipedriveClient> = Layer.effect(Conversions, make)
