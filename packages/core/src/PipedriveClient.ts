/**
 * The configured HTTP client every operation goes through: base URL and authentication, then
 * the policies — retry outermost, the rate limiter, the per-attempt timeout, and the mapping
 * of statuses and transport failures to typed errors — over any `HttpClient` the user provides
 * (`FetchHttpClient`, Node's undici client, an in-memory Pipedrive, a hand-made mock).
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { CurrentOperation } from "./Operation.js"
import { type PipedriveError, RequestTimeout, TokenStoreError } from "./Errors.js"
import * as OAuth from "./OAuth.js"
import { textOf } from "./internal/json.js"
import * as responses from "./internal/responses.js"
import * as metrics from "./internal/metrics.js"
import * as variables from "./internal/variables.js"
import { fromHttpClientError, fromStatus, pathOf, readBody } from "./internal/responses.js"
import { clientSpan, withoutCredentials } from "./internal/tracing.js"
import * as RateLimit from "./RateLimit.js"
import * as Retry from "./Retry.js"
import * as TokenStore from "./TokenStore.js"

/**
 * The header the API token travels in. Never the `api_token` query parameter: it leaks the
 * secret into URLs, proxies and logs.
 *
 * @since 0.1.0
 * @category constants
 */
export const apiTokenHeader = "x-api-token"

const credentialHeaders = [apiTokenHeader, "authorization"]

/**
 * How to authenticate: an API token, or an OAuth access token.
 *
 * @since 0.1.0
 * @category models
 */
export type Auth =
  | { readonly apiToken: Redacted.Redacted; readonly oauthToken?: undefined }
  | { readonly oauthToken: Redacted.Redacted; readonly apiToken?: undefined }

/**
 * Where Pipedrive is: the company domain (`acme` for `https://acme.pipedrive.com`, what
 * Pipedrive recommends) or a base URL — the API root (`https://acme.pipedrive.com`) or, as
 * Pipedrive's v1 documents write it, a URL ending in `/api/v1` or `/v1`. Both API versions are
 * derived from it: `/api/v1` (or the `/v1` given) and `/api/v2`.
 *
 * @since 0.1.0
 * @category models
 */
export type Location =
  | { readonly companyDomain: string; readonly baseUrl?: undefined }
  | { readonly baseUrl: string; readonly companyDomain?: undefined }

/**
 * The base URL of each API version.
 *
 * @since 0.2.0
 * @category models
 */
export interface ApiBase {
  readonly v1: string
  readonly v2: string
}

/**
 * The policies, each with a sensible default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Policies {
  /** Gives the burst limits (with the auth kind) and, with `seats`, the daily budget. */
  readonly plan?: RateLimit.Plan | undefined
  /** Seats of the company, for the daily budget of `plan`. */
  readonly seats?: number | undefined
  /** Explicit limits (override `plan`), or `false` for none. Default: learned from headers. */
  readonly rateLimit?: RateLimit.Limits | false | undefined
  /** Retry policy, or `false` for none. */
  readonly retry?: Retry.Options | false | undefined
  /** The longest an attempt may take, body included (default 30 s). */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * The largest response body read, in bytes (default {@link defaultMaxResponseBytes}, 32 MiB:
   * a page of 500 leads is about 1 MB). A larger body fails the call with `ResponseTooLarge`
   * and closes the connection, without reading the rest.
   */
  readonly maxResponseBytes?: number | undefined
  /** A last transformation of the underlying client (proxies, extra headers, tracing). */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

/**
 * Everything `PipedriveClient.layer` takes: who (`Auth`), where (`Location`) and how (`Policies`).
 *
 * @since 0.1.0
 * @category models
 */
export type Options = Auth & Location & Policies

/**
 * The client: an `HttpClient` whose requests are paths relative to the base URL of their
 * operation's API version (`/leads/…`; a request sent outside an operation goes to v1) and
 * whose errors are already typed, plus the rate-limit state.
 *
 * @example
 * ```ts
 * import { PipedriveClient } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // The rate-limit state the client last saw, for a dashboard or a log line.
 * const budget = Effect.flatMap(PipedriveClient.PipedriveClient, (client) => client.rateLimitInfo)
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class PipedriveClient extends Context.Tag("@effect-pipedrive/core/PipedriveClient")<PipedriveClient, {
  readonly httpClient: HttpClient.HttpClient.With<PipedriveError>
  /** The rate-limit state as last seen: limit, remaining, reset, daily budget. */
  readonly rateLimitInfo: Effect.Effect<RateLimit.RateLimitInfo>
}>() {}

