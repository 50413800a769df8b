import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Either, Exit, Fiber, Layer, Logger, LogLevel, Option, Redacted, TestClock } from "effect"
import { OAuthServer } from "../src/internal/fake/oauth.js"
import { makeHttpClient } from "../src/internal/fake/transport.js"
import * as OAuth from "../src/OAuth.js"
import * as TokenStore from "../src/TokenStore.js"
import { makeCapturingTracer } from "./support/scriptedHttp.js"

const clientSecret = "s3cr3t-client-secret-7f2a"
const redirectUri = "http://127.0.0.1:8123/callback"
const app: OAuth.App = { clientId: "app-1", clientSecret: Redacted.make(clientSecret) }

/** The fake OAuth server behind an in-memory HttpClient, with every request it received. */
const makeServer = (options: ConstructorParameters<typeof OAuthServer>[0] = {}) => {
  const server = new OAuthServer({ clientId: app.clientId, clientSecret, ...options })
  const received: Array<{ url: string; headers: Readonly<Record<string, string | undefined>>; body: string | undefined }> = []
  const client = makeHttpClient((request, now) => {
    received.push({ url: request.path, headers: request.headers, body: request.body })
    return { _tag: "Respond", response: server.handle(request, now) }
  })
  return { server, received, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

/** Goes through the authorization page as a user who clicks "Allow": the code it redirects with. */
const authorize = (state = "session-42") =>
  Effect.gen(function*() {
    const url = yield* OAuth.authorizationUrl({ clientId: app.clientId, redirectUri, state })
    const response = yield* HttpClient.get(url)
    expect(response.status).toBe(302)
    const location = new URL(response.headers.location!)
    expect(location.searchParams.get("state")).toBe(state)
    return location.searchParams.get("code")!
  })

describe("OAuth.authorizationUrl", () => {
  it("names the client, the redirect URI, the state and the scopes; never a secret", () => {
    const url = new URL(Either.getOrThrow(OAuth.authorizationUrl({
      clientId: "app-1",
      redirectUri,
      state: "a b&c",
      scopes: ["leads:read", "search:read"]
    })))
    expect(`${url.origin}${url.pathname}`).toBe("https://oauth.pipedrive.com/oauth/authorize")
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: "app-1",
      redirect_uri: redirectUri,
      state: "a b&c",
      scope: "leads:read search:read"
    })
  })

  it("bad input is an InvalidInput naming each problem", () => {
    const result = OAuth.authorizationUrl({ clientId: " ", redirectUri: "/callback", state: "" })
    expect(Either.isLeft(result)).toBe(true)
    const error = Either.getLeft(result).pipe(Option.getOrThrow)
    expect(error._tag).toBe("InvalidInput")
    expect(error.issues).toHaveLength(3)
    expect(error.message).toContain("redirectUri")
  })

  it.each(["", "  "])("a state of %j is refused: it would tie the answer to no session", (state) => {
    const result = OAuth.authorizationUrl({ clientId: "app", redirectUri: "https://app.example/callback", state })
    expect(Either.getLeft(result).pipe(Option.map((error) => error.issues))).toEqual(
      Option.some(["state: must not be empty (it ties the answer to the user's session)"])
    )
  })
})

