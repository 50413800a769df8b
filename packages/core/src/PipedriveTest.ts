/**
 * An in-memory Pipedrive for tests: a model of the Leads API (store, validation, envelopes,
 * rate limits with their headers, injectable faults) and layers that run the real client
 * against it with no network.
 *
 * The model is transport-neutral: {@link Service.handle} takes a plain request and the time,
 * and answers a plain response or a fault instruction. {@link layer} serves it through an
 * in-memory `HttpClient` on the Effect `Clock` (so `TestClock` drives rate windows, timestamps
 * and latency); the node-runtime package serves the same model over real sockets.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as directory from "./internal/fake/directory.js"
import * as faults from "./internal/fake/faults.js"
import type * as limits from "./internal/fake/limits.js"
import * as model from "./internal/fake/model.js"
import type * as oauth from "./internal/fake/oauth.js"
import { seedLeads } from "./internal/fake/seed.js"
import { makeHttpClient } from "./internal/fake/transport.js"
import type * as Wire from "./internal/fake/wire.js"
import type { Lead } from "./Lead.js"
import * as conversions from "./internal/fake/conversions.js"
import type * as labelStore from "./internal/fake/labels.js"
import * as Services from "./Services.js"
import * as PipedriveClient from "./PipedriveClient.js"

/**
 * A request as the model takes it: method, the path with its API prefix (`/api/v1/leads/…`),
 * query parameters, lower-case headers and the body text.
 *
 * @since 0.1.0
 * @category models
 */
export type Request = Wire.Request

/**
 * A response as the model gives it: status, lower-case headers, body text.
 *
 * @since 0.1.0
 * @category models
 */
export type Response = Wire.Response

/**
 * What a transport must do with a request: respond, respond with a truncated body, reset the
 * connection (`beforeProcessing` or `afterCommit`), or wait `millis` and then `resume` with the
 * time after waiting.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = Wire.Outcome

/**
 * The operation names of the endpoint table (`addLead`, `getLeads`, …).
 *
 * @since 0.1.0
 * @category models
 */
export type EndpointName = faults.EndpointName

/**
 * A fault to inject: `ServerError` (500/502/503/504), `ResetBeforeProcessing`,
 * `ResetAfterCommit` (the write happens, then the connection drops), `TruncatedBody`,
 * `HtmlForbidden` (Pipedrive's edge blocking a client), `RateLimited` (a 429) and `Latency`.
 *
 * @since 0.1.0
 * @category constructors
 */
export type Fault = faults.Fault

/**
 * Constructors of {@link Fault}: `Fault.ServerError({ status: 503 })`, `Fault.Latency({ millis: 500 })`, …
 *
 * @since 0.1.0
 * @category constructors
 */
export const Fault = faults.Fault

/**
 * When a rule fires among the requests it matches: `Always`, the `Next` n, every n-th
 * (`EveryNth`), or at a `Rate` drawn from the model's seeded generator.
 *
 * @since 0.1.0
 * @category constructors
 */
export type Trigger = faults.Trigger

/**
 * Constructors of {@link Trigger}: `Trigger.Next({ count: 2 })`, `Trigger.EveryNth({ n: 3 })`, …
 *
 * @since 0.1.0
 * @category constructors
 */
export const Trigger = faults.Trigger

/**
 * A fault, which requests it applies to (`endpoints`, `methods`; default all) and when it fires
 * (default always). Rules are checked in order: every `Latency` that fires adds its delay, and
 * the first other rule that fires decides the fault; the rules after it are not consulted.
 *
 * @since 0.1.0
 * @category models
 */
export type FaultRule = faults.FaultRule

/**
 * The server's limits: burst and search windows (rolling), the daily token budget, and whether
 * a 429 carries `Retry-After`. Defaults: 100 and 10 requests per 2000 ms, 1,500,000 tokens, `Retry-After` on.
 *
 * @since 0.1.0
 * @category models
 */
export type Limits = limits.Limits