/**
 * The largest response body read unless `maxResponseBytes` says otherwise: 32 MiB.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxResponseBytes: number = responses.defaultMaxResponseBytes

const maxResponseBytesOf = (options: Policies): Either.Either<number, ConfigError.ConfigError> => {
  const value = options.maxResponseBytes
  if (value === undefined) return Either.right(defaultMaxResponseBytes)
  return Number.isSafeInteger(value) && value > 0
    ? Either.right(value)
    : Either.left(ConfigError.InvalidData(["maxResponseBytes"], `expected a whole number of bytes above 0, got ${value}`))
}

/**
 * The base URL of each API version for a location, validated.
 *
 * @since 0.2.0
 * @category constructors
 */
export const apiBaseOf = (location: Location): Either.Either<ApiBase, ConfigError.ConfigError> => {
  if (location.baseUrl !== undefined && location.companyDomain !== undefined) {
    return Either.left(ConfigError.InvalidData(
      [],
      `both companyDomain and baseUrl are set; give one of them`
    ))
  }
  if (location.baseUrl !== undefined) {
    let url: URL
    try {
      url = new URL(location.baseUrl)
    } catch {
      url = new URL("invalid:")
    }
    if (
      (url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.hash !== "" ||
      url.username !== "" || url.password !== ""
    ) {
      return Either.left(ConfigError.InvalidData(
        ["baseUrl"],
        `expected an http(s) URL without query or credentials, such as https://acme.pipedrive.com`
      ))
    }
    const path = url.pathname.replace(/\/+$/, "")
    const version = /(\/api)?\/v[12]$/.exec(path)
    const root = `${url.origin}${version === null ? path : path.slice(0, version.index)}`
    const v1 = version === null || version[0].endsWith("2") ? `${root}/api/v1` : `${root}${version[0]}`
    return Either.right({ v1, v2: `${root}/api/v2` })
  }
  const domain = location.companyDomain.trim().toLowerCase().replace(/\.pipedrive\.com$/, "")
  return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domain)
    ? Either.right({ v1: `https://${domain}.pipedrive.com/api/v1`, v2: `https://${domain}.pipedrive.com/api/v2` })
    : Either.left(ConfigError.InvalidData(
      ["companyDomain"],
      `expected the company's subdomain, such as "acme" for acme.pipedrive.com`
    ))
}

/**
 * The redacted header names with the token header added: the same array for the same input,
 * so the fiber reference is not changed (nor compared element by element) on every request.
 */
const withTokenHeader = (() => {
  let seen: ReadonlyArray<string | RegExp> | undefined
  let extended: ReadonlyArray<string | RegExp> = []
  return (names: ReadonlyArray<string | RegExp>): ReadonlyArray<string | RegExp> => {
    if (names.includes(apiTokenHeader)) return names
    if (names !== seen) {
      seen = names
      extended = [...names, apiTokenHeader]
    }
    return extended
  }
})()

const plans: ReadonlyArray<RateLimit.Plan> = ["lite", "growth", "premium", "ultimate"]

/** A count an option gives: absent, or a whole number above zero (0 would stop all traffic). */
const positiveCount = (path: ReadonlyArray<string>, value: unknown): Either.Either<void, ConfigError.ConfigError> =>
  value === undefined || (typeof value === "number" && Number.isSafeInteger(value) && value > 0)
    ? Either.void
    : Either.left(ConfigError.InvalidData([...path], `expected a whole number above 0, got ${String(value)}`))

const positiveDuration = (path: ReadonlyArray<string>, value: unknown): Either.Either<void, ConfigError.ConfigError> => {
  if (value === undefined) return Either.void
  const millis = Option.map(Duration.decodeUnknown(value), Duration.toMillis)
  return Option.isSome(millis) && Number.isFinite(millis.value) && millis.value > 0
    ? Either.void
    : Either.left(ConfigError.InvalidData([...path], `expected a duration above 0, got ${String(value)}`))
}

