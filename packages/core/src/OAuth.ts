/**
 * OAuth 2 for Pipedrive Marketplace apps, over any `HttpClient`: the authorization URL, the
 * code exchange, refresh and revocation against `https://oauth.pipedrive.com` (HTTP Basic
 * client credentials, form-encoded bodies), and the session the OAuth client layer uses —
 * tokens from a `TokenStore`, refreshed before they expire and once after a 401, single-flight.
 *
 * The client secret and every token are `Redacted`. None goes into a URL (they travel in the
 * Basic header, which spans show redacted, and in the form body, which nothing records), a log
 * line, an error (a server's explanation has them blanked out) or a span.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import {
  InvalidInput,
  OAuthError,
  RequestTimeout,
  ResponseDecodeError,
  type ResponseTooLarge,
  type TransportError
} from "./Errors.js"
import { textOf } from "./internal/json.js"
import { fromHttpClientError, readBody } from "./internal/responses.js"
import { clientSpan } from "./internal/tracing.js"
import * as variables from "./internal/variables.js"
import { sameAccessToken, TokenStore, TokenStoreUnavailable, Tokens } from "./TokenStore.js"

/**
 * Pipedrive's OAuth server.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultOAuthUrl = "https://oauth.pipedrive.com"

/**
 * How long before an access token expires the session refreshes it (60 s): a request sent
 * just before the expiry must not arrive just after it.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRefreshSkew: Duration.Duration = Duration.seconds(60)

/**
 * The app as registered in Pipedrive's Marketplace.
 *
 * @since 0.1.0
 * @category models
 */
export interface App {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted
  /** The OAuth server (default {@link defaultOAuthUrl}; tests point it at a fake). */
  readonly oauthUrl?: string | undefined
  /** The longest a token request may take, body included (default 30 s). */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * What a token request can fail with: refused or failed at the OAuth server, the connection,
 * the timeout, an answer that is not a token response or is over the response size cap, input
 * rejected before sending.
 *
 * @since 0.1.0
 * @category errors
 */
export type OAuthFailure =
  | OAuthError
  | TransportError
  | RequestTimeout
  | ResponseDecodeError
  | ResponseTooLarge
  | InvalidInput

const paths = { authorize: "/oauth/authorize", token: "/oauth/token", revoke: "/oauth/revoke" } as const

const httpUrl = (text: string): URL | undefined => {
  try {
    const url = new URL(text)
    return url.protocol === "https:" || url.protocol === "http:" ? url : undefined
  } catch {
    return undefined
  }
}

const serverOf = (app: { readonly oauthUrl?: string | undefined }): string =>
  (app.oauthUrl ?? defaultOAuthUrl).replace(/\/+$/, "")

const invalid = (operation: string, path: string, method: string, issues: ReadonlyArray<string>) =>
  new InvalidInput({ method, path, operation, issues })

const appIssues = (app: { readonly clientId: string; readonly oauthUrl?: string | undefined }): Array<string> => [
  ...(app.clientId.trim() === "" ? ["clientId: must not be empty"] : []),
  ...(app.oauthUrl !== undefined && httpUrl(app.oauthUrl) === undefined ? ["oauthUrl: expected an http(s) URL"] : [])
]

/**
 * Where to send the user to install the app: Pipedrive's authorization page for `clientId`,
 * which redirects to `redirectUri` with `code` and the same `state` (a value of the user's
 * session, to check on the way back). `scopes`, when given, ask for fewer than the app's.
 *
 * @example
 * ```ts
 * import { OAuth } from "@effect-pipedrive/core"
 * import { Either } from "effect"
 *
 * const url = OAuth.authorizationUrl({
 *   clientId: "my-client-id",
 *   redirectUri: "https://example.com/pipedrive/callback",
 *   state: "a value tied to the user's session"
 * })
 * assert.ok(Either.isRight(url) && url.right.startsWith("https://oauth.pipedrive.com/oauth/authorize?"))
 * ```
 *
 * @since 0.1.0
 * @category authorization
 */
export const authorizationUrl = (options: {
  readonly clientId: string
  readonly redirectUri: string
  readonly state: string
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly oauthUrl?: string | undefined
}): Either.Either<string, InvalidInput> => {
  const issues = [
    ...appIssues(options),
    ...(httpUrl(options.redirectUri) === undefined ? ["redirectUri: expected an absolute http(s) URL"] : []),
    ...(options.state.trim() === "" ? ["state: must not be empty (it ties the answer to the user's session)"] : [])
  ]
  if (issues.length > 0) return Either.left(invalid("authorizationUrl", paths.authorize, "GET", issues))
  const url = new URL(`${serverOf(options)}${paths.authorize}`)
  url.searchParams.set("client_id", options.clientId)
  url.searchParams.set("redirect_uri", options.redirectUri)
  url.searchParams.set("state", options.state)
  if (options.scopes !== undefined && options.scopes.length > 0) url.searchParams.set("scope", options.scopes.join(" "))
  return Either.right(url.toString())
}

/** The token endpoint's answer, as Pipedrive spells it. */
const TokenResponse = Schema.Struct({
  access_token: Schema.NonEmptyString,
  token_type: Schema.optional(Schema.String),
  refresh_token: Schema.optional(Schema.NonEmptyString),
  scope: Schema.optional(Schema.String),
  expires_in: Schema.Number.pipe(Schema.greaterThan(0)),
  api_domain: Schema.String.pipe(Schema.filter((domain) => httpUrl(domain) !== undefined, {
    message: () => "expected an http(s) URL"
  }))
})

const decodeTokenResponse = Schema.decodeUnknownEither(Schema.parseJson(TokenResponse), { errors: "all" })

/** The server's explanation, at most 300 characters, with every secret of the request blanked out. */
const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  const cut = text.length > 300 ? `${text.slice(0, 300)}…` : text
  return secrets.reduce((out, secret) => secret === "" ? out : out.split(secret).join("<redacted>"), cut)
}