/**
 * What the model counted: requests received, 429s sent, the peak of requests admitted in one
 * window, requests per endpoint, answers per status, faults injected.
 *
 * @since 0.1.0
 * @category models
 */
export type Stats = model.Stats

/**
 * How many users, persons and organizations exist (ids 1..n; defaults 20, 2000, 1000). A lead
 * naming another id is rejected with 400, as Pipedrive rejects unknown entities.
 *
 * @since 0.1.0
 * @category models
 */
export type Directory = directory.Directory

/**
 * How to build the model: `leads` (a number to seed, or the leads themselves), `seed`,
 * `token`, `limits`, `faults`, `directory`.
 *
 * @since 0.1.0
 * @category models
 */
export type Options = model.ModelOptions

/**
 * The OAuth server beside the API (`options.oauth`): the app's `clientId` and `clientSecret`
 * (defaults `pipedrive-test-client`, `pipedrive-test-secret`), `accessTokenTtlSeconds`
 * (default 3599), `rotateRefreshTokens` (default false), the `apiDomain` its tokens name
 * (default `https://test.pipedrive.com`) and `scope`.
 *
 * @since 0.2.0
 * @category models
 */
export type OAuthOptions = oauth.OAuthOptions

/**
 * What the OAuth server counted: token requests per grant type, refusals, revocations,
 * authorizations.
 *
 * @since 0.2.0
 * @category models
 */
export type OAuthStats = oauth.OAuthStats

/**
 * The OAuth server of the model, reachable from tests.
 *
 * @since 0.2.0
 * @category models
 */
export interface OAuthService {
  readonly clientId: string
  readonly clientSecret: string
  /**
   * A new grant without the browser step: the refresh token a deployment is configured with
   * (`PIPEDRIVE_REFRESH_TOKEN`).
   */
  readonly install: Effect.Effect<string>
  /** Revokes a token as `/oauth/revoke` does: a refresh token ends its grant, an access token only itself. */
  readonly revoke: (token: string) => Effect.Effect<void>
  /** Access tokens issued from now on live this long. */
  readonly setAccessTokenTtl: (seconds: number) => Effect.Effect<void>
  readonly stats: Effect.Effect<OAuthStats>
  readonly resetStats: Effect.Effect<void>
}

/**
 * The token the model accepts unless `token` says otherwise.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultToken: string = model.defaultToken

/**
 * The base URL the in-memory client uses.
 *
 * @since 0.1.0
 * @category constants
 */
export const baseUrl = "https://test.pipedrive.com/api/v1"

/**
 * The custom fields of seeded leads (40-hex keys; `budget` is monetary, with a `_currency` sibling).
 *
 * @since 0.1.0
 * @category fixtures
 */
export const customFields = directory.customFields

/**
 * The lead labels of the model's company.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const labels = directory.labels

/**
 * A lead label as the model keeps it.
 *
 * @since 0.2.0
 * @category models
 */
export type Label = labelStore.Label

/**
 * A deal as the model keeps it: what conversions read and write.
 *
 * @since 0.2.0
 * @category models
 */
export type Deal = conversions.Deal

/**
 * How long the model's conversions take from their POST: `not_started` until `startsAfter`
 * ms, `running` until `endsAfter` ms, then their outcome; the status is kept `expiresAfter` ms.
 *
 * @since 0.2.0
 * @category constants
 */
export const conversionTimes = conversions.conversionTimes

