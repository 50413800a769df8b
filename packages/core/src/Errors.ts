/**
 * Everything that can go wrong calling Pipedrive, one tagged error per thing a caller may
 * want to handle differently. Each says the method and path it concerns — never the token.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * Marks the errors of this module: {@link isPipedriveError} tells them from any other value.
 *
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@effect-pipedrive/core/Errors")

/**
 * What every error carries: the request it concerns.
 */
const request = {
  method: Schema.String,
  path: Schema.String
}

/**
 * What every error that came back from Pipedrive (or never arrived) carries besides.
 */
const response = {
  ...request,
  /** How many attempts were made before giving up (1 when not retried). */
  attempts: Schema.optionalWith(Schema.Int, { default: () => 1 }),
  /** Pipedrive's `x-correlation-id`, to quote to their support. */
  correlationId: Schema.optional(Schema.String)
}

const fromServer = {
  ...response,
  status: Schema.Int,
  /** Pipedrive's short `error` text. */
  error: Schema.optional(Schema.String),
  /** Pipedrive's `error_info` hint (or the gateway's `errorCode`). */
  errorInfo: Schema.optional(Schema.String)
}

const describe = (self: { readonly method: string; readonly path: string }, text: string) =>
  `${self.method} ${self.path}: ${text}`

const serverText = (self: { readonly status: number; readonly error?: string | undefined; readonly errorInfo?: string | undefined }) =>
  [`HTTP ${self.status}`, self.error, self.errorInfo].filter(Predicate.isNotUndefined).join(" — ")

const attemptsText = (self: { readonly attempts: number }) =>
  self.attempts > 1 ? ` (after ${self.attempts} attempts)` : ""

/**
 * The input was rejected before anything was sent.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { PipedriveTest } from "@effect-pipedrive/core/testing"
 * import { Effect } from "effect"
 *
 * // A limit over 500 is refused before any request is made.
 * const issues = await Effect.flatMap(Leads.Leads, (leads) => leads.getLeads({ limit: 501 })).pipe(
 *   Effect.flip,
 *   Effect.map((error) => error._tag === "InvalidInput" ? error.issues : []),
 *   Effect.provide(PipedriveTest.layer()),
 *   Effect.runPromise
 * )
 * assert.ok(issues.length > 0)
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  ...request,
  operation: Schema.String,
  /** One human sentence per problem found. */
  issues: Schema.Array(Schema.String)
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(this, `invalid input for ${this.operation}: ${this.issues.join("; ")} (nothing was sent)`)
  }
}

/**
 * 400: Pipedrive rejected the request; `errorInfo` says why.
 *
 * @example
 * ```ts
 * import { Errors, Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const create = (title: string, organizationId: number) =>
 *   Effect.flatMap(Leads.Leads, (leads) => leads.addLead({ title, organization_id: organizationId })).pipe(
 *     Effect.catchTag("BadRequest", (error) => Effect.logWarning(`Pipedrive refused the lead: ${error.errorInfo}`))
 *   )
 *
 * const error = new Errors.BadRequest({ method: "POST", path: "/v1/leads", status: 400, error: "Bad request" })
 * assert.strictEqual(error.message, "POST /v1/leads: HTTP 400 — Bad request")
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", fromServer) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(this, serverText(this))
  }
}

/**
 * 401: the API or OAuth token is missing, wrong or expired.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // A wrong or revoked token: retrying will not help, so stop and say so.
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("Unauthorized", (error) => Effect.dieMessage(error.message))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", fromServer) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(this, `${serverText(this)} — check the API token (or refresh the OAuth token)`)
  }
}

/**
 * 402: the company account is not open (trial over or unpaid).
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("PaymentRequired", () => Effect.logError("the Pipedrive subscription has lapsed"))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PaymentRequired extends Schema.TaggedError<PaymentRequired>()("PaymentRequired", fromServer) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(this, `${serverText(this)} — the Pipedrive company account is not active`)
  }
}

/**
 * 403: not allowed (permissions, OAuth scope, plan), or — `blocked: true` — an HTML page from
 * Pipedrive's edge after a client kept sending through 429s.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLead("4b7c5e4c-2a61-11ef-9e8f-5d6a1f2b3c4d")).pipe(
 *   Effect.catchTag("Forbidden", (error) =>
 *     error.blocked
 *       ? Effect.logError("blocked by Pipedrive's edge: slow down")
 *       : Effect.logWarning(`not allowed: ${error.errorInfo}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  ...fromServer,
  blocked: Schema.Boolean
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(
      this,
      this.blocked
        ? `HTTP 403 — blocked by Pipedrive's edge (an HTML page, not the API): slow down and respect the rate limits`
        : serverText(this)
    )
  }
}

/**
 * 404: no such lead.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { PipedriveTest } from "@effect-pipedrive/core/testing"
 * import { Effect, Option } from "effect"
 *
 * const findLead = (id: string) =>
 *   Effect.flatMap(Leads.Leads, (leads) => leads.getLead(id)).pipe(
 *     Effect.map(Option.some),
 *     Effect.catchTag("NotFound", () => Effect.succeedNone)
 *   )
 *
 * const found = await findLead("00000000-0000-0000-0000-000000000000").pipe(
 *   Effect.provide(PipedriveTest.layer({ leads: 1 })),
 *   Effect.runPromise
 * )
 * assert.ok(Option.isNone(found))
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", fromServer) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(this, serverText(this))
  }
}

/**
 * 429 from the burst window (or the separate search window): retryable after `retryAfterMillis`.
 * `status` is absent when the client's own limiter refused to send because the request could
 * not get a slot before the retry deadline; `retryAfterMillis` then says the earliest it could.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // Retries already waited as Pipedrive asked; what reaches here outlasted them.
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("RateLimited", (error) =>
 *     Effect.logWarning(`rate limited (${error.scope}), retry after ${error.retryAfterMillis ?? "?"} ms`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...fromServer,
  status: Schema.optional(Schema.Int),
  scope: Schema.Literal("burst", "search"),
  /** From `Retry-After`, else `x-ratelimit-reset`; absent when Pipedrive said neither. */
  retryAfterMillis: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    const wait = this.retryAfterMillis === undefined ? "" : `, retry after ${this.retryAfterMillis} ms`
    const said = this.status === undefined
      ? "no slot before the retry deadline (nothing was sent)"
      : serverText({ ...this, status: this.status })
    return describe(this, `${said} — ${this.scope} rate limit reached${wait}${attemptsText(this)}`)
  }
}