describe("OAuth code exchange, refresh, revoke", () => {
  it.effect("exchanges a code for tokens: form body, Basic credentials, expiry on the Clock", () =>
    Effect.gen(function*() {
      const { layer, received } = makeServer()
      yield* TestClock.adjust("10 seconds")
      const tokens = yield* Effect.flatMap(authorize(), (code) => OAuth.exchangeCode(app, { code, redirectUri })).pipe(
        Effect.provide(layer)
      )
      expect(tokens.apiDomain).toBe("https://test.pipedrive.com")
      expect(tokens.expiresAt).toBe(10_000 + 3_599_000)
      expect(tokens.scope).toBe("base leads:full")
      const sent = received.find((request) => request.url === "/oauth/token")!
      expect(sent.headers.authorization).toBe(`Basic ${btoa(`app-1:${clientSecret}`)}`)
      expect(sent.headers["content-type"]).toBe("application/x-www-form-urlencoded")
      expect(Object.fromEntries(new URLSearchParams(sent.body))).toMatchObject({ grant_type: "authorization_code", redirect_uri: redirectUri })
    }))

  it.effect("a code is good once: the second exchange is refused with advice to start again", () =>
    Effect.gen(function*() {
      const { layer } = makeServer()
      const error = yield* Effect.gen(function*() {
        const code = yield* authorize()
        yield* OAuth.exchangeCode(app, { code, redirectUri })
        return yield* Effect.flip(OAuth.exchangeCode(app, { code: Redacted.make(code), redirectUri }))
      }).pipe(Effect.provide(layer))
      expect(error._tag).toBe("OAuthError")
      if (error._tag !== "OAuthError") return
      expect(error.error).toBe("invalid_grant")
      expect(error.reauthorize).toBe(false)
      expect(error.message).toContain("start the authorization again")
    }))

  it.effect("refresh keeps the refresh token when not rotated, and takes the new one when rotated", () =>
    Effect.gen(function*() {
      for (const rotate of [false, true]) {
        const { layer, server } = makeServer({ rotateRefreshTokens: rotate })
        const first = Redacted.make(server.install())
        const renewed = yield* OAuth.refresh(app, first).pipe(Effect.provide(layer))
        expect(Redacted.value(renewed.refreshToken) === Redacted.value(first)).toBe(!rotate)
        expect(server.check(Redacted.value(renewed.accessToken), 0)).toBe("valid")
        // A rotated-out refresh token is dead.
        const again = yield* Effect.either(OAuth.refresh(app, first).pipe(Effect.provide(layer)))
        expect(Either.isLeft(again)).toBe(rotate)
      }
    }))

  it.effect("an answer without refresh_token keeps the one we had", () =>
    Effect.gen(function*() {
      const client = HttpClient.make((request) =>
        Effect.succeed(HttpClientResponse.fromWeb(
          request,
          new Response(JSON.stringify({ access_token: "a-1", expires_in: 3600, api_domain: "https://acme.pipedrive.com/" }))
        ))
      )
      const tokens = yield* OAuth.refresh(app, Redacted.make("r-1")).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      expect(Redacted.value(tokens.refreshToken)).toBe("r-1")
      expect(tokens.apiDomain).toBe("https://acme.pipedrive.com")
    }))

  it.effect("a refused refresh is a typed OAuthError, sent once, that says to re-authorize", () =>
    Effect.gen(function*() {
      const { layer, received, server } = makeServer()
      const refreshToken = server.install()
      server.revoke(refreshToken)
      const error = yield* Effect.flip(OAuth.refresh(app, Redacted.make(refreshToken)).pipe(Effect.provide(layer)))
      expect(error._tag).toBe("OAuthError")
      if (error._tag !== "OAuthError") return
      expect(error.status).toBe(400)
      expect(error.reauthorize).toBe(true)
      expect(error.message).toContain("re-authorize")
      expect(received).toHaveLength(1)
      expect(server.stats().tokenRequests).toEqual({ refresh_token: 1 })
    }))

  it.effect("a wrong client secret is invalid_client; a body that is not a token response names the field, not its value", () =>
    Effect.gen(function*() {
      const { layer, server } = makeServer()
      const wrong = yield* Effect.flip(
        OAuth.refresh({ ...app, clientSecret: Redacted.make("nope") }, Redacted.make(server.install())).pipe(
          Effect.provide(layer)
        )
      )
      expect(wrong.message).toContain("client id and client secret")

      const leaky = HttpClient.make((request) =>
        Effect.succeed(HttpClientResponse.fromWeb(
          request,
          new Response(JSON.stringify({ access_token: "leaked-access", refresh_token: 7, expires_in: 3600 }))
        ))
      )
      const decode = yield* Effect.flip(
        OAuth.refresh(app, Redacted.make("r-1")).pipe(Effect.provideService(HttpClient.HttpClient, leaky))
      )
      expect(decode._tag).toBe("ResponseDecodeError")
      expect(decode.message).toContain("refresh_token")
      expect(decode.message).toContain("api_domain")
      expect(JSON.stringify(decode)).not.toContain("leaked-access")
    }))

  it.effect("an empty or blank client secret, refresh token, code or token to revoke is an InvalidInput, and nothing is sent", () =>
    Effect.gen(function*() {
      const { layer, received, server } = makeServer()
      const noSecret = yield* Effect.flip(
        OAuth.refresh({ ...app, clientSecret: Redacted.make(" ") }, Redacted.make(server.install())).pipe(
          Effect.provide(layer)
        )
      )
      expect(noSecret).toMatchObject({ _tag: "InvalidInput", issues: ["clientSecret: must not be empty"] })
      const noToken = yield* Effect.flip(OAuth.refresh(app, Redacted.make("  ")).pipe(Effect.provide(layer)))
      expect(noToken).toMatchObject({ _tag: "InvalidInput", issues: ["refreshToken: must not be empty"] })
      for (const blank of ["", " "]) {
        const noRevoke = yield* Effect.flip(
          OAuth.revoke(app, Redacted.make(blank), "refresh_token").pipe(Effect.provide(layer))
        )
        expect(noRevoke).toMatchObject({ _tag: "InvalidInput", issues: ["token: must not be empty"] })
        const noCode = yield* Effect.flip(
          OAuth.exchangeCode(app, { code: blank, redirectUri: "https://example.com/callback" }).pipe(Effect.provide(layer))
        )
        expect(noCode).toMatchObject({ _tag: "InvalidInput", issues: ["code: must not be empty"] })
      }
      expect(received).toHaveLength(0)
    }))

  it.effect("revoking the refresh token ends the grant and its access tokens", () =>
    Effect.gen(function*() {
      const { layer, server } = makeServer()
      const refreshToken = Redacted.make(server.install())
      const tokens = yield* OAuth.refresh(app, refreshToken).pipe(Effect.provide(layer))
      yield* OAuth.revoke(app, refreshToken, "refresh_token").pipe(Effect.provide(layer))
      expect(server.check(Redacted.value(tokens.accessToken), 0)).toBe("invalid")
      expect(server.stats().revocations).toBe(1)
      const error = yield* Effect.flip(OAuth.refresh(app, refreshToken).pipe(Effect.provide(layer)))
      expect(error._tag === "OAuthError" && error.reauthorize).toBe(true)
    }))

  it.effect("secrets appear in no URL, log line, error or span", () =>
    Effect.gen(function*() {
      const { layer, received, server } = makeServer()
      const lines: Array<string> = []
      const capture = Logger.make((options) => {
        lines.push(Logger.logfmtLogger.log(options), JSON.stringify(Logger.structuredLogger.log(options)))
      })
      const { spans, tracer } = yield* makeCapturingTracer
      // The browser's part: the code comes back in the redirect URL, as OAuth has it.
      const code = yield* authorize().pipe(Effect.provide(layer))
      const secrets: Array<string> = [clientSecret, code]
      const exits = yield* Effect.gen(function*() {
        const tokens = yield* OAuth.exchangeCode(app, { code, redirectUri })
        secrets.push(Redacted.value(tokens.accessToken), Redacted.value(tokens.refreshToken))
        yield* Effect.logInfo("tokens", tokens)
        const renewed = yield* OAuth.refresh(app, tokens.refreshToken)
        secrets.push(Redacted.value(renewed.accessToken))
        yield* OAuth.revoke(app, tokens.refreshToken, "refresh_token")
        return [
          yield* Effect.exit(OAuth.refresh(app, tokens.refreshToken)),
          yield* Effect.exit(OAuth.exchangeCode(app, { code, redirectUri }))
        ]
      }).pipe(
        Effect.provide(layer),
        Effect.withTracer(tracer),
        Effect.provide(Logger.add(capture)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      expect(server.stats().refused).toBe(2)
      const texts = [
        ...received.map((request) => request.url),
        ...lines,
        ...exits.flatMap((exit) => Exit.isFailure(exit) ? [Cause.pretty(exit.cause), JSON.stringify(Cause.squash(exit.cause))] : ["?"]),
        ...spans.flatMap((span) => [
          span.name,
          ...[...span.attributes].map(([key, value]) => `${key}=${String(value)}`),
          span.status._tag === "Ended" && Exit.isFailure(span.status.exit) ? Cause.pretty(span.status.exit.cause) : ""
        ])
      ]
      expect(lines.length).toBeGreaterThan(0)
      expect(spans.some((span) => span.name === "OAuth.refresh")).toBe(true)
      const posts = spans.filter((span) => span.kind === "client" && span.attributes.get("http.request.method") === "POST")
      expect(posts).toHaveLength(5)
      expect(received.filter((request) => request.url !== "/oauth/authorize")).toHaveLength(5)
      for (const span of posts) expect(span.attributes.get("http.request.header.authorization")).toBe("<redacted>")
      for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret)
    }))
})

describe("OAuth.makeSession over a TokenStore", () => {
  const sessionLayer = (server: OAuthServer, layer: Layer.Layer<HttpClient.HttpClient>, refreshToken?: string) =>
    Effect.gen(function*() {
      const store = yield* TokenStore.makeMemory()
      const session = yield* OAuth.makeSession({
        app,
        ...(refreshToken === undefined ? {} : { refreshToken: Redacted.make(refreshToken) })
      }).pipe(Effect.provide(layer), Effect.provideService(TokenStore.TokenStore, store))
      return { session, store, server }
    })

  it.effect("50 fibers at the moment of expiry: one refresh, all get the new token", () =>
    Effect.gen(function*() {
      const { layer, server } = makeServer()
      const { session } = yield* sessionLayer(server, layer, server.install())
      const first = yield* session.tokens
      expect(server.stats().tokenRequests).toEqual({ refresh_token: 1 })
      // Within the skew of the expiry: every fiber wants a new token at once.
      yield* TestClock.adjust("3540 seconds")
      const all = yield* Effect.all(Array.from({ length: 50 }, () => session.tokens), { concurrency: "unbounded" })
      expect(server.stats().tokenRequests).toEqual({ refresh_token: 2 })
      const values = new Set(all.map((tokens) => Redacted.value(tokens.accessToken)))
      expect(values.size).toBe(1)
      expect(values.has(Redacted.value(first.accessToken))).toBe(false)
    }))

  it.effect("refreshes before the skew, not after every call; renew after a 401 refreshes once for many callers", () =>
    Effect.gen(function*() {
      const { layer, server } = makeServer()
      const { session } = yield* sessionLayer(server, layer, server.install())
      const first = yield* session.tokens
      yield* TestClock.adjust("3538 seconds")
      expect(yield* session.tokens).toBe(first)
      expect(server.stats().tokenRequests).toEqual({ refresh_token: 1 })
      server.revoke(Redacted.value(first.accessToken))
      const renewed = yield* Effect.all(Array.from({ length: 10 }, () => session.renew(first)), { concurrency: "unbounded" })
      expect(server.stats().tokenRequests).toEqual({ refresh_token: 2 })
      expect(new Set(renewed.map((tokens) => Redacted.value(tokens.accessToken))).size).toBe(1)
    }))

  it.effect("a store already holding fresh tokens is used as is; an empty store and no refresh token is a typed failure", () =>
    Effect.gen(function*() {
      const { layer, server } = makeServer()
      const tokens = yield* OAuth.refresh(app, Redacted.make(server.install())).pipe(Effect.provide(layer))
      const store = yield* TokenStore.makeMemory(tokens)
      const session = yield* OAuth.makeSession({ app }).pipe(
        Effect.provide(layer),
        Effect.provideService(TokenStore.TokenStore, store)
      )
      expect(yield* session.tokens).toBe(tokens)
      expect(server.stats().tokenRequests).toEqual({ refresh_token: 1 })

      const empty = yield* sessionLayer(server, layer)
      const error = yield* Effect.flip(empty.session.tokens)
      expect(error._tag).toBe("TokenStoreUnavailable")
      expect(error.message).toContain("authorize the app first")
    }))

  it.effect("a refused refresh fails every waiting caller once, without retrying", () =>
    Effect.gen(function*() {
      const { layer, server } = makeServer()
      const refreshToken = server.install()
      const { session } = yield* sessionLayer(server, layer, refreshToken)
      yield* session.tokens
      server.revoke(refreshToken)
      yield* TestClock.adjust("1 hour")
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: 5 }, () => Effect.flip(session.tokens)), {
        concurrency: "unbounded"
      }))
      yield* TestClock.adjust("1 minute")
      const errors = yield* Fiber.join(fiber)
      for (const error of errors) expect(error._tag === "OAuthError" && error.reauthorize).toBe(true)
      // One refusal per waiting caller at most: each asks once, none loops.
      expect(server.stats().tokenRequests.refresh_token).toBeLessThanOrEqual(1 + 5)
      expect(server.stats().refused).toBe(server.stats().tokenRequests.refresh_token! - 1)
    }))
})