/**
 * The model, reachable from tests: read the store back, change faults and limits at run
 * time, read the counters.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The token the model accepts. */
  readonly token: string
  /** Every lead, archived or not, oldest first. */
  readonly leads: Effect.Effect<ReadonlyArray<Lead>>
  readonly lead: (id: string) => Effect.Effect<Option.Option<Lead>>
  /** Adds (or replaces, by id) leads directly, without requests. */
  readonly insertLeads: (leads: ReadonlyArray<Lead>) => Effect.Effect<void>
  /** The company's lead labels, in creation order. */
  readonly labels: Effect.Effect<ReadonlyArray<Label>>
  /** The deals: ten seeded (ids 1..10), and those conversions created. */
  readonly deals: Effect.Effect<ReadonlyArray<Deal>>
  /**
   * The next `count` conversions (default 1) end `failed` or `rejected` instead of completing,
   * after running as long as any other.
   */
  readonly endConversions: (outcome: "failed" | "rejected", count?: number) => Effect.Effect<void>
  /** Replaces the fault rules (their counters start over). */
  readonly setFaults: (rules: ReadonlyArray<FaultRule>) => Effect.Effect<void>
  readonly addFault: (rule: FaultRule) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  readonly limits: Effect.Effect<Limits>
  /** Changes some limits; the windows keep what they counted. */
  readonly setLimits: (limits: { readonly [K in keyof Limits]?: Limits[K] | undefined }) => Effect.Effect<void>
  /** Empties the rate windows and refills the daily budget. */
  readonly resetRateLimits: Effect.Effect<void>
  readonly stats: Effect.Effect<Stats>
  readonly resetStats: Effect.Effect<void>
  /** `oauth.pipedrive.com`: authorize, token, refresh, revoke, with access tokens that expire on the `Clock`. */
  readonly oauth: OAuthService
  /**
   * The transport-neutral entry point: answers one request received at `now` (epoch ms).
   * Synchronous, so any transport (in-memory, `node:http`) can drive it.
   */
  readonly handle: (request: Request, now: number) => Outcome
}

/**
 * The model as a service.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { PipedriveTest } from "@effect-pipedrive/core/testing"
 * import { Effect } from "effect"
 *
 * // Reads the model back: what the program did, as the server saw it.
 * const requests = await Effect.gen(function*() {
 *   const leads = yield* Leads.Leads
 *   yield* leads.getLeads({ limit: 5 })
 *   const model = yield* PipedriveTest.PipedriveTest
 *   return (yield* model.stats).requests
 * }).pipe(Effect.provide(PipedriveTest.layer({ leads: 5 })), Effect.runPromise)
 * assert.strictEqual(requests, 1)
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class PipedriveTest extends Context.Tag("@effect-pipedrive/core/PipedriveTest")<PipedriveTest, Service>() {}

/**
 * A new model. Seeding is synchronous and fast (10,000 leads in a few tens of milliseconds).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service> =>
  Effect.sync(() => {
    const m = model.makeModel(options)
    return PipedriveTest.of({
      token: m.token,
      leads: Effect.sync(m.leads),
      lead: (id) => Effect.sync(() => Option.fromNullable(m.lead(id))),
      insertLeads: (leads) => Effect.sync(() => m.insertLeads(leads)),
      labels: Effect.sync(m.labels),
      deals: Effect.sync(m.deals),
      endConversions: (outcome, count = 1) => Effect.sync(() => m.endConversions(outcome, count)),
      setFaults: (rules) => Effect.sync(() => m.setFaults(rules)),
      addFault: (rule) => Effect.sync(() => m.addFault(rule)),
      clearFaults: Effect.sync(() => m.setFaults([])),
      limits: Effect.sync(m.limits),
      setLimits: (limits) => Effect.sync(() => m.setLimits(limits)),
      resetRateLimits: Effect.sync(m.resetRateLimits),
      stats: Effect.sync(m.stats),
      resetStats: Effect.sync(m.resetStats),
      oauth: {
        clientId: m.oauth.clientId,
        clientSecret: m.oauth.clientSecret,
        install: Effect.sync(() => m.oauth.install()),
        revoke: (token) => Effect.sync(() => m.oauth.revoke(token)),
        setAccessTokenTtl: (seconds) => Effect.sync(() => void (m.oauth.ttlMillis = Math.round(seconds * 1000))),
        stats: Effect.sync(() => m.oauth.stats()),
        resetStats: Effect.sync(() => m.oauth.resetStats())
      },
      handle: m.handle
    })
  })

/**
 * `count` realistic leads, the same for the same `seed` (default 1): what `leads: count` seeds.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const generateLeads = (
  count: number,
  options?: { readonly seed?: number | undefined; readonly directory?: Partial<Directory> | undefined }
): ReadonlyArray<Lead> =>
  seedLeads(count, options?.seed ?? 1, { ...directory.defaultDirectory, ...options?.directory }).map(({ lead }) =>
    lead
  )

/**
 * An `HttpClient` over the model, with no network: requests reach the model at the time of the
 * Effect `Clock`, under the API's real prefixes only (`/api/v1`, `/v1`, `/api/v2`), as a
 * misconfigured base URL would fail against Pipedrive; connection resets fail as a socket does
 * (`RequestError`, reason `Transport`, cause code `ECONNRESET`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const httpClient = (service: Service): HttpClient.HttpClient => makeHttpClient(service.handle)

/**
 * Just the model, as a layer.
 *
 * @example
 * ```ts
 * import { PipedriveTest } from "@effect-pipedrive/core/testing"
 * import { Effect } from "effect"
 *
 * // The model alone: drive it with your own transport, or read its seeded data.
 * const count = await Effect.flatMap(PipedriveTest.PipedriveTest, (model) => model.leads).pipe(
 *   Effect.map((leads) => leads.length),
 *   Effect.provide(PipedriveTest.layerModel({ leads: 20 })),
 *   Effect.runPromise
 * )
 * assert.strictEqual(count, 20)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerModel = (options: Options = {}): Layer.Layer<PipedriveTest> =>
  Layer.effect(PipedriveTest, make(options))

/**
 * How the real client is configured over the model: any policy (retry, rate limit, timeout,
 * …) and, to test authentication failures, other credentials than the model's token.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions extends PipedriveClient.Policies {
  readonly auth?: PipedriveClient.Auth | undefined
}

/**
 * {@link Options} for the model, and `client` for the client over it.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerOptions extends Options {
  readonly client?: ClientOptions | undefined
}

/**
 * The model's rate windows when a test does not ask for limits: wide enough that no test
 * fills them.
 */