const refusal = (
  grant: OAuthError["grant"],
  path: string,
  status: number,
  text: string,
  secrets: ReadonlyArray<string>
): OAuthError => {
  let error: string | undefined
  let description: string | undefined
  try {
    const body: unknown = JSON.parse(text)
    if (typeof body === "object" && body !== null) {
      const record = body as Record<string, unknown>
      error = typeof record.error === "string" ? record.error : undefined
      const said = record.error_description ?? record.message
      description = typeof said === "string" ? said : undefined
    }
  } catch {
    // Not JSON (an HTML error page): the status says enough.
  }
  return new OAuthError({
    method: "POST",
    path,
    grant,
    status,
    ...(error === undefined ? {} : { error: scrub(error, secrets) }),
    ...(description === undefined ? {} : { description: scrub(description, secrets) })
  })
}

/** The paths of what failed to decode, never the values: a value here may be a token. */
const decodeDetail = (error: ParseResult.ParseError): string => [
  ...new Set(ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) =>
    issue.path.length === 0
      ? "<body>: not a JSON object"
      : `${issue.path.join(".")}: ${issue._tag === "Missing" ? "missing" : "invalid"}`
  ))
].join("; ")

/**
 * Sends one form to the OAuth server with the app's credentials and answers the response body
 * text of a 2xx; refusals and failures become typed errors.
 */
