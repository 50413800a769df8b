import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  ConfigError,
  ConfigProvider,
  Effect,
  Exit,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  TestClock
} from "effect"
import * as Leads from "../src/Leads.js"
import { CurrentOperation } from "../src/Operation.js"
import * as PipedriveClient from "../src/PipedriveClient.js"
import * as PipedriveTest from "../src/PipedriveTest.js"
import * as TokenStore from "../src/TokenStore.js"
import { runFor } from "./support/drive.js"
import { makeCapturingTracer } from "./support/scriptedHttp.js"

/** The model's OAuth server, a memory token store the test can read, and the OAuth client over both. */
const makeLayer = (options: Parameters<typeof PipedriveTest.layerOAuth>[0] = {}) =>
  Effect.map(TokenStore.makeMemory(), (store) => ({
    store,
    layer: PipedriveTest.layerOAuth({ leads: 5, ...options }).pipe(
      Layer.provide(Layer.succeed(TokenStore.TokenStore, store))
    )
  }))

const currentAccessToken = (store: TokenStore.TokenStoreShape) =>
  Effect.map(store.get, (tokens) => Redacted.value(Option.getOrThrow(tokens).accessToken))

/** One getLead every `every` for `duration`, each outcome kept. */
const walk = (every: number, count: number) =>
  Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const [first] = yield* Effect.flatMap(PipedriveTest.PipedriveTest, (model) => model.leads)
    const outcomes: Array<Exit.Exit<unknown, unknown>> = []
    for (let i = 0; i < count; i++) {
      outcomes.push(yield* Effect.exit(leads.getLead(first!.id)))
      yield* Effect.sleep(every)
    }
    return outcomes
  })

const refreshes = Effect.flatMap(PipedriveTest.PipedriveTest, (model) =>
  Effect.map(model.oauth.stats, (stats) => stats.tokenRequests.refresh_token ?? 0))