const openWindows = { requestsPerWindow: Number.MAX_SAFE_INTEGER, searchRequestsPerWindow: Number.MAX_SAFE_INTEGER }

/** The model as the client's `HttpClient`, for the layers over it. */
const transport = Layer.effect(HttpClient.HttpClient, Effect.map(PipedriveTest, httpClient))

/**
 * Rate limits only where a test asks for them, for every layer over the model: `limits` sets
 * the model's windows (and the client then learns them as in production); `rateLimit` or `plan`
 * the client's limiter alone. Otherwise the windows admit everything and the limiter is off, so
 * a test under `TestClock` never waits for a window nobody advances.
 */
const unlessAsked = <P extends PipedriveClient.Policies>(
  modelOptions: Options,
  asked: P
): { readonly modelOptions: Options; readonly policies: P } => {
  const serverLimits = modelOptions.limits !== undefined
  const clientLimits = serverLimits || asked.rateLimit !== undefined || asked.plan !== undefined
  return {
    modelOptions: serverLimits ? modelOptions : { ...modelOptions, limits: openWindows },
    policies: clientLimits ? asked : { ...asked, rateLimit: false }
  }
}

/**
 * Every service (`Leads`, `LeadLabels`, `LeadSources`, `LeadFields`, `LeadSearch`,
 * `Conversions`) and `PipedriveClient` — the real client code, unchanged — over an in-memory
 * Pipedrive, with the model as {@link PipedriveTest}. No network.
 *
 * Rate limits are off unless the test asks for them, so a program under `TestClock`
 * (`it.effect`) makes as many calls as it likes without waiting: the model's rate windows
 * admit everything, and the client's limiter is off. Ask with `limits` (the model's windows
 * and budget; the client then limits itself as in production, learning from the headers) or
 * with `client.rateLimit` or `client.plan` (the client's limiter alone). Anything that waits —
 * a limiter, retry backoff, injected latency — waits on the Effect `Clock`: under `TestClock`,
 * fork the program and advance the clock with `TestClock.adjust`.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { PipedriveTest } from "@effect-pipedrive/core/testing"
 * import { Effect } from "effect"
 *
 * // 300 calls, no waiting: no limits were asked for.
 * const program = Effect.gen(function*() {
 *   const leads = yield* Leads.Leads
 *   const page = yield* leads.getLeads({ limit: 1 })
 *   yield* Effect.forEach(Array.from({ length: 300 }), () => leads.getLead(page.items[0]!.id))
 * }).pipe(Effect.provide(PipedriveTest.layer({ leads: 10 })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: LayerOptions = {}
): Layer.Layer<Services.Services | PipedriveClient.PipedriveClient | PipedriveTest> => {
  const { client, ...model } = options
  const { auth, ...asked } = client ?? {}
  const { modelOptions, policies } = unlessAsked(model, asked)
  const credentials: PipedriveClient.Auth = auth ?? {
    apiToken: Redacted.make(modelOptions.token ?? defaultToken)
  }
  const pipedrive = PipedriveClient.layer({ ...policies, ...credentials, baseUrl }).pipe(
    // The base URL is this module's constant; credentials that cannot work are a bug in the test.
    Layer.orDie,
    Layer.provide(transport)
  )
  return Services.withClient(pipedrive).pipe(Layer.provideMerge(layerModel(modelOptions)))
}

/**
 * Options of the OAuth client over the model: the policies, and how early to refresh.
 *
 * @since 0.2.0
 * @category models
 */