const post = (
  app: App,
  grant: OAuthError["grant"],
  path: string,
  form: Record<string, string>,
  secrets: ReadonlyArray<string>
): Effect.Effect<{ readonly status: number; readonly text: string }, OAuthFailure, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const issues = [
      ...appIssues(app),
      ...(Redacted.value(app.clientSecret).trim() === "" ? ["clientSecret: must not be empty"] : [])
    ]
    if (issues.length > 0) return yield* invalid(grant, path, "POST", issues)
    const client = yield* HttpClient.HttpClient
    const timeoutMillis = Duration.toMillis(app.timeout ?? Duration.seconds(30))
    const request = HttpClientRequest.post(`${serverOf(app)}${path}`).pipe(
      HttpClientRequest.basicAuth(app.clientId, Redacted.value(app.clientSecret)),
      HttpClientRequest.acceptJson,
      HttpClientRequest.bodyUrlParams(form)
    )
    // In a span of our own that ends with the status: the platform's would end with the
    // response, whose request holds the Basic credentials and the form (code, refresh token).
    const { status, text } = yield* clientSpan(request, (sent) => Effect.mapError(client.execute(sent), fromHttpClientError)).pipe(
      Effect.flatMap((response) => Effect.map(readBody(response), (body) => ({ status: response.status, text: textOf(body) }))),
      Effect.timeoutFail({
        duration: Duration.millis(timeoutMillis),
        onTimeout: () => new RequestTimeout({ method: "POST", path, timeoutMillis })
      })
    )
    if (status < 200 || status >= 300) return yield* refusal(grant, path, status, text, [...secrets, Redacted.value(app.clientSecret)])
    return { status, text }
  })

/** A token request; the refresh token is kept when the answer carries none (not rotated). */
const grantTokens = (
  app: App,
  grant: "authorization_code" | "refresh_token",
  form: Record<string, string>,
  secrets: ReadonlyArray<string>,
  previousRefreshToken: Redacted.Redacted | undefined
): Effect.Effect<Tokens, OAuthFailure, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    // The lifetime counts from before sending: the token cannot outlive what we believe.
    const sentAt = yield* Clock.currentTimeMillis
    const { status, text } = yield* post(app, grant, paths.token, form, secrets)
    const decoded = decodeTokenResponse(text)
    if (Either.isLeft(decoded)) {
      return yield* new ResponseDecodeError({
        method: "POST",
        path: paths.token,
        status,
        at: "",
        detail: decodeDetail(decoded.left)
      })
    }
    const body = decoded.right
    const refreshToken = body.refresh_token !== undefined ? Redacted.make(body.refresh_token) : previousRefreshToken
    if (refreshToken === undefined) {
      return yield* new ResponseDecodeError({
        method: "POST",
        path: paths.token,
        status,
        at: "refresh_token",
        detail: "refresh_token: missing from the answer to a code exchange"
      })
    }
    return new Tokens({
      accessToken: Redacted.make(body.access_token),
      refreshToken,
      expiresAt: sentAt + Math.round(body.expires_in * 1000),
      scope: body.scope ?? "",
      apiDomain: body.api_domain.replace(/\/+$/, "")
    })
  })

/**
 * Exchanges the `code` Pipedrive sent to the redirect URI for the installation's tokens.
 * `redirectUri` must be the one the authorization used.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { OAuth, TokenStore } from "@effect-pipedrive/core"
 * import { Effect, Redacted } from "effect"
 *
 * const app: OAuth.App = { clientId: "my-client-id", clientSecret: Redacted.make("my-client-secret") }
 *
 * // In the redirect URI's handler: trade the code for tokens, and keep them.
 * const onCallback = (code: string) =>
 *   OAuth.exchangeCode(app, { code, redirectUri: "https://example.com/pipedrive/callback" }).pipe(
 *     Effect.flatMap((tokens) => Effect.flatMap(TokenStore.TokenStore, (store) => store.set(tokens))),
 *     Effect.provide(FetchHttpClient.layer)
 *   )
 * ```
 *
 * @since 0.1.0
 * @category authorization
 */