/**
 * The limits the options give, checked: an unknown plan, or a limit that is zero, negative or
 * not a number, is a `ConfigError` naming the option (it would otherwise stop every request,
 * or turn limiting off).
 */
const limitsOf = (options: Policies, auth: "apiToken" | "oauth"): Either.Either<RateLimit.Limits | undefined, ConfigError.ConfigError> =>
  Either.gen(function*() {
    if (options.plan !== undefined && !plans.includes(options.plan)) {
      return yield* Either.left(
        ConfigError.InvalidData(["plan"], `expected one of ${plans.join(", ")}, got ${JSON.stringify(options.plan)}`)
      )
    }
    yield* positiveCount(["seats"], options.seats)
    if (options.rateLimit === false) return undefined
    const explicit = options.rateLimit
    yield* positiveCount(["rateLimit", "requestsPerWindow"], explicit?.requestsPerWindow)
    yield* positiveCount(["rateLimit", "searchRequestsPerWindow"], explicit?.searchRequestsPerWindow)
    yield* positiveCount(["rateLimit", "dailyTokens"], explicit?.dailyTokens)
    yield* positiveDuration(["rateLimit", "window"], explicit?.window)
    const plan = options.plan === undefined ? undefined : RateLimit.forPlan(options.plan, { auth, seats: options.seats })
    return {
      requestsPerWindow: explicit?.requestsPerWindow ?? plan?.requestsPerWindow,
      searchRequestsPerWindow: explicit?.searchRequestsPerWindow ?? plan?.searchRequestsPerWindow,
      window: explicit?.window ?? plan?.window,
      dailyTokens: explicit?.dailyTokens ?? plan?.dailyTokens
    }
  })

/**
 * What a store from context counts this token's limits under: a digest, never the token
 * itself. A store of the client's own needs no key. On Node (and runtimes with its built-in
 * modules) the digest is computed at once; elsewhere through Web Crypto, which answers later
 * — on Node that would make building the layer wait on a promise outside Effect's clock.
 */
const tokenKey = (token: Redacted.Redacted): Effect.Effect<string> => {
  const secret = Redacted.value(token)
  const hex = (bytes: Uint8Array) =>
    `pipedrive:${Array.from(bytes.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")}`
  const nodeCrypto = globalThis.process?.getBuiltinModule?.("node:crypto")
  return nodeCrypto !== undefined
    ? Effect.sync(() => hex(nodeCrypto.createHash("sha256").update(secret).digest()))
    : Effect.map(
      Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret))),
      (digest) => hex(new Uint8Array(digest))
    )
}

/**
 * Runs an attempt in a scope that is closed — aborting its request — when the attempt fails
 * or is interrupted; a response read to its end needs no abort, so on success it is left open.
 */
const abortUnlessRead = <A, E, R>(attempt: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Scope.Scope>> =>
  Effect.flatMap(Scope.make(), (scope) =>
    Effect.onExit(
      Scope.extend(attempt, scope),
      (exit) => Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, exit)
    ))

/** How requests are authenticated: what differs between an API token and OAuth. */
interface Credentials {
  readonly auth: "apiToken" | "oauth"
  /** What a shared rate-limit store counts under (a digest, never a secret). */
  readonly key: Effect.Effect<string>
  /** Once per request: below the base of its operation's API version, with credentials. */
  readonly prepare: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<HttpClientRequest.HttpClientRequest, PipedriveError>
  /** Each attempt: sends the prepared request (through `send`, which types its statuses). */
  readonly attempt: (
    request: HttpClientRequest.HttpClientRequest,
    send: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<HttpClientResponse.HttpClientResponse, PipedriveError>
  ) => Effect.Effect<HttpClientResponse.HttpClientResponse, PipedriveError>
}