describe("the OAuth client over the in-memory Pipedrive", () => {
  it.effect("a three-hour walk across three expiries: every call succeeds, exactly three refreshes", () =>
    Effect.gen(function*() {
      const { layer } = yield* makeLayer()
      const exit = yield* runFor(
        Effect.gen(function*() {
          const leads = yield* Leads.Leads
          const model = yield* PipedriveTest.PipedriveTest
          const [first] = yield* model.leads
          // The first call buys the first access token with the configured refresh token.
          yield* leads.getLead(first!.id)
          yield* model.oauth.resetStats
          const outcomes = yield* walk(60_000, 180)
          return { outcomes, refreshed: yield* refreshes, stats: yield* model.stats }
        }).pipe(Effect.provide(layer)),
        "3 hours"
      )
      const { outcomes, refreshed, stats } = yield* exit
      expect(outcomes.filter(Exit.isFailure)).toEqual([])
      expect(outcomes).toHaveLength(180)
      // Refreshed by the first call within 60 s of each expiry (3540 s, 7080 s, 10620 s): no call met a 401.
      expect(refreshed).toBe(3)
      expect(stats.byStatus["401"]).toBeUndefined()
    }))

  it.effect("50 concurrent calls at the moment of expiry: exactly one refresh, all succeed", () =>
    Effect.gen(function*() {
      const { layer, store } = yield* makeLayer()
      const result = yield* Effect.gen(function*() {
        const leads = yield* Leads.Leads
        const model = yield* PipedriveTest.PipedriveTest
        const [first] = yield* model.leads
        yield* leads.getLead(first!.id)
        const before = yield* currentAccessToken(store)
        yield* model.oauth.resetStats
        yield* TestClock.adjust("3599 seconds")
        const all = yield* Effect.all(Array.from({ length: 50 }, () => Effect.exit(leads.getLead(first!.id))), {
          concurrency: "unbounded"
        })
        return { all, refreshed: yield* refreshes, before, after: yield* currentAccessToken(store) }
      }).pipe(Effect.provide(layer))
      expect(result.all.filter(Exit.isFailure)).toEqual([])
      expect(result.refreshed).toBe(1)
      expect(result.after).not.toBe(result.before)
    }))

  it.effect("50 calls meeting a 401 with the same token (revoked): one refresh, each call sent once more, all succeed", () =>
    Effect.gen(function*() {
      const { layer, store } = yield* makeLayer()
      const result = yield* Effect.gen(function*() {
        const leads = yield* Leads.Leads
        const model = yield* PipedriveTest.PipedriveTest
        const [first] = yield* model.leads
        yield* leads.getLead(first!.id)
        yield* model.oauth.revoke(yield* currentAccessToken(store))
        yield* model.oauth.resetStats
        yield* model.resetStats
        const all = yield* Effect.all(Array.from({ length: 50 }, () => Effect.exit(leads.getLead(first!.id))), {
          concurrency: "unbounded"
        })
        return { all, refreshed: yield* refreshes, stats: yield* model.stats }
      }).pipe(Effect.provide(layer))
      expect(result.all.filter(Exit.isFailure)).toEqual([])
      expect(result.refreshed).toBe(1)
      expect(result.stats.byStatus).toEqual({ "200": 50, "401": 50 })
    }))

  it.effect("an access token revoked mid-walk: refreshed once, the walk goes on", () =>
    Effect.gen(function*() {
      const { layer, store } = yield* makeLayer()
      const exit = yield* runFor(
        Effect.gen(function*() {
          const model = yield* PipedriveTest.PipedriveTest
          const firstHalf = yield* walk(60_000, 10)
          yield* model.oauth.resetStats
          yield* model.oauth.revoke(yield* currentAccessToken(store))
          const secondHalf = yield* walk(60_000, 10)
          return { outcomes: [...firstHalf, ...secondHalf], refreshed: yield* refreshes }
        }).pipe(Effect.provide(layer)),
        "30 minutes"
      )
      const { outcomes, refreshed } = yield* exit
      expect(outcomes.filter(Exit.isFailure)).toEqual([])
      expect(refreshed).toBe(1)
    }))

  it.effect("the grant revoked: the call fails with an OAuthError saying to re-authorize, after one refresh request", () =>
    Effect.gen(function*() {
      const { layer, store } = yield* makeLayer()
      const result = yield* Effect.gen(function*() {
        const leads = yield* Leads.Leads
        const model = yield* PipedriveTest.PipedriveTest
        const [first] = yield* model.leads
        yield* leads.getLead(first!.id)
        const tokens = Option.getOrThrow(yield* store.get)
        yield* model.oauth.revoke(Redacted.value(tokens.refreshToken))
        yield* model.oauth.resetStats
        const error = yield* Effect.flip(leads.getLead(first!.id))
        return { error, oauth: yield* model.oauth.stats }
      }).pipe(Effect.provide(layer))
      expect(result.error._tag).toBe("OAuthError")
      if (result.error._tag !== "OAuthError") return
      expect(result.error.reauthorize).toBe(true)
      expect(result.error.message).toContain("re-authorize")
      expect(result.oauth.tokenRequests).toEqual({ refresh_token: 1 })
      expect(result.oauth.refused).toBe(1)
    }))

  it.effect("rotated refresh tokens: each refresh stores the new one, and the walk keeps going", () =>
    Effect.gen(function*() {
      const { layer, store } = yield* makeLayer({ oauth: { rotateRefreshTokens: true, accessTokenTtlSeconds: 600 } })
      const exit = yield* runFor(
        Effect.gen(function*() {
          const seen = new Set<string>()
          const outcomes: Array<Exit.Exit<unknown, unknown>> = []
          for (let i = 0; i < 4; i++) {
            outcomes.push(...yield* walk(60_000, 10))
            seen.add(Redacted.value(Option.getOrThrow(yield* store.get).refreshToken))
          }
          return { outcomes, seen: seen.size, refreshed: yield* refreshes }
        }).pipe(Effect.provide(layer)),
        "1 hour"
      )
      const { outcomes, refreshed, seen } = yield* exit
      expect(outcomes.filter(Exit.isFailure)).toEqual([])
      expect(refreshed).toBe(5)
      expect(seen).toBe(4)
    }))

  it.effect("OAuth's rate limits: four times the API token's burst for the plan", () =>
    Effect.gen(function*() {
      const { layer } = yield* makeLayer({ client: { plan: "growth" } })
      const info = yield* Effect.flatMap(PipedriveClient.PipedriveClient, (client) => client.rateLimitInfo).pipe(
        Effect.provide(layer)
      )
      expect(info.limit).toBe(160)
    }))

  it.effect("secrets appear in no URL, log line, error or span", () =>
    Effect.gen(function*() {
      const { layer, store } = yield* makeLayer()
      const lines: Array<string> = []
      const capture = Logger.make((options) => {
        lines.push(Logger.logfmtLogger.log(options), JSON.stringify(Logger.structuredLogger.log(options)))
      })
      const { spans, tracer } = yield* makeCapturingTracer
      const secrets = new Set<string>(["pipedrive-test-secret"])
      const keep = Effect.flatMap(store.get, (tokens) =>
        Effect.sync(() => {
          const value = Option.getOrThrow(tokens)
          secrets.add(Redacted.value(value.accessToken))
          secrets.add(Redacted.value(value.refreshToken))
        }))
      const exit = yield* runFor(
        Effect.gen(function*() {
          const leads = yield* Leads.Leads
          const model = yield* PipedriveTest.PipedriveTest
          const [first] = yield* model.leads
          const exits: Array<Exit.Exit<unknown, unknown>> = []
          exits.push(yield* Effect.exit(leads.getLead(first!.id)))
          yield* keep
          yield* Effect.sleep("1 hour")
          exits.push(yield* Effect.exit(leads.getLead(first!.id)))
          yield* keep
          yield* model.oauth.revoke(Redacted.value(Option.getOrThrow(yield* store.get).refreshToken))
          yield* Effect.sleep("1 hour")
          exits.push(yield* Effect.exit(leads.getLead(first!.id)))
          return exits
        }).pipe(
          Effect.provide(layer),
          Effect.withTracer(tracer),
          Effect.provide(Logger.add(capture)),
          Logger.withMinimumLogLevel(LogLevel.All)
        ),
        "3 hours"
      )
      const exits = yield* exit
      expect(exits.map((e) => Exit.isSuccess(e))).toEqual([true, true, false])
      expect(secrets.size).toBe(4)
      const texts = [
        ...lines,
        ...exits.flatMap((e) => Exit.isFailure(e) ? [Cause.pretty(e.cause), JSON.stringify(Cause.squash(e.cause))] : []),
        ...spans.flatMap((span) => [
          ...[...span.attributes].map(([key, value]) => `${key}=${String(value)}`),
          span.status._tag === "Ended" && Exit.isFailure(span.status.exit) ? Cause.pretty(span.status.exit.cause) : ""
        ])
      ]
      expect(spans.filter((span) => span.name === "OAuth.refresh")).toHaveLength(3)
      for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret)
    }))
})