export const exchangeCode: (
  app: App,
  params: { readonly code: Redacted.Redacted | string; readonly redirectUri: string }
) => Effect.Effect<Tokens, OAuthFailure, HttpClient.HttpClient> = Effect.fn("OAuth.exchangeCode")(
  function*(app, params) {
    const code = Redacted.isRedacted(params.code) ? Redacted.value(params.code) : params.code
    const issues = [
      ...(code.trim() === "" ? ["code: must not be empty"] : []),
      ...(httpUrl(params.redirectUri) === undefined ? ["redirectUri: expected an absolute http(s) URL"] : [])
    ]
    if (issues.length > 0) return yield* invalid("exchangeCode", paths.token, "POST", issues)
    return yield* grantTokens(
      app,
      "authorization_code",
      { grant_type: "authorization_code", code, redirect_uri: params.redirectUri },
      [code],
      undefined
    )
  }
)

/**
 * Buys a new access token with the refresh token. The answer keeps `refreshToken` unless
 * Pipedrive sent a new one (rotation); then the new one must be stored, the old one is dead.
 * A refused refresh (`invalid_grant`) fails with `OAuthError` whose `reauthorize` is true.
 *
 * @since 0.1.0
 * @category refresh
 */
export const refresh: (
  app: App,
  refreshToken: Redacted.Redacted
) => Effect.Effect<Tokens, OAuthFailure, HttpClient.HttpClient> = Effect.fn("OAuth.refresh")(
  function*(app, refreshToken) {
    const token = Redacted.value(refreshToken)
    if (token.trim() === "") return yield* invalid("refresh", paths.token, "POST", ["refreshToken: must not be empty"])
    return yield* grantTokens(
      app,
      "refresh_token",
      { grant_type: "refresh_token", refresh_token: token },
      [token],
      refreshToken
    )
  }
)

/**
 * Revokes a token. Revoking the refresh token ends the installation's grant (every access
 * token issued with it stops working); revoking an access token ends just that one.
 *
 * @since 0.1.0
 * @category revocation
 */
export const revoke: (
  app: App,
  token: Redacted.Redacted,
  kind: "access_token" | "refresh_token"
) => Effect.Effect<void, OAuthFailure, HttpClient.HttpClient> = Effect.fn("OAuth.revoke")(
  function*(app, token, kind) {
    const value = Redacted.value(token)
    if (value.trim() === "") return yield* invalid("revoke", paths.revoke, "POST", ["token: must not be empty"])
    yield* post(app, "revoke", paths.revoke, { token: value, token_type_hint: kind }, [value])
  }
)

/**
 * The app and the installation's refresh token, from the environment (or any
 * `ConfigProvider`): `PIPEDRIVE_CLIENT_ID`, `PIPEDRIVE_CLIENT_SECRET`, `PIPEDRIVE_REFRESH_TOKEN`.
 * A missing or empty one fails with a `ConfigError` naming it.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<{ readonly app: App; readonly refreshToken: Redacted.Redacted }> = Config.all({
  clientId: variables.required("PIPEDRIVE_CLIENT_ID"),
  clientSecret: variables.secret("PIPEDRIVE_CLIENT_SECRET"),
  refreshToken: variables.secret("PIPEDRIVE_REFRESH_TOKEN")
}).pipe(Config.map(({ clientId, clientSecret, refreshToken }) => ({ app: { clientId, clientSecret }, refreshToken })))

/**
 * How an OAuth client finds its tokens.
 *
 * @since 0.1.0
 * @category session
 */
export interface SessionOptions {
  readonly app: App
  /**
   * The installation's refresh token, for when the `TokenStore` holds nothing yet (a first
   * start from configuration). Once the store holds tokens, the stored refresh token wins.
   */
  readonly refreshToken?: Redacted.Redacted | undefined
  /** How long before expiry to refresh (default {@link defaultRefreshSkew}); keep it below the token's lifetime. */
  readonly refreshSkew?: Duration.DurationInput | undefined
}

/**
 * What getting tokens can fail with: the refresh, or the store.
 *
 * @since 0.1.0
 * @category session
 */
export type SessionFailure = OAuthFailure | TokenStoreUnavailable

/**
 * The tokens an OAuth client sends with.
 *
 * @since 0.1.0
 * @category session
 */
