import * as Either from "effect/Either"
import { isCustomFieldKey, type Lead } from "../../Lead.js"
import { type Directory, organizationName, tokenUserId } from "./directory.js"
import type { Rng } from "./random.js"
import { badRequest, type Call, notFound, type Reply, success, timestamp, uuidPattern } from "./replies.js"
import type { LeadStore } from "./store.js"
import { parseObject } from "./validate.js"

/**
 * Deals, and the jobs that convert leads to deals and back. A job runs on the time the model is
 * given (the Effect `Clock` through the transport, so `TestClock` drives it): `not_started`,
 * then `running`, then its outcome, which takes effect when the job ends — the lead (or deal) is
 * removed and the deal (or lead) created. Status data expires a few days after the job ends.
 */

/** A deal, with the few fields a conversion reads or writes, and the custom fields it carries. */
export interface Deal {
  readonly id: number
  readonly title: string
  readonly value: number
  readonly currency: string
  readonly user_id: number
  readonly person_id: number | null
  readonly org_id: number | null
  readonly pipeline_id: number
  readonly stage_id: number
  readonly status: "open"
  /** The lead the deal was converted from, if any. */
  readonly lead_id: string | null
  readonly add_time: string
  readonly update_time: string
  readonly [customField: string]: unknown
}

export type Direction = "leadToDeal" | "dealToLead"
export type Outcome = "completed" | "failed" | "rejected"
export type Status = "not_started" | "running" | Outcome

export interface Job {
  readonly id: string
  readonly direction: Direction
  /** The lead id or deal id converted. */
  readonly source: string
  readonly createdAt: number
  readonly pipelineId: number
  readonly stageId: number
  outcome: Outcome
  /** What the job created, once it completed: a deal id or a lead id. */
  result: number | string | undefined
  settled: boolean
}

/** How long a job takes, from its POST: when it starts running, when it ends, when its status expires after that. */
export const conversionTimes = { startsAfter: 500, endsAfter: 2_000, expiresAfter: 3 * 86_400_000 } as const

/** Pipelines and their stages, in order: a deal goes to the first stage unless told. */
const pipelines: ReadonlyArray<{ readonly id: number; readonly stages: ReadonlyArray<number> }> = [
  { id: 1, stages: [1, 2, 3, 4, 5] },
  { id: 2, stages: [6, 7, 8] }
]

/** Seeded deals (ids 1..n), for converting deals to leads. */
const seedDeals = (count: number, directory: Directory): Array<Deal> =>
  Array.from({ length: count }, (_, i) => {
    const id = i + 1
    const orgId = (id * 37) % directory.organizations + 1
    const time = timestamp(Date.UTC(2024, 5, 1) + id * 3_600_000)
    return {
      id,
      title: `Renewal for ${organizationName(orgId)}`,
      value: 1_000 * id,
      currency: "EUR",
      user_id: (id % directory.users) + 1,
      person_id: (id * 53) % directory.persons + 1,
      org_id: orgId,
      pipeline_id: 1,
      stage_id: (id % 5) + 1,
      status: "open",
      lead_id: null,
      add_time: time,
      update_time: time
    }
  })

const entityNotFound = notFound("Entity was not found")
const conflict = (what: string) => badRequest(`A conversion of this ${what} is already in progress.`, "Conversion in progress")

export class Conversions {
  readonly deals = new Map<number, Deal>()
  private readonly jobs = new Map<string, Job>()
  /** Outcomes forced on the next jobs, in order (the fault plan of conversions). */
  private readonly forced: Array<Exclude<Outcome, "completed">> = []
  private nextDealId: number

  constructor(
    private readonly leads: LeadStore,
    directory: Directory,
    private readonly ids: Rng,
    deals = 10
  ) {
    for (const deal of seedDeals(deals, directory)) this.deals.set(deal.id, deal)
    this.nextDealId = deals + 1
  }

  /** The next `count` conversions end `outcome` instead of completing. */
  force(outcome: Exclude<Outcome, "completed">, count = 1): void {
    for (let i = 0; i < count; i++) this.forced.push(outcome)
  }

  job(id: string): Job | undefined {
    return this.jobs.get(id)
  }

  statusAt(job: Job, now: number): Status {
    const age = now - job.createdAt
    return age < conversionTimes.startsAfter ? "not_started" : age < conversionTimes.endsAfter ? "running" : job.outcome
  }

  /** Ends every job whose time has come, in the order they were started. */
  settle(now: number): void {
    for (const job of this.jobs.values()) {
      if (!job.settled && now - job.createdAt >= conversionTimes.endsAfter) this.finish(job)
      if (job.settled && now - job.createdAt >= conversionTimes.endsAfter + conversionTimes.expiresAfter) {
        this.jobs.delete(job.id)
      }
    }
  }

  private pending(direction: Direction, source: string): boolean {
    for (const job of this.jobs.values()) {
      if (!job.settled && job.direction === direction && job.source === source) return true
    }
    return false
  }

  private start(direction: Direction, source: string, now: number, pipelineId = 1, stageId = 1): Reply {
    const job: Job = {
      id: this.ids.uuid(),
      direction,
      source,
      createdAt: now,
      pipelineId,
      stageId,
      outcome: this.forced.shift() ?? "completed",
      result: undefined,
      settled: false
    }
    this.jobs.set(job.id, job)
    return success(200, { conversion_id: job.id }, null)
  }