/**
 * The company's daily token budget is spent: every request fails until it resets, so this is
 * never retried. `status` is absent when the client refused to send, knowing the budget spent.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("DailyBudgetExhausted", (error) =>
 *     Effect.logWarning(`out of API tokens until ${error.resetsAt?.toISOString() ?? "midnight"}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class DailyBudgetExhausted extends Schema.TaggedError<DailyBudgetExhausted>()("DailyBudgetExhausted", {
  ...response,
  status: Schema.optional(Schema.Int),
  /** The tokens this request needed. */
  cost: Schema.Int,
  /** The tokens left, as last known. */
  remaining: Schema.optional(Schema.Number),
  /** When the budget is expected back (midnight, Pipedrive's server time). */
  resetsAt: Schema.optional(Schema.DateFromSelf)
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    const when = this.resetsAt === undefined ? "at midnight, Pipedrive server time" : `at ${this.resetsAt.toISOString()}`
    const left = this.remaining === undefined ? "" : ` (${this.remaining} tokens left, ${this.cost} needed)`
    return describe(this, `daily API token budget exhausted${left}; it resets ${when}`)
  }
}

/**
 * 5xx: trouble at Pipedrive (503 during maintenance).
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // Retried with backoff by the client; what reaches here outlasted the retries.
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("ServerError", (error) => Effect.logError(`Pipedrive failed after ${error.attempts} attempts`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  ...fromServer,
  /** From `Retry-After` (503 during maintenance), when Pipedrive sent it. */
  retryAfterMillis: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(this, `${serverText(this)}${attemptsText(this)}`)
  }
}

/**
 * Any other non-2xx status (405, 410, 415, 422, …).
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("UnexpectedStatus", (error) => Effect.logError(`HTTP ${error.status}: ${error.message}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>()("UnexpectedStatus", fromServer) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(this, serverText(this))
  }
}

/**
 * A 2xx response whose body says `success: false`: Pipedrive (or a gateway in front of it)
 * refused the request while answering with a success status; `error` and `errorInfo` carry its
 * explanation. A tag of its own, not `BadRequest`: nothing says the input was at fault, and a
 * handler written for 400s should not have to tell the two apart by status. Not retried.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("UnsuccessfulResponse", (error) =>
 *     Effect.logError(`Pipedrive said no: ${error.error}; quote ${error.correlationId} to their support`))
 * )
 * ```
 *
 * @since 0.2.0
 * @category errors
 */
export class UnsuccessfulResponse extends Schema.TaggedError<UnsuccessfulResponse>()("UnsuccessfulResponse", fromServer) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(this, `${serverText(this)} — the response says success: false`)
  }
}