export interface Session {
  /** Tokens valid for at least the skew: cached, else the store's, else refreshed. */
  readonly tokens: Effect.Effect<Tokens, SessionFailure>
  /** After Pipedrive rejected `rejected` (a 401): new tokens, refreshed unless someone already did. */
  readonly renew: (rejected: Tokens) => Effect.Effect<Tokens, SessionFailure>
}

/**
 * A session over the `TokenStore` and the `HttpClient` in context (the OAuth server is asked
 * through the latter). However many fibers need new tokens at once, one refreshes and the
 * others wait for its result; the store's lock does the same across processes.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { OAuth, TokenStore } from "@effect-pipedrive/core"
 * import { Effect, Redacted } from "effect"
 *
 * // A fresh access token whenever one is needed, for a call this library does not make.
 * const accessToken = Effect.gen(function*() {
 *   const session = yield* OAuth.makeSession({
 *     app: { clientId: "my-client-id", clientSecret: Redacted.make("my-client-secret") },
 *     refreshToken: Redacted.make("the installation's refresh token")
 *   })
 *   const tokens = yield* session.tokens
 *   return tokens.accessToken
 * }).pipe(Effect.provide(TokenStore.layerMemory()), Effect.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category session
 */
export const makeSession = (
  options: SessionOptions
): Effect.Effect<Session, never, TokenStore | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const store = yield* TokenStore
    const httpClient = yield* HttpClient.HttpClient
    const cache = yield* Ref.make(Option.none<Tokens>())
    const semaphore = yield* Effect.makeSemaphore(1)
    const skewMillis = Duration.toMillis(options.refreshSkew ?? defaultRefreshSkew)
    const fresh = (tokens: Tokens, now: number) => now < tokens.expiresAt - skewMillis

    const refreshFrom = (
      current: Option.Option<Tokens>
    ): Effect.Effect<Tokens, OAuthFailure | TokenStoreUnavailable> => {
      const refreshToken = Option.match(current, {
        onNone: () => options.refreshToken,
        onSome: (tokens) => tokens.refreshToken
      })
      return refreshToken === undefined
        ? Effect.fail(
          new TokenStoreUnavailable({
            operation: "get",
            reason: "no tokens are stored and no refresh token was given: authorize the app first"
          })
        )
        : Effect.provideService(refresh(options.app, refreshToken), HttpClient.HttpClient, httpClient)
    }
    const renewStored = (stale: Option.Option<Tokens>) =>
      Effect.tap(store.renew(stale, refreshFrom), (tokens) => Ref.set(cache, Option.some(tokens)))

    const cachedIfFresh = Effect.zipWith(
      Ref.get(cache),
      Clock.currentTimeMillis,
      (cached, now) => Option.filter(cached, (tokens) => fresh(tokens, now))
    )

    const tokens: Effect.Effect<Tokens, SessionFailure> = Effect.flatMap(cachedIfFresh, (cached) =>
      Option.isSome(cached) ? Effect.succeed(cached.value) : semaphore.withPermits(1)(
        // Another fiber may have refreshed while this one waited; else the store may hold
        // tokens another process refreshed; else refresh.
        Effect.flatMap(cachedIfFresh, (again) =>
          Option.isSome(again) ? Effect.succeed(again.value) : Effect.flatMap(
            Effect.zip(store.get, Clock.currentTimeMillis),
            ([stored, now]) =>
              Option.isSome(stored) && fresh(stored.value, now)
                ? Effect.as(Ref.set(cache, stored), stored.value)
                : renewStored(stored)
          ))
      ))

    const renew = (rejected: Tokens): Effect.Effect<Tokens, SessionFailure> =>
      semaphore.withPermits(1)(Effect.flatMap(Ref.get(cache), (cached) =>
        Option.isSome(cached) && !sameAccessToken(cached.value, rejected)
          ? Effect.succeed(cached.value)
          : renewStored(Option.some(rejected))))

    return { tokens, renew }
  })