/** The policies around the credentials' requests. */
const build = Effect.fnUntraced(function*(policies: Policies, credentials: Credentials) {
  const maxResponseBytes = yield* maxResponseBytesOf(policies)
  const limits = yield* limitsOf(policies, credentials.auth)
  const shared = yield* Effect.serviceOption(RateLimit.RateLimitStore)
  const timeoutMillis = Duration.toMillis(policies.timeout ?? Duration.seconds(30))
  const limiter = RateLimit.makeLimiter({
    key: shared._tag === "Some" ? yield* credentials.key : "pipedrive",
    limits: limits ?? {},
    store: shared._tag === "Some" ? shared.value : RateLimit.makeMemoryStore(),
    leaseMillis: timeoutMillis,
    enforce: limits !== undefined
  })
  // With `retry: false` every request is still one attempt, with its span and count.
  const retry = Retry.retrying(policies.retry === false ? { times: 0 } : policies.retry)

  const transport = (yield* HttpClient.HttpClient).pipe(
    policies.transformClient ?? ((client) => client),
    // Each attempt gets its own abort signal, fired when the attempt's scope closes: a body
    // left unread (over the size cap, timed out, interrupted) closes its connection at once.
    HttpClient.withScope,
    HttpClient.catchAll((error) => Effect.fail(fromHttpClientError(error)))
  )

  // No span's exit value holds the token: the HTTP span is ours and ends with the status, and
  // what goes up (to the attempt's and the operation's spans) is a response without it.
  const execute = (request: HttpClientRequest.HttpClientRequest) =>
    clientSpan(request, (traced) =>
      Effect.map(transport.execute(traced), (response) => withoutCredentials(response, credentialHeaders)))

  // Statuses become typed errors; every response's headers steer the limiter. The body is
  // read here so the timeout and the retry cover it, in the attempt's scope.
  const send = (request: HttpClientRequest.HttpClientRequest) =>
    abortUnlessRead(Effect.flatMap(Effect.zip(execute(request), CurrentOperation), ([response, operation]) =>
      Effect.zipRight(
        limiter.observe(response.headers, operation.window).pipe(
          Effect.zipRight(Effect.flatMap(limiter.info, metrics.recordBudget)),
          Effect.catchAll(Effect.logWarning)
        ),
        Effect.flatMap(readBody(response, maxResponseBytes), (body) =>
          response.status >= 200 && response.status < 300
            ? Effect.succeed(response)
            : Effect.flatMap(
              Clock.currentTimeMillis,
              (now) => Effect.fail(fromStatus(request, response, textOf(body), operation, now))
            ))
      )))
  const attempt = HttpClient.makeWith(
    (request: Effect.Effect<HttpClientRequest.HttpClientRequest, PipedriveError>) =>
      Effect.flatMap(request, (prepared) => credentials.attempt(prepared, send)),
    (request) => credentials.prepare(HttpClientRequest.acceptJson(request))
  )

  const httpClient = attempt.pipe(
    HttpClient.transform((effect, request) =>
      Effect.timeoutFail(effect, {
        duration: Duration.millis(timeoutMillis),
        onTimeout: () => new RequestTimeout({ method: request.method, path: pathOf(request), timeoutMillis })
      })
    ),
    HttpClient.transform((effect, request) =>
      Effect.flatMap(Effect.zip(CurrentOperation, Clock.currentTimeMillis), ([operation, queuedAt]) =>
        limiter.limit(
          operation,
          pathOf(request),
          Effect.zipRight(
            Effect.flatMap(Clock.currentTimeMillis, (now) => metrics.recordWait(operation.name, queuedAt, now)),
            metrics.countAttempt(operation.name, effect)
          )
        ).pipe(
          // A 429 holds the window for everyone; the limiter's own refusal (no status) sent nothing.
          Effect.tapErrorTag("RateLimited", (error) =>
            error.status === undefined
              ? Effect.void
              : limiter.pause(error.scope, error.retryAfterMillis ?? 1000).pipe(Effect.catchAll(Effect.logWarning))
          )
        ))
    ),
    HttpClient.transform((effect, request) =>
      Effect.flatMap(CurrentOperation, (operation) =>
        retry(effect, { method: request.method, operation: operation.name }).pipe(
          Effect.tapError((error) =>
            "status" in error && error.status !== undefined
              ? Effect.annotateCurrentSpan("http.response.status_code", error.status)
              : Effect.void
          )
        ))
    ),
    // The HttpClient's spans record request headers: the token header must show redacted.
    HttpClient.transform((effect) => Effect.locallyWith(effect, Headers.currentRedactedNames, withTokenHeader))
  )

  return PipedriveClient.of({ httpClient, rateLimitInfo: limiter.info })
})

