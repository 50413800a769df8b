import * as Data from "effect/Data"
import type { Method } from "../../Operation.js"
import type { OperationName } from "./contract.js"
import type { Rng } from "./random.js"

/** The operation names of the OpenAPI excerpts (`addLead`, `getLeadLabels`, `searchLeadsV2`, …). */
export type EndpointName = OperationName

/** What can go wrong with one request. */
export type Fault = Data.TaggedEnum<{
  /** A 5xx with Pipedrive's JSON envelope; nothing is processed. */
  ServerError: { readonly status: 500 | 502 | 503 | 504 }
  /** The connection drops after the request arrived, before anything was processed. */
  ResetBeforeProcessing: {}
  /** The write is committed (the lead IS created, changed or deleted), then the connection drops. */
  ResetAfterCommit: {}
  /** The request is processed and a 2xx is sent whose JSON text is cut short. */
  TruncatedBody: {}
  /** Pipedrive's edge blocks the client: 403 with an HTML page; nothing is processed. */
  HtmlForbidden: {}
  /** A burst-window 429 although the window has room; nothing is processed. */
  RateLimited: {}
  /** The request waits this long before it is processed (combines with the other faults). */
  Latency: { readonly millis: number }
}>

export const Fault = Data.taggedEnum<Fault>()

/** Which of the matching requests a rule fires on. */
export type Trigger = Data.TaggedEnum<{
  /** Every matching request. */
  Always: {}
  /** The next `count` matching requests, then never again. */
  Next: { readonly count: number }
  /** Every `n`-th matching request (the n-th, the 2n-th, …). */
  EveryNth: { readonly n: number }
  /** Each matching request with probability `rate`, drawn from the model's seeded generator. */
  Rate: { readonly rate: number }
}>

export const Trigger = Data.taggedEnum<Trigger>()

/** A fault, the requests it applies to, and when it fires. */
export interface FaultRule {
  readonly fault: Fault
  /** Only these operations (default: every endpoint). */
  readonly endpoints?: ReadonlyArray<EndpointName> | undefined
  /** Only these methods (default: every method). */
  readonly methods?: ReadonlyArray<Method> | undefined
  /** Default: `Trigger.Always()`. */
  readonly when?: Trigger | undefined
}

interface ArmedRule {
  readonly rule: FaultRule
  matched: number
  fired: number
}

/** The faults chosen for one request: the total latency, and at most one other fault. */
export interface Selection {
  readonly latencyMillis: number
  readonly fault: Exclude<Fault, { readonly _tag: "Latency" }> | undefined
}

const noFault: Selection = { latencyMillis: 0, fault: undefined }

/**
 * The fault rules in force. Rules are checked in order: every Latency rule that fires adds
 * its delay; the first other rule that fires decides the fault, and the rules after it are
 * not consulted for that request (their counters do not move).
 */
export class FaultPlan {
  private rules: Array<ArmedRule> = []

  constructor(private readonly rng: Rng) {}

  set(rules: ReadonlyArray<FaultRule>): void {
    this.rules = rules.map((rule) => ({ rule, matched: 0, fired: 0 }))
  }

  add(rule: FaultRule): void {
    this.rules.push({ rule, matched: 0, fired: 0 })
  }

  private fires(armed: ArmedRule): boolean {
    armed.matched++
    const when = armed.rule.when ?? Trigger.Always()
    const fire = Trigger.$match(when, {
      Always: () => true,
      Next: ({ count }) => armed.fired < count,
      EveryNth: ({ n }) => n > 0 && armed.matched % n === 0,
      Rate: ({ rate }) => this.rng.next() < rate
    })
    if (fire) armed.fired++
    return fire
  }

  select(endpoint: EndpointName, method: Method): Selection {
    if (this.rules.length === 0) return noFault
    let latencyMillis = 0
    for (const armed of this.rules) {
      const { endpoints, methods } = armed.rule
      if (endpoints !== undefined && !endpoints.includes(endpoint)) continue
      if (methods !== undefined && !methods.includes(method)) continue
      const fault = armed.rule.fault
      if (fault._tag === "Latency") {
        if (this.fires(armed)) latencyMillis += fault.millis
      } else if (this.fires(armed)) {
        return { latencyMillis, fault }
      }
    }
    return { latencyMillis, fault: undefined }
  }
}