/**
 * The connection failed. `requestSent` says whether the request may have reached Pipedrive:
 * when it may have, a POST is not retried (it could have created the lead).
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.addLead({ title: "ACME", organization_id: 42 })).pipe(
 *   // The lead may exist when the request was sent: look before creating it again.
 *   Effect.catchTag("TransportError", (error) =>
 *     error.requestSent ? Effect.logWarning("check whether the lead was created") : Effect.fail(error))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  ...response,
  requestSent: Schema.Boolean,
  /** The system error code, such as `ECONNREFUSED` or `ECONNRESET`, when there is one. */
  code: Schema.optional(Schema.String),
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    const sent = this.requestSent ? "the request may have reached Pipedrive" : "the request was not sent"
    return describe(this, `transport failure: ${this.reason}; ${sent}${attemptsText(this)}`)
  }
}

/**
 * An attempt took longer than the configured timeout.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("RequestTimeout", (error) => Effect.logWarning(`no answer within ${error.timeoutMillis} ms`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>()("RequestTimeout", {
  ...response,
  timeoutMillis: Schema.Number
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(this, `no complete response within ${this.timeoutMillis} ms${attemptsText(this)}`)
  }
}

/**
 * A 2xx response whose body is not what the contract says: `at` is the path into the JSON.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("ResponseDecodeError", (error) => Effect.logError(`unexpected body at ${error.at}: ${error.detail}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseDecodeError extends Schema.TaggedError<ResponseDecodeError>()("ResponseDecodeError", {
  ...response,
  status: Schema.Int,
  /** Where in the body it failed, such as `data[3].visible_to` (empty for the body itself). */
  at: Schema.String,
  detail: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(this, `unexpected response body (HTTP ${this.status}) at ${this.at || "<body>"}: ${this.detail}`)
  }
}

/**
 * The response body was larger than the client's `maxResponseBytes` cap: the connection was
 * closed as soon as that was known (at once when `Content-Length` said so, else when the bytes
 * read passed the cap), without reading the rest. Never retried: the same request would bring
 * the same body back.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads({ limit: 500 })).pipe(
 *   Effect.catchTag("ResponseTooLarge", (error) =>
 *     Effect.logError(`a page was over ${error.maxBytes} bytes: ask for fewer leads per page`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseTooLarge extends Schema.TaggedError<ResponseTooLarge>()("ResponseTooLarge", {
  ...response,
  status: Schema.Int,
  /** The cap in force. */
  maxBytes: Schema.Number,
  /** The size `Content-Length` declared, when it was over the cap. */
  declaredBytes: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    const size = this.declaredBytes === undefined
      ? `more than ${this.maxBytes} bytes arrived`
      : `Content-Length is ${this.declaredBytes} bytes`
    return describe(
      this,
      `response body too large (HTTP ${this.status}): ${size}, over the cap of ${this.maxBytes} bytes (maxResponseBytes); the connection was closed`
    )
  }
}

/**
 * The rate-limit store shared by several processes (Redis, say) did not answer in time or
 * could not be reached, so the request could not be given a slot and was not sent. Not
 * retried: a store outage outlasts a backoff, and sending without a slot could put the whole
 * fleet over Pipedrive's limit. A store can instead be configured to fall back to limits
 * counted in this process.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // The shared limiter (Redis, say) is down: nothing was sent.
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("RateLimitStoreError", (error) => Effect.logError(`rate-limit store: ${error.reason}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitStoreError extends Schema.TaggedError<RateLimitStoreError>()("RateLimitStoreError", {
  ...request,
  /** How many attempts were made before giving up (1 when not retried). */
  attempts: Schema.optionalWith(Schema.Int, { default: () => 1 }),
  /** What the store said went wrong (never its credentials). */
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    return describe(
      this,
      `the shared rate-limit store is unavailable (${this.reason}); the request was not sent${attemptsText(this)}`
    )
  }
}

/**
 * Pipedrive's OAuth server refused a grant or failed: the code exchange, a refresh or a
 * revocation. `error` is the OAuth error code (`invalid_grant`, `invalid_client`, …) when it
 * sent one. A refused refresh is never retried: the message says what to do instead.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("OAuthError", (error) =>
 *     error.reauthorize
 *       ? Effect.logError("the user must authorize the app again")
 *       : Effect.fail(error))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class OAuthError extends Schema.TaggedError<OAuthError>()("OAuthError", {
  ...request,
  /** What was asked: a code exchange, a refresh, a revocation. */
  grant: Schema.Literal("authorization_code", "refresh_token", "revoke"),
  status: Schema.Int,
  /** The OAuth error code, such as `invalid_grant`. */
  error: Schema.optional(Schema.String),
  /** The server's explanation, with any secret of the request blanked out. */
  description: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  /** The grant is gone for good (revoked, expired, the app uninstalled): only a new authorization helps. */
  get reauthorize(): boolean {
    return this.grant === "refresh_token" && (this.error === "invalid_grant" || this.status === 401 && this.error === undefined)
  }
  override get message() {
    const said = [`HTTP ${this.status}`, this.error, this.description].filter(Predicate.isNotUndefined).join(" — ")
    const advice = this.error === "invalid_client"
      ? "check the app's client id and client secret"
      : this.reauthorize
      ? "the refresh token was refused (revoked, unused for 60 days, or the app was uninstalled): re-authorize — send the user through the authorization URL again and exchange the new code"
      : this.grant === "authorization_code" && this.error === "invalid_grant"
      ? "the authorization code is unknown, already used or expired, or the redirect URI differs: start the authorization again"
      : this.status >= 500
      ? "Pipedrive's OAuth server failed; try again later"
      : `the ${this.grant === "revoke" ? "revocation" : "token request"} was refused`
    return describe(this, `${said}: ${advice}`)
  }
}