describe("the OAuth client's base URL and configuration", () => {
  it.effect("v1 and v2 requests go below the token's api_domain, with the bearer token", () =>
    Effect.gen(function*() {
      const sent: Array<HttpClientRequest.HttpClientRequest> = []
      const client = HttpClient.make((request, url) => {
        sent.push(request)
        const body = url.pathname === "/oauth/token"
          ? { access_token: "acc-1", refresh_token: "ref-1", expires_in: 3600, api_domain: "https://acme.pipedrive.com" }
          : { success: true, data: null }
        return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(JSON.stringify(body))))
      })
      yield* Effect.gen(function*() {
        const { httpClient } = yield* PipedriveClient.PipedriveClient
        yield* httpClient.get("/leads")
        yield* httpClient.get("/leads/search").pipe(
          Effect.provideService(CurrentOperation, { name: "searchLeads", method: "GET", cost: 20, window: "search", api: "v2" })
        )
      }).pipe(
        Effect.provide(PipedriveClient.layerOAuth({
          app: { clientId: "app", clientSecret: Redacted.make("secret") },
          refreshToken: Redacted.make("ref-0")
        })),
        Effect.provideService(HttpClient.HttpClient, client)
      )
      expect(sent.map((request) => request.url)).toEqual([
        "https://oauth.pipedrive.com/oauth/token",
        "https://acme.pipedrive.com/api/v1/leads",
        "https://acme.pipedrive.com/api/v2/leads/search"
      ])
      expect(sent[1]!.headers.authorization).toBe("Bearer acc-1")
    }))

  const complete = { PIPEDRIVE_CLIENT_ID: "app", PIPEDRIVE_CLIENT_SECRET: "pipedrive-test-secret", PIPEDRIVE_REFRESH_TOKEN: "ref" }
  it.effect.each(
    Object.keys(complete).flatMap((name) => [
      [`${name} missing`, name, Object.fromEntries(Object.entries(complete).filter(([key]) => key !== name))],
      [`${name} empty`, name, { ...complete, [name]: "" }]
    ] as const)
  )("configuration from the environment: %s is a ConfigError naming it, with no secret or <redacted> in it", ([, name, env]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(PipedriveClient.layerOAuthConfig()).pipe(
        Effect.scoped,
        Effect.provideService(HttpClient.HttpClient, HttpClient.make(() => Effect.die("unused"))),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      ))
      expect(ConfigError.isConfigError(error)).toBe(true)
      expect(String(error)).toContain(name)
      expect(String(error)).not.toContain("<redacted>")
      expect(String(error)).not.toContain("pipedrive-test-secret")
    }))
})