/**
 * The one token of the options, named. An empty one is a mistake — typically an unset variable
 * read as `""` — never what was meant, so it fails the layer rather than every request with a
 * 401; so do both, or neither (from JavaScript).
 */
const tokenOf = (auth: Auth): Either.Either<Redacted.Redacted, ConfigError.ConfigError> => {
  const given = (["apiToken", "oauthToken"] as const).filter((name) => auth[name] !== undefined)
  if (given.length !== 1) {
    return Either.left(ConfigError.InvalidData([...given], "give exactly one of apiToken and oauthToken"))
  }
  const name = given[0]!
  const token = auth[name]!
  return Redacted.value(token).trim() === ""
    ? Either.left(ConfigError.InvalidData([name], `${name} is empty`))
    : Either.right(token)
}

/**
 * Builds the client over the `HttpClient` in context. Rate limits are counted in the
 * `RateLimitStore` in context when there is one (a store shared by several processes, say),
 * else in this client's own memory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const base = yield* apiBaseOf(options)
  const token = yield* tokenOf(options)
  const authenticate = options.apiToken !== undefined
    ? HttpClientRequest.setHeader(apiTokenHeader, Redacted.value(options.apiToken))
    : HttpClientRequest.bearerToken(Redacted.value(options.oauthToken!))
  return yield* build(options, {
    auth: options.apiToken !== undefined ? "apiToken" : "oauth",
    key: tokenKey(token),
    // Each request goes below the base of its operation's API version.
    prepare: (request) =>
      Effect.map(CurrentOperation, (operation) => authenticate(HttpClientRequest.prependUrl(request, base[operation.api]))),
    attempt: (request, send) => send(request)
  })
})

/**
 * The client for the scope: when the scope closes, every call still in flight is interrupted at
 * once (its request aborted), and so is any later call. The layer's scope closes before the
 * transport's below it: calls end here instead of failing against a closed connection pool as
 * transport errors and being retried.
 */
const endingWithScope = (client: PipedriveClient["Type"]): Effect.Effect<PipedriveClient["Type"], never, Scope.Scope> =>
  Effect.gen(function*() {
    const inFlight = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
    let closed = false
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        return Fiber.interruptAll([...inFlight])
      })
    )
    const httpClient = HttpClient.transform(client.httpClient, (effect) =>
      Effect.withFiberRuntime<HttpClientResponse.HttpClientResponse, PipedriveError>((fiber) => {
        if (closed) return Effect.interrupt
        inFlight.add(fiber)
        return Effect.ensuring(effect, Effect.sync(() => inFlight.delete(fiber)))
      }))
    return PipedriveClient.of({ ...client, httpClient })
  })

/**
 * The client as a layer, over the `HttpClient` in context. Releasing the layer interrupts the
 * calls still in flight.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { PipedriveClient } from "@effect-pipedrive/core"
 * import { Layer, Redacted } from "effect"
 *
 * const ClientLive = PipedriveClient.layer({
 *   companyDomain: "acme",
 *   apiToken: Redacted.make("my-api-token"),
 *   plan: "growth",
 *   timeout: "20 seconds"
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<PipedriveClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.scoped(PipedriveClient, Effect.flatMap(make(options), endingWithScope))

/**
 * Exactly one of two variables, with the name it was read from. Both set is an error naming
 * both: a leftover variable must not silently decide where requests go, or as whom.
 */
const oneOf = (first: string, second: string): Config.Config<{ readonly name: string; readonly value: string }> =>
  Config.all([variables.optional(first), variables.optional(second)]).pipe(Config.mapOrFail(([a, b]) =>
    Option.isSome(a) && Option.isSome(b)
      ? Either.left(ConfigError.InvalidData([first], `both ${first} and ${second} are set; unset one of them`))
      : Option.isSome(a)
      ? Either.right({ name: first, value: a.value })
      : Option.isSome(b)
      ? Either.right({ name: second, value: b.value })
      : Either.left(ConfigError.MissingData([first], `Expected ${first} or ${second} to be set`))
  ))