describe("TokenStore", () => {
  it.effect("round-trips through JSON; the JSON holds the tokens, the value prints them redacted", () =>
    Effect.gen(function*() {
      const tokens = new TokenStore.Tokens({
        accessToken: Redacted.make("acc-1"),
        refreshToken: Redacted.make("ref-1"),
        expiresAt: 123,
        scope: "base",
        apiDomain: "https://acme.pipedrive.com"
      })
      const text = TokenStore.encodeJson(tokens)
      expect(JSON.parse(text)).toMatchObject({ accessToken: "acc-1", refreshToken: "ref-1" })
      const back = yield* TokenStore.decodeJson(text)
      expect(Redacted.value(back.refreshToken)).toBe("ref-1")
      expect(String(tokens)).not.toContain("acc-1")
      const bad = yield* Effect.flip(TokenStore.decodeJson(`{"accessToken":"acc-2"}`))
      expect(bad.reason).not.toContain("acc-2")
    }))

  it.effect("renew runs the refresh once for a stale value, with the user's lock around it", () =>
    Effect.gen(function*() {
      let value = Option.none<TokenStore.Tokens>()
      let locked = 0
      const store = yield* TokenStore.make({
        get: Effect.sync(() => value),
        set: (tokens) => Effect.sync(() => void (value = Option.some(tokens))),
        lock: (effect) => Effect.ensuring(Effect.zipRight(Effect.sync(() => locked++), effect), Effect.void)
      })
      let refreshes = 0
      const make = (n: number) =>
        new TokenStore.Tokens({
          accessToken: Redacted.make(`acc-${n}`),
          refreshToken: Redacted.make("ref"),
          expiresAt: 0,
          scope: "",
          apiDomain: "https://acme.pipedrive.com"
        })
      const refresh = () => Effect.sync(() => make(++refreshes))
      const results = yield* Effect.all(Array.from({ length: 5 }, () => store.renew(Option.none(), refresh)), {
        concurrency: "unbounded"
      })
      expect(refreshes).toBe(1)
      expect(locked).toBe(5)
      expect(results.every((tokens) => Redacted.value(tokens.accessToken) === "acc-1")).toBe(true)
      yield* store.renew(Option.some(make(1)), refresh)
      expect(refreshes).toBe(2)
    }))
})
