/**
 * The production stack on Node: the `Leads` service and the configured `PipedriveClient`
 * (auth, base URL, retry, rate limiting, timeouts) over undici. Undici's `Agent` keeps
 * connections alive between requests; it is created with the layer and destroyed with it.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Leads, PipedriveClient } from "@effect-pipedrive/core"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"

/**
 * What the layers provide.
 *
 * @since 0.1.0
 */
export type Services = Leads.Leads | PipedriveClient.PipedriveClient

const overUndici = (
  client: Layer.Layer<PipedriveClient.PipedriveClient, ConfigError.ConfigError, HttpClient.HttpClient>
): Layer.Layer<Services, ConfigError.ConfigError> =>
  Leads.layer.pipe(Layer.provideMerge(client), Layer.provide(NodeHttpClient.layerUndici))

/**
 * `Leads` and `PipedriveClient` over undici, with the options given. Rate limits are counted
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
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options: PipedriveClient.Options): Layer.Layer<Services, ConfigError.ConfigError> =>
  overUndici(PipedriveClient.layer(options))

/**
 * `Leads` and `PipedriveClient` over undici, configured from the environment (or any
 * `ConfigProvider`): `PIPEDRIVE_API_TOKEN` or `PIPEDRIVE_OAUTH_TOKEN`, `PIPEDRIVE_COMPANY_DOMAIN`
 * or `PIPEDRIVE_BASE_URL`, optionally `PIPEDRIVE_PLAN`; the other policies as given here. A
 * missing variable fails the layer with a `ConfigError` naming it.
 *
 * @since 0.1.0
 */
export const layerConfig = (policies?: PipedriveClient.Policies): Layer.Layer<Services, ConfigError.ConfigError> =>
  overUndici(PipedriveClient.layerConfig(policies))