/**
 * The OAuth token store (Redis, a database, …) could not be read or written, or its refresh
 * lock could not be had in time, so the request was not sent.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("TokenStoreError", (error) => Effect.logError(`token store (${error.operation}): ${error.reason}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenStoreError extends Schema.TaggedError<TokenStoreError>()("TokenStoreError", {
  ...request,
  /** What could not be done: read the tokens, write them, or take the refresh lock. */
  operation: Schema.Literal("get", "set", "lock"),
  /** What the store said went wrong (never its credentials, never a token). */
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    const what = this.operation === "lock"
      ? "take the refresh lock"
      : this.operation === "get"
      ? "read the tokens"
      : "write the tokens"
    return describe(this, `the OAuth token store could not ${what} (${this.reason}); the request was not sent`)
  }
}

/**
 * A walk over pages stopped because Pipedrive's pagination did not move forward: a page said
 * `more_items_in_collection: true` with a `next_start` at or before its own `start`, or more
 * empty pages claiming more came in a row than a walk follows (see `Pagination.maxEmptyPages`).
 * The items of the pages before it (and of this page) were emitted; nothing past it is fetched.
 * Never retried: asking again gets the same answer.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { Effect, Stream } from "effect"
 *
 * // The leads before the stall were emitted; the walk then fails with the page it stopped at.
 * const program = Effect.flatMap(Leads.Leads, (leads) =>
 *   leads.streamLeads().pipe(
 *     Stream.catchTag("PaginationStalled", (error) =>
 *       Stream.fromEffect(Effect.logWarning(`stopped at start ${error.start}`)).pipe(Stream.drain)),
 *     Stream.runCount
 *   ))
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PaginationStalled extends Schema.TaggedError<PaginationStalled>()("PaginationStalled", {
  ...request,
  /**
   * `notForward`: the next page would start at or before this one; `emptyPages`: too many
   * empty pages claiming more came in a row.
   */
  reason: Schema.Literal("notForward", "emptyPages"),
  /** The `start` of the page that did not move forward. */
  start: Schema.Int,
  /** The `next_start` that page said (absent when it gave none). */
  nextStart: Schema.optional(Schema.Number),
  /** How many items that page carried. */
  items: Schema.Int,
  /** Empty pages claiming more, in a row, up to and including this one. */
  emptyPages: Schema.Int
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = TypeId
  override get message() {
    const next = this.nextStart === undefined ? "no next_start" : `next_start ${this.nextStart}`
    const said = `the page at start ${this.start} had ${this.items} items, more_items_in_collection: true and ${next}`
    return describe(
      this,
      this.reason === "emptyPages"
        ? `pagination stalled: ${this.emptyPages} empty pages in a row claimed more items; ${said}`
        : `pagination stalled: ${said}, which does not move past ${this.start}`
    )
  }
}

/**
 * Every error a Pipedrive operation can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type PipedriveError =
  | InvalidInput
  | BadRequest
  | Unauthorized
  | PaymentRequired
  | Forbidden
  | NotFound
  | RateLimited
  | DailyBudgetExhausted
  | ServerError
  | UnexpectedStatus
  | UnsuccessfulResponse
  | TransportError
  | RequestTimeout
  | ResponseDecodeError
  | ResponseTooLarge
  | RateLimitStoreError
  | OAuthError
  | TokenStoreError
  | PaginationStalled

/**
 * Whether a value is one of the errors of this module (a {@link PipedriveError}).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isPipedriveError = (u: unknown): u is PipedriveError => Predicate.hasProperty(u, TypeId)

/**
 * The same error with its attempt count set, for the retry policy's final answer.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withAttempts = <E extends PipedriveError>(error: E, attempts: number): E => {
  if (!("attempts" in error) || error.attempts === attempts) return error
  const Ctor = error.constructor as new(fields: object) => E
  return new Ctor({ ...error, attempts })
}