/**
 * Configuration read from the environment (or any `ConfigProvider`): one of
 * `PIPEDRIVE_API_TOKEN` and `PIPEDRIVE_OAUTH_TOKEN`, one of `PIPEDRIVE_COMPANY_DOMAIN` and
 * `PIPEDRIVE_BASE_URL`, and optionally `PIPEDRIVE_PLAN`. A missing, empty or invalid variable,
 * or both of a pair, is a `ConfigError` that names the variables — and never shows a token.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Auth & Location & { readonly plan?: RateLimit.Plan | undefined }> = Config.all({
  auth: Config.map(oneOf("PIPEDRIVE_API_TOKEN", "PIPEDRIVE_OAUTH_TOKEN"), ({ name, value }): Auth =>
    name === "PIPEDRIVE_API_TOKEN" ? { apiToken: Redacted.make(value) } : { oauthToken: Redacted.make(value) }),
  location: Config.mapOrFail(oneOf("PIPEDRIVE_COMPANY_DOMAIN", "PIPEDRIVE_BASE_URL"), ({ name, value }) => {
    const location: Location = name === "PIPEDRIVE_BASE_URL" ? { baseUrl: value } : { companyDomain: value }
    return Either.mapBoth(apiBaseOf(location), {
      onLeft: (error) => error._op === "InvalidData" ? ConfigError.InvalidData([name], error.message) : error,
      onRight: () => location
    })
  }),
  plan: Config.option(Config.literal("lite", "growth", "premium", "ultimate")("PIPEDRIVE_PLAN"))
}).pipe(Config.map(({ auth, location, plan }) => ({
  ...auth,
  ...location,
  ...(plan._tag === "Some" ? { plan: plan.value } : {})
})))

/**
 * The client configured from {@link config}, with any other policies given here (`PIPEDRIVE_PLAN`,
 * when set, wins over a `plan` given here).
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { PipedriveClient } from "@effect-pipedrive/core"
 * import { Layer } from "effect"
 *
 * // PIPEDRIVE_API_TOKEN (or PIPEDRIVE_OAUTH_TOKEN) and PIPEDRIVE_COMPANY_DOMAIN (or PIPEDRIVE_BASE_URL).
 * const ClientLive = PipedriveClient.layerConfig({ retry: false }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  policies: Policies = {}
): Layer.Layer<PipedriveClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.scoped(
    PipedriveClient,
    Effect.flatMap(config, (fromEnv) => Effect.flatMap(make({ ...policies, ...fromEnv }), endingWithScope))
  )

/**
 * The OAuth client's options: the app, how its tokens are found (see `OAuth.SessionOptions`),
 * and the policies. The base URL is each token's `api_domain`, for v1 and v2 alike.
 *
 * @since 0.2.0
 * @category models
 */
export interface OAuthOptions extends OAuth.SessionOptions, Policies {}

const storeFailure = (request: HttpClientRequest.HttpClientRequest) => (error: OAuth.SessionFailure): PipedriveError =>
  error._tag === "TokenStoreUnavailable"
    ? new TokenStoreError({ method: request.method, path: pathOf(request), operation: error.operation, reason: error.reason })
    : error

/** The API base of a token's `api_domain`, computed once per domain. */
const baseOfDomain = (() => {
  let domain: string | undefined
  let base: Either.Either<ApiBase, ConfigError.ConfigError> | undefined
  return (apiDomain: string) => {
    if (apiDomain !== domain || base === undefined) {
      domain = apiDomain
      base = apiBaseOf({ baseUrl: apiDomain })
    }
    return base
  }
})()

/**
 * OAuth's credentials: each request goes below its tokens' `api_domain`; each attempt sends
 * the session's current access token, and a 401 renews the tokens (once for every request
 * that met it with the same token) and sends once more.
 */
