/**
 * The production stack on Node: every service (`Leads`, `LeadLabels`, `LeadSources`,
 * `LeadFields`, `LeadSearch`, `Conversions`) and the configured `PipedriveClient`
 * (auth, base URL, retry, rate limiting, timeouts, response size cap) over undici — by default
 * this package's lean client on `undici.request` (`UndiciHttpClient`). Undici's `Agent` keeps
 * connections alive between requests; it is created with the layer and destroyed with it.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { PipedriveClient, Services as CoreServices } from "@effect-pipedrive/core"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as UndiciHttpClient from "./UndiciHttpClient.js"

/**
 * What the layers provide: every service, and the configured client they share.
 *
 * @since 0.1.0
 * @category models
 */
export type Services = CoreServices.Services | PipedriveClient.PipedriveClient

/**
 * Which `HttpClient` the layers run on, each with its own keep-alive pool: `"undici"` (the
 * default), `UndiciHttpClient`, built directly on `undici.request`; `"platform"`,
 * `@effect/platform-node`'s `NodeHttpClient.layerUndici`.
 *
 * @since 0.1.0
 * @category models
 */
export type Transport = "undici" | "platform"

/**
 * Options of the Node layers besides the client's.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeOptions {
  readonly transport?: Transport | undefined
}

const transports: Record<Transport, () => Layer.Layer<HttpClient.HttpClient>> = {
  undici: () => UndiciHttpClient.layer(),
  platform: () => NodeHttpClient.layerUndici
}

const over = (
  transport: Transport | undefined,
  client: Layer.Layer<PipedriveClient.PipedriveClient, ConfigError.ConfigError, HttpClient.HttpClient>
): Layer.Layer<Services, ConfigError.ConfigError> =>
  CoreServices.withClient(client).pipe(Layer.provide(transports[transport ?? "undici"]()))

/**
 * Every service and `PipedriveClient` over undici, with the options given. Rate limits are counted
 * in this process unless a `RateLimitStore` is provided below the layer — such as
 * `RedisStore.layer`, which shares them with every process behind the same token.
 *
 * @example
 * ```ts
 * import { PipedriveNode, RedisStore } from "@effect-pipedrive/node-runtime"
 * import { Layer, Redacted } from "effect"
 *
 * const PipedriveLive = PipedriveNode.layer({
 *   apiToken: Redacted.make(process.env.PIPEDRIVE_API_TOKEN!),
 *   companyDomain: "acme",
 *   plan: "growth"
 * })
 *
 * // Several processes behind one token: count the limits in Redis.
 * const SharedLive = PipedriveLive.pipe(
 *   Layer.provide(RedisStore.layer({ url: Redacted.make(process.env.REDIS_URL!) }))
 * )
 *
 * // @effect/platform-node's undici client instead of UndiciHttpClient:
 * const OverPlatform = PipedriveNode.layer({
 *   apiToken: Redacted.make(process.env.PIPEDRIVE_API_TOKEN!),
 *   companyDomain: "acme",
 *   transport: "platform"
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: PipedriveClient.Options & NodeOptions
): Layer.Layer<Services, ConfigError.ConfigError> => {
  const { transport, ...client } = options
  return over(transport, PipedriveClient.layer(client))
}

/**
 * Every service and `PipedriveClient` over undici, configured from the environment (or any
 * `ConfigProvider`): `PIPEDRIVE_API_TOKEN` or `PIPEDRIVE_OAUTH_TOKEN`, `PIPEDRIVE_COMPANY_DOMAIN`
 * or `PIPEDRIVE_BASE_URL`, optionally `PIPEDRIVE_PLAN`; the other policies as given here. A
 * missing variable fails the layer with a `ConfigError` naming it.
 *
 * @example
 * ```ts
 * import { Leads } from "@effect-pipedrive/core"
 * import { PipedriveNode } from "@effect-pipedrive/node-runtime"
 * import { Effect } from "effect"
 *
 * // PIPEDRIVE_API_TOKEN and PIPEDRIVE_COMPANY_DOMAIN from the environment; 10 s per attempt.
 * const program = Effect.flatMap(Leads.Leads, (leads) => leads.getLeads({ limit: 10 })).pipe(
 *   Effect.provide(PipedriveNode.layerConfig({ timeout: "10 seconds" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  policies: PipedriveClient.Policies & NodeOptions = {}
): Layer.Layer<Services, ConfigError.ConfigError> => {
  const { transport, ...client } = policies
  return over(transport, PipedriveClient.layerConfig(client))
}

/**
 * Every service and the OAuth `PipedriveClient` (see `PipedriveClient.makeOAuth`) over undici:
 * the tokens' `api_domain` as the base, refreshed before they expire and once after a 401, one
 * refresh at a time. The tokens live in the `TokenStore` provided below the layer — such as
 * `RedisTokenStore.layer`, shared by every process of the installation — else in memory.
 *
 * @example
 * ```ts
 * import { PipedriveNode, RedisTokenStore } from "@effect-pipedrive/node-runtime"
 * import { Layer, Redacted } from "effect"
 *
 * const PipedriveLive = PipedriveNode.layerOAuth({
 *   app: { clientId: "…", clientSecret: Redacted.make(process.env.PIPEDRIVE_CLIENT_SECRET!) },
 *   refreshToken: Redacted.make(process.env.PIPEDRIVE_REFRESH_TOKEN!),
 *   plan: "growth"
 * }).pipe(Layer.provide(RedisTokenStore.layer({ url: Redacted.make(process.env.REDIS_URL!) })))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerOAuth = (
  options: PipedriveClient.OAuthOptions & NodeOptions
): Layer.Layer<Services, ConfigError.ConfigError> => {
  const { transport, ...client } = options
  return over(transport, PipedriveClient.layerOAuth(client))
}

/**
 * {@link layerOAuth} configured from the environment: `PIPEDRIVE_CLIENT_ID`,
 * `PIPEDRIVE_CLIENT_SECRET` and `PIPEDRIVE_REFRESH_TOKEN`; a missing or empty one fails the
 * layer with a `ConfigError` naming it.
 *
 * @example
 * ```ts
 * import { PipedriveNode, RedisTokenStore } from "@effect-pipedrive/node-runtime"
 * import { Layer, Redacted } from "effect"
 *
 * // PIPEDRIVE_CLIENT_ID, PIPEDRIVE_CLIENT_SECRET and PIPEDRIVE_REFRESH_TOKEN; tokens shared in Redis.
 * const PipedriveLive = PipedriveNode.layerOAuthConfig().pipe(
 *   Layer.provide(RedisTokenStore.layer({ url: Redacted.make("redis://127.0.0.1:6379") }))
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerOAuthConfig = (
  options: Parameters<typeof PipedriveClient.layerOAuthConfig>[0] & NodeOptions = {}
): Layer.Layer<Services, ConfigError.ConfigError> => {
  const { transport, ...client } = options ?? {}
  return over(transport, PipedriveClient.layerOAuthConfig(client))
}