export interface OAuthClientOptions extends PipedriveClient.Policies {
  readonly refreshSkew?: PipedriveClient.OAuthOptions["refreshSkew"]
}

/**
 * Every service (as {@link layer}) and the OAuth `PipedriveClient` over an in-memory
 * Pipedrive and its OAuth server, with the model as {@link PipedriveTest}: the client starts from a refresh token of a new
 * installation (as one configured with `PIPEDRIVE_REFRESH_TOKEN`), keeps its tokens in the
 * `TokenStore` in context (else in memory), and refreshes them as they expire on the Effect
 * `Clock`. Read `PipedriveTest`'s `oauth.stats` to count the refreshes. Rate limits are off
 * unless the test asks for them, as with {@link layer}.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { PipedriveTest } from "@effect-pipedrive/core/testing"
 * import { Effect } from "effect"
 *
 * // The OAuth client over the model: it refreshes its first token before the call.
 * const refreshes = await Effect.gen(function*() {
 *   yield* Effect.flatMap(Leads.Leads, (leads) => leads.getLeads({ limit: 1 }))
 *   const model = yield* PipedriveTest.PipedriveTest
 *   return (yield* model.oauth.stats).tokenRequests["refresh_token"] ?? 0
 * }).pipe(Effect.provide(PipedriveTest.layerOAuth({ leads: 1 })), Effect.runPromise)
 * assert.ok(refreshes >= 1)
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerOAuth = (
  options: Options & { readonly client?: OAuthClientOptions | undefined } = {}
): Layer.Layer<Services.Services | PipedriveClient.PipedriveClient | PipedriveTest> => {
  const { client, ...model } = options
  const { modelOptions, policies } = unlessAsked(model, client ?? {})
  const pipedrive = Layer.unwrapEffect(Effect.map(PipedriveTest, (service) =>
    Layer.unwrapEffect(Effect.map(service.oauth.install, (refreshToken) =>
      PipedriveClient.layerOAuth({
        ...policies,
        app: { clientId: service.oauth.clientId, clientSecret: Redacted.make(service.oauth.clientSecret) },
        refreshToken: Redacted.make(refreshToken)
      })))
  )).pipe(
    // The policies are the caller's: invalid ones are a bug in the test.
    Layer.orDie,
    Layer.provide(transport)
  )
  return Services.withClient(pipedrive).pipe(Layer.provideMerge(layerModel(modelOptions)))
}
