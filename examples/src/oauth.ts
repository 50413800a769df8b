/**
 * OAuth, end to end, against the fake Pipedrive on 127.0.0.1: a Marketplace app's
 * authorization-code flow, then a long export that outlives its access token.
 *
 * 1. The app listens for Pipedrive's redirect on a local callback server (`@effect/platform`'s
 *    HTTP server) and sends the user to the authorization URL.
 * 2. The "browser" follows Pipedrive's redirect back with a `code`; the callback checks the
 *    `state`, exchanges the code for tokens and stores them in a `TokenStore`.
 * 3. `PipedriveNode.layerOAuth` exports every lead over the stored tokens; the fake's access
 *    tokens live a few seconds, so the export crosses several expiries and the client
 *    refreshes before each — the export never notices.
 *
 *   pnpm oauth [--leads 3000] [--ttl-seconds 2]
 */
import { Leads, OAuth, TokenStore } from "@effect-pipedrive/core"
import { PipedriveTest } from "@effect-pipedrive/core/testing"
import { FakePipedriveServer, PipedriveNode } from "@effect-pipedrive/node-runtime"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Console, Context, Deferred, Effect, Layer, Redacted, Stream } from "effect"
import { createServer } from "node:http"
import { CliFailure, intFlag, isMain, parseFlags, runMain } from "./internal/cli.js"

const usage = "usage: oauth [--leads N] [--ttl-seconds S]"

/** Where the app listens for Pipedrive's redirect: a local server on a free port, for the scope. */
const callbackServer = <E>(
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, HttpServerRequest.ParsedSearchParams>
) =>
  Effect.gen(function*() {
    const router = HttpRouter.empty.pipe(HttpRouter.get("/callback", handler))
    const context = yield* Layer.build(
      HttpServer.serve(router).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 })))
    )
    const address = Context.get(context, HttpServer.HttpServer).address
    return address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}/callback` : "http://127.0.0.1/callback"
  })

/** The user's browser: opens the authorization page, which (once allowed) redirects to the app. */
const browser = (url: string) =>
  Effect.promise(async () => {
    const consent = await fetch(url, { redirect: "manual" })
    const location = consent.headers.get("location")
    if (consent.status !== 302 || location === null) return `no redirect (HTTP ${consent.status})`
    return (await fetch(location)).text()
  })

export const main = Effect.gen(function*() {
  const values = yield* parseFlags({ leads: { type: "string" }, "ttl-seconds": { type: "string" } }, usage)
  const leadCount = yield* intFlag("leads", values.leads, 3000, usage, 1)
  const ttlSeconds = yield* intFlag("ttl-seconds", values["ttl-seconds"], 2, usage, 1)

  // Pipedrive, played by the fake server: short-lived access tokens, a little latency per page.
  const pipedrive = yield* FakePipedriveServer.make({
    leads: leadCount,
    oauth: { accessTokenTtlSeconds: ttlSeconds },
    faults: [{ fault: PipedriveTest.Fault.Latency({ millis: 100 }), endpoints: ["getLeads"] }]
  })
  const app: OAuth.App = {
    clientId: pipedrive.model.oauth.clientId,
    clientSecret: Redacted.make(pipedrive.model.oauth.clientSecret),
    oauthUrl: pipedrive.root
  }
  const store = yield* TokenStore.makeMemory()

  // 1–2. The authorization-code flow.
  const state = crypto.randomUUID()
  const installed = yield* Deferred.make<void>()
  let redirectUri = ""
  redirectUri = yield* callbackServer(Effect.gen(function*() {
    const params = yield* HttpServerRequest.ParsedSearchParams
    if (params.state !== state || typeof params.code !== "string") {
      return HttpServerResponse.text("This answer is not for this session.", { status: 400 })
    }
    const tokens = yield* OAuth.exchangeCode(app, { code: Redacted.make(params.code), redirectUri }).pipe(
      Effect.provide(FetchHttpClient.layer)
    )
    yield* store.set(tokens)
    yield* Deferred.succeed(installed, undefined)
    return HttpServerResponse.text("Installed: you can close this window.")
  }).pipe(Effect.catchAll((error) => Effect.succeed(HttpServerResponse.text(error.message, { status: 502 })))))
  const authorizationUrl = yield* OAuth.authorizationUrl({
    clientId: app.clientId,
    redirectUri,
    state,
    oauthUrl: app.oauthUrl
  })
  yield* Console.log(`authorize at ${authorizationUrl.replace(/state=[^&]+/, "state=…")}`)
  yield* Console.log(`browser shows: ${yield* browser(authorizationUrl)}`)
  yield* Deferred.await(installed).pipe(
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new CliFailure({ message: "not installed" }) })
  )

  // 3. A long export over the stored tokens, refreshed as they expire.
  const started = Date.now()
  const exported = yield* Effect.flatMap(Leads.Leads, (leads) =>
    Stream.runCount(leads.streamLeads({ limit: 100 }))).pipe(
      Effect.provide(
        PipedriveNode.layerOAuth({ app, refreshSkew: "500 millis" }).pipe(
          Layer.provide(Layer.succeed(TokenStore.TokenStore, store))
        )
      )
    )
  const seconds = (Date.now() - started) / 1000
  const refreshes = (yield* pipedrive.model.oauth.stats).tokenRequests.refresh_token ?? 0
  const unauthorized = (yield* pipedrive.model.stats).byStatus["401"] ?? 0
  yield* Console.log(
    `exported ${exported} leads (every one not archived) in ${seconds.toFixed(1)} s with ${ttlSeconds}-second access tokens: ` +
      `${refreshes} refreshes, ${unauthorized} calls answered 401`
  )
  const expected = (yield* pipedrive.model.leads).filter((lead) => !lead.is_archived).length
  if (exported !== expected) return yield* new CliFailure({ message: `expected ${expected} leads` })
}).pipe(
  Effect.scoped
)

if (isMain(import.meta.url)) runMain(main)
