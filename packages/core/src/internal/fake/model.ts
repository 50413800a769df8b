import type { Lead } from "../../Lead.js"
import { defaultDirectory, type Directory } from "./directory.js"
import { type Fault, FaultPlan, type FaultRule } from "./faults.js"
import type { Outcome as ConversionOutcome, Deal } from "./conversions.js"
import { makeDomain } from "./domain.js"
import type { Label } from "./labels.js"
import { type Handlers, makeHandlers } from "./leadsApi.js"
import { defaultLimits, type Limits, type LimitsInput, mergeLimits, ServerLimiter } from "./limits.js"
import { OAuthServer, type OAuthOptions, unauthorizedBody as oauthUnauthorizedBody } from "./oauth.js"
import { makeRng, streams } from "./random.js"
import type { Call, Reply } from "./replies.js"
import { matchRoute, type Route } from "./routes.js"
import { seedLeads } from "./seed.js"
import { LeadStore } from "./store.js"
import * as Wire from "./wire.js"

export interface ModelOptions {
  /** Leads to start with: a number of seeded leads, or the leads themselves. */
  readonly leads?: number | ReadonlyArray<Lead> | undefined
  /** Seeds the generated leads, the ids of created leads and fault rates (default 1). */
  readonly seed?: number | undefined
  /** The token the model accepts, as `x-api-token` or `Authorization: Bearer` (default `pipedrive-test-token`). */
  readonly token?: string | undefined
  readonly limits?: LimitsInput | undefined
  readonly faults?: ReadonlyArray<FaultRule> | undefined
  /** How many users, persons and organizations exist (ids 1..n). */
  readonly directory?: Partial<Directory> | undefined
  /** The OAuth server beside the API: the app's credentials, token lifetime, rotation. */
  readonly oauth?: OAuthOptions | undefined
}

export interface Stats {
  /** Every request received, answered or not. */
  readonly requests: number
  /** Every 429 sent: burst or search window, daily budget, injected. */
  readonly rateLimited: number
  /** The most requests admitted in one burst window (searches included). */
  readonly peakPerWindow: number
  /** The most searches admitted in one search window. */
  readonly peakSearchPerWindow: number
  /** Requests received per operation name (`unknown` for other paths). */
  readonly byEndpoint: Readonly<Record<string, number>>
  /** Answers per status code, and `reset` for dropped connections. */
  readonly byStatus: Readonly<Record<string, number>>
  /** Injected faults per kind. */
  readonly faults: Readonly<Record<string, number>>
}

/** The in-memory Pipedrive, synchronous: every transport drives it the same way. */
export interface Model {
  readonly token: string
  /** `oauth.pipedrive.com`: requests whose path starts with `/oauth/` go there. */
  readonly oauth: OAuthServer
  readonly handle: (request: Wire.Request, now: number) => Wire.Outcome
  readonly leads: () => ReadonlyArray<Lead>
  readonly lead: (id: string) => Lead | undefined
  readonly insertLeads: (leads: ReadonlyArray<Lead>) => void
  /** The company's lead labels. */
  readonly labels: () => ReadonlyArray<Label>
  /** The deals (seeded ones, and those conversions created). */
  readonly deals: () => ReadonlyArray<Deal>
  /** The next `count` conversions end with `outcome` instead of completing. */
  readonly endConversions: (outcome: Exclude<ConversionOutcome, "completed">, count: number) => void
  readonly setFaults: (rules: ReadonlyArray<FaultRule>) => void
  readonly addFault: (rule: FaultRule) => void
  readonly limits: () => Limits
  readonly setLimits: (limits: LimitsInput) => void
  readonly resetRateLimits: () => void
  readonly stats: () => Stats
  readonly resetStats: () => void
}

export const defaultToken = "pipedrive-test-token"