const oauthCredentials = (session: OAuth.Session, key: Effect.Effect<string>): Credentials => {
  const tokensFor = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.mapError(session.tokens, storeFailure(request))
  const withToken = (request: HttpClientRequest.HttpClientRequest, tokens: TokenStore.Tokens) =>
    HttpClientRequest.bearerToken(request, Redacted.value(tokens.accessToken))
  return {
    auth: "oauth",
    key,
    prepare: (request) =>
      Effect.flatMap(Effect.zip(tokensFor(request), CurrentOperation), ([tokens, operation]) =>
        Either.match(baseOfDomain(tokens.apiDomain), {
          onLeft: () =>
            Effect.fail(
              new TokenStoreError({
                method: request.method,
                path: pathOf(request),
                operation: "get",
                reason: "the stored api_domain is not a valid URL"
              })
            ),
          onRight: (base) => Effect.succeed(withToken(HttpClientRequest.prependUrl(request, base[operation.api]), tokens))
        })),
    attempt: (request, send) =>
      Effect.flatMap(tokensFor(request), (tokens) =>
        send(withToken(request, tokens)).pipe(
          // Expired early, or revoked: the refresh says whether the grant still holds.
          Effect.catchTag("Unauthorized", () =>
            Effect.flatMap(
              Effect.mapError(session.renew(tokens), storeFailure(request)),
              (renewed) => send(withToken(request, renewed))
            ))
        ))
  }
}

/**
 * Builds an OAuth client over the `HttpClient` in context (which also reaches the OAuth
 * server) and the `TokenStore` in context, else tokens kept in this client's memory. Tokens
 * are refreshed `refreshSkew` (60 s) before they expire and once after a 401, one refresh
 * however many requests need it (and, with a shared store, however many processes).
 * `plan` gives OAuth's burst limits (four times the API token's).
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeOAuth = Effect.fnUntraced(function*(options: OAuthOptions) {
  const store = yield* Effect.serviceOption(TokenStore.TokenStore)
  const session = yield* OAuth.makeSession(options).pipe(
    Effect.provideServiceEffect(
      TokenStore.TokenStore,
      store._tag === "Some" ? Effect.succeed(store.value) : TokenStore.makeMemory()
    )
  )
  // Pipedrive counts an OAuth app's limits per installation, not per (hourly) access token.
  return yield* build(options, oauthCredentials(session, tokenKey(Redacted.make(`oauth:${options.app.clientId}`))))
})

/**
 * {@link makeOAuth} as a layer.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { PipedriveClient, TokenStore } from "@effect-pipedrive/core"
 * import { Layer, Redacted } from "effect"
 *
 * const ClientLive = PipedriveClient.layerOAuth({
 *   app: { clientId: "my-client-id", clientSecret: Redacted.make("my-client-secret") },
 *   refreshToken: Redacted.make("the installation's refresh token")
 * }).pipe(Layer.provide(TokenStore.layerMemory()), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerOAuth = (
  options: OAuthOptions
): Layer.Layer<PipedriveClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.scoped(PipedriveClient, Effect.flatMap(makeOAuth(options), endingWithScope))

/**
 * {@link makeOAuth} configured from the environment (`OAuth.config`: `PIPEDRIVE_CLIENT_ID`,
 * `PIPEDRIVE_CLIENT_SECRET`, `PIPEDRIVE_REFRESH_TOKEN`), with the policies given here; a
 * missing or empty variable fails the layer with a `ConfigError` naming it.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { PipedriveClient } from "@effect-pipedrive/core"
 * import { Layer } from "effect"
 *
 * // PIPEDRIVE_CLIENT_ID, PIPEDRIVE_CLIENT_SECRET and PIPEDRIVE_REFRESH_TOKEN; refresh 5 minutes early.
 * const ClientLive = PipedriveClient.layerOAuthConfig({ refreshSkew: "5 minutes" }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerOAuthConfig = (
  options: Policies & {
    readonly refreshSkew?: Duration.DurationInput | undefined
    /** The OAuth server, when not Pipedrive's (a fake, in tests). */
    readonly oauthUrl?: string | undefined
  } = {}
): Layer.Layer<PipedriveClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.scoped(
    PipedriveClient,
    Effect.flatMap(OAuth.config, ({ app, refreshToken }) => {
      const { oauthUrl, ...rest } = options
      return Effect.flatMap(
        makeOAuth({ ...rest, app: oauthUrl === undefined ? app : { ...app, oauthUrl }, refreshToken }),
        endingWithScope
      )
    })
  )
