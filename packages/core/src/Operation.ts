/**
 * What the HTTP policies (rate limiter, retry, base URL) know about the request in flight:
 * the operation it belongs to, set by the interpreter for the layers below it.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"

/**
 * The HTTP methods Pipedrive's lead endpoints use.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PATCH" | "DELETE"

/**
 * Which burst window a request counts against: the general one, or search's own, lower one.
 *
 * @since 0.1.0
 * @category models
 */
export type Window = "burst" | "search"

/**
 * The API version a path belongs to: `/api/v1` or `/api/v2`, both below one company root.
 *
 * @since 0.2.0
 * @category models
 */
export type Api = "v1" | "v2"

/**
 * What the HTTP policies need to know about the request in flight.
 *
 * @since 0.1.0
 * @category models
 */
export interface Operation {
  /** The operation's name, such as `getLead`. */
  readonly name: string
  readonly method: Method
  /** Daily budget tokens this call costs. */
  readonly cost: number
  readonly window: Window
  readonly api: Api
}

/**
 * The operation the current request belongs to, set by the interpreter for the policies below
 * it. A request sent some other way counts as a plain v1 call costing one token.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { Operation, PipedriveClient } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // A client that logs, for every request, the operation it belongs to and what it costs.
 * const ClientLive = PipedriveClient.layerConfig({
 *   transformClient: HttpClient.tapRequest(() =>
 *     Effect.flatMap(Operation.CurrentOperation, (operation) =>
 *       Effect.logDebug(`${operation.name}: ${operation.cost} tokens`)))
 * })
 * ```
 *
 * @since 0.1.0
 * @category context
 */
export class CurrentOperation extends Context.Reference<CurrentOperation>()(
  "@effect-pipedrive/core/CurrentOperation",
  { defaultValue: (): Operation => ({ name: "request", method: "GET", cost: 1, window: "burst", api: "v1" }) }
) {}