const serverErrors: Record<500 | 502 | 503 | 504, readonly [string, string]> = {
  500: ["Internal server error", "Something went wrong. Please try again later."],
  502: ["Bad gateway", "The upstream service did not answer."],
  503: ["Service unavailable", "Pipedrive is under maintenance. Please try again later."],
  504: ["Gateway timeout", "The upstream service did not answer in time."]
}

const tooManyRequests = Wire.errorBody(
  "Too many requests",
  "Request rate limit reached. Slow down and retry after the time in x-ratelimit-reset."
)
const budgetSpent = Wire.errorBody(
  "Daily token limit reached",
  "The company's daily API token budget is spent; it refills at midnight."
)

const bearer = (authorization: string | undefined): string | undefined => {
  const match = authorization === undefined ? null : /^Bearer\s+(.+)$/i.exec(authorization.trim())
  return match?.[1]
}

const increment = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1
}

export const makeModel = (options: ModelOptions = {}): Model => {
  const seed = options.seed ?? 1
  const token = options.token ?? defaultToken
  const directory: Directory = { ...defaultDirectory, ...options.directory }
  const store = new LeadStore()
  const limiter = new ServerLimiter(mergeLimits(defaultLimits, options.limits))
  const faults = new FaultPlan(makeRng(seed, streams.faults))
  faults.set(options.faults ?? [])

  if (typeof options.leads === "number") {
    for (const { lead, notes } of seedLeads(options.leads, seed, directory)) store.put(lead, notes)
  } else {
    for (const lead of options.leads ?? []) store.put(lead)
  }
  const oauth = new OAuthServer(options.oauth, seed)
  const domain = makeDomain(store, directory, makeRng(seed, streams.domain))
  const handlers: Handlers = { ...makeHandlers(store, directory, makeRng(seed, streams.ids)), ...domain.handlers }
  let correlation = 0

  let stats = {
    requests: 0,
    rateLimited: 0,
    byEndpoint: {} as Record<string, number>,
    byStatus: {} as Record<string, number>,
    faults: {} as Record<string, number>
  }

  const send = (
    status: number,
    text: string,
    headers: Record<string, string>,
    contentType = Wire.jsonContentType
  ): Wire.Response => {
    increment(stats.byStatus, String(status))
    const correlationId = `pdt-${(++correlation).toString(16).padStart(8, "0")}`
    return { status, headers: { "content-type": contentType, "x-correlation-id": correlationId, ...headers }, body: text }
  }
  const respond = (reply: Reply, headers: Record<string, string>): Wire.Outcome => ({
    _tag: "Respond",
    response: send(reply.status, JSON.stringify(reply.body), headers)
  })
  const reset = (phase: "beforeProcessing" | "afterCommit"): Wire.Outcome => {
    increment(stats.byStatus, "reset")
    return { _tag: "Reset", phase }
  }

  const serve = (
    route: Route,
    call: Call,
    fault: Exclude<Fault, { readonly _tag: "Latency" }> | undefined,
    headers: Record<string, string>
  ): Wire.Outcome => {
    const handler = handlers[route.name]
    const process = (): Reply =>
      handler === undefined
        ? { status: 501, body: Wire.errorBody("Not implemented", `the in-memory Pipedrive does not serve ${route.name}`) }
        : handler(call)
    if (fault === undefined) return respond(process(), headers)
    switch (fault._tag) {
      case "ServerError": {
        const [error, info] = serverErrors[fault.status]
        return respond({ status: fault.status, body: Wire.errorBody(error, info) }, headers)
      }
      case "HtmlForbidden":
        return { _tag: "Respond", response: send(403, Wire.blockedPage, headers, Wire.htmlContentType) }
      case "RateLimited":
        stats.rateLimited++
        return respond({ status: 429, body: tooManyRequests }, limiter.rejection(route.window, call.now))
      case "ResetBeforeProcessing":
        return reset("beforeProcessing")
      case "ResetAfterCommit":
        process()
        return reset("afterCommit")
      case "TruncatedBody": {
        const reply = process()
        if (reply.status < 200 || reply.status >= 300) return respond(reply, headers)
        const { body, ...response } = send(reply.status, JSON.stringify(reply.body), headers)
        return { _tag: "Truncated", response: { ...response, body: body.slice(0, Math.floor(body.length / 2)) } }
      }
    }
  }

  const handle = (request: Wire.Request, now: number): Wire.Outcome => {
    if (OAuthServer.owns(request.path)) return { _tag: "Respond", response: oauth.handle(request, now) }
    stats.requests++
    const match = matchRoute(request.method, request.path)
    increment(stats.byEndpoint, match._tag === "Found" ? match.route.name : "unknown")
    const window = match._tag === "Found" ? match.route.window : "burst"
    // Pipedrive also takes the token as a query parameter; the model does not: a client that puts its token in
    // a URL (where proxies and logs keep it) fails every test that runs against it.
    const bearerToken = bearer(request.headers.authorization)
    const presented = request.headers["x-api-token"] ?? bearerToken
    if (presented !== token) {
      // An OAuth access token is good until it expires or is revoked, as Pipedrive has it.
      const state = bearerToken === undefined || presented !== bearerToken ? "invalid" : oauth.check(bearerToken, now)
      if (state !== "valid") {
        const body = state === "expired" ? oauthUnauthorizedBody(state) : Wire.unauthorizedBody
        return respond({ status: 401, body }, limiter.headers(window, now))
      }
    }
    if (match._tag !== "Found") {
      const [status, error] = match._tag === "NotFound" ? [404, "Unknown method"] : [405, "Method not allowed"] as const
      return respond(
        { status, body: Wire.errorBody(error, `${request.method} ${request.path} is not part of Pipedrive's lead API`) },
        limiter.headers("burst", now)
      )
    }
    const { params, route } = match
    const admission = limiter.admit(route, now)
    if (admission._tag !== "Admitted") {
      stats.rateLimited++
      const body = admission._tag === "BudgetSpent" ? budgetSpent : tooManyRequests
      return respond({ status: 429, body }, admission.headers)
    }
    const { fault, latencyMillis } = faults.select(route.name, route.method)
    if (fault !== undefined) increment(stats.faults, fault._tag)
    if (latencyMillis > 0) increment(stats.faults, "Latency")
    const proceed = (at: number) => {
      // Conversions that ended by now take effect before any endpoint looks at the leads.
      domain.settle(at)
      return serve(route, { request, params, now: at }, fault, admission.headers)
    }
    return latencyMillis > 0 ? { _tag: "Delay", millis: latencyMillis, resume: proceed } : proceed(now)
  }

  return {
    token,
    oauth,
    handle,
    leads: () => store.all().map((entry) => entry.lead),
    lead: (id) => store.get(id)?.lead,
    labels: () => domain.labels.all(),
    deals: () => [...domain.conversions.deals.values()],
    endConversions: (outcome, count) => domain.conversions.force(outcome, count),
    insertLeads: (leads) => {
      for (const lead of leads) store.put(lead)
    },
    setFaults: (rules) => faults.set(rules),
    addFault: (rule) => faults.add(rule),
    limits: () => limiter.limits,
    setLimits: (limits) => {
      limiter.limits = mergeLimits(limiter.limits, limits)
    },
    resetRateLimits: () => limiter.reset(),
    stats: () => ({
      requests: stats.requests,
      rateLimited: stats.rateLimited,
      peakPerWindow: limiter.peaks().burst,
      peakSearchPerWindow: limiter.peaks().search,
      byEndpoint: { ...stats.byEndpoint },
      byStatus: { ...stats.byStatus },
      faults: { ...stats.faults }
    }),
    resetStats: () => {
      stats = { requests: 0, rateLimited: 0, byEndpoint: {}, byStatus: {}, faults: {} }
      limiter.resetPeaks()
    }
  }
}