  private finish(job: Job): void {
    job.settled = true
    if (job.outcome !== "completed") return
    const at = job.createdAt + conversionTimes.endsAfter
    if (job.direction === "leadToDeal") {
      const lead = this.leads.get(job.source)?.lead
      if (lead === undefined) {
        job.outcome = "failed"
        return
      }
      const deal = this.dealFrom(lead, job, at)
      this.deals.set(deal.id, deal)
      this.leads.delete(lead.id)
      job.result = deal.id
    } else {
      const deal = this.deals.get(Number(job.source))
      if (deal === undefined) {
        job.outcome = "failed"
        return
      }
      const lead = this.leadFrom(deal, at)
      this.leads.put(lead)
      this.deals.delete(deal.id)
      job.result = lead.id
    }
  }

  private dealFrom(lead: Lead, job: Job, at: number): Deal {
    const custom = Object.fromEntries(Object.entries(lead).filter(([key]) => isCustomFieldKey(key)))
    return {
      ...custom,
      id: this.nextDealId++,
      title: lead.title,
      value: lead.value?.amount ?? 0,
      currency: lead.value?.currency ?? "EUR",
      user_id: lead.owner_id ?? tokenUserId,
      person_id: lead.person_id ?? null,
      org_id: lead.organization_id ?? null,
      pipeline_id: job.pipelineId,
      stage_id: job.stageId,
      status: "open",
      lead_id: lead.id,
      add_time: timestamp(at),
      update_time: timestamp(at)
    }
  }

  private leadFrom(deal: Deal, at: number): Lead {
    const custom = Object.fromEntries(Object.entries(deal).filter(([key]) => isCustomFieldKey(key)))
    return {
      ...custom,
      id: this.ids.uuid(),
      title: deal.title,
      owner_id: deal.user_id,
      creator_id: tokenUserId,
      label_ids: [],
      value: { amount: deal.value, currency: deal.currency },
      expected_close_date: null,
      person_id: deal.person_id,
      organization_id: deal.org_id,
      is_archived: false,
      source_name: "Deal",
      origin: "Deal",
      origin_id: null,
      channel: null,
      channel_id: null,
      was_seen: false,
      next_activity_id: null,
      add_time: timestamp(at),
      update_time: timestamp(at),
      visible_to: "3",
      cc_email: `test-company+deal${deal.id}@pipedrivemail.com`,
      archive_time: null,
      source_deal_id: deal.id
    }
  }

  /** Where a converted lead's deal goes: `stage_id` wins; else the first stage of `pipeline_id` (or of pipeline 1). */
  private placement(body: Record<string, unknown>): Either.Either<{ pipelineId: number; stageId: number }, string> {
    const unknown = Object.keys(body).find((key) => key !== "stage_id" && key !== "pipeline_id")
    if (unknown !== undefined) return Either.left(`"${unknown}" is not allowed`)
    const { pipeline_id, stage_id } = body
    for (const [key, value] of [["stage_id", stage_id], ["pipeline_id", pipeline_id]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || (value as number) <= 0)) {
        return Either.left(`"${key}" must be a positive integer`)
      }
    }
    if (stage_id !== undefined) {
      const pipeline = pipelines.find((p) => p.stages.includes(stage_id as number))
      return pipeline === undefined
        ? Either.left(`Stage with id ${stage_id} was not found`)
        : Either.right({ pipelineId: pipeline.id, stageId: stage_id as number })
    }
    const pipeline = pipelines.find((p) => p.id === (pipeline_id ?? 1))
    return pipeline === undefined
      ? Either.left(`Pipeline with id ${pipeline_id} was not found`)
      : Either.right({ pipelineId: pipeline.id, stageId: pipeline.stages[0]! })
  }

  private status(call: Call, direction: Direction, source: string | undefined): Reply {
    const job = this.jobs.get(call.params.conversion_id ?? "")
    if (job === undefined || job.direction !== direction || job.source !== source) return entityNotFound
    const status = this.statusAt(job, call.now)
    const created = status === "completed"
      ? direction === "leadToDeal" ? { deal_id: job.result } : { lead_id: job.result }
      : {}
    return success(200, { conversion_id: job.id, status, ...created }, null)
  }

  readonly handlers = {
    convertLeadToDeal: (call: Call): Reply => {
      this.settle(call.now)
      const id = call.params.id ?? ""
      if (!uuidPattern.test(id)) return badRequest(`"id" must be a valid GUID`)
      const body = call.request.body === undefined || call.request.body.trim() === ""
        ? Either.right({})
        : parseObject(call.request.body)
      return Either.match(Either.flatMap(body, (object) => this.placement(object)), {
        onLeft: (info) => badRequest(info),
        onRight: ({ pipelineId, stageId }) => {
          const lead = this.leads.get(id)?.lead
          if (lead === undefined) return entityNotFound
          if (lead.is_archived) {
            return badRequest("Unarchive the lead first (is_archived: false) to convert it.", "Archived leads cannot be converted")
          }
          if (this.pending("leadToDeal", id)) return conflict("lead")
          return this.start("leadToDeal", id, call.now, pipelineId, stageId)
        }
      })
    },
    getLeadConversionStatus: (call: Call): Reply => {
      this.settle(call.now)
      return this.status(call, "leadToDeal", call.params.id)
    },
    convertDealToLead: (call: Call): Reply => {
      this.settle(call.now)
      const raw = call.params.id ?? ""
      if (!/^\d+$/.test(raw) || Number(raw) <= 0) return badRequest(`"id" must be a positive integer`)
      if (!this.deals.has(Number(raw))) return entityNotFound
      if (this.pending("dealToLead", raw)) return conflict("deal")
      return this.start("dealToLead", raw, call.now)
    },
    getDealConversionStatus: (call: Call): Reply => {
      this.settle(call.now)
      return this.status(call, "dealToLead", call.params.id)
    }
  }
}

