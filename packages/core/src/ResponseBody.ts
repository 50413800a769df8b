/**
 * How a transport can hand the client a whole response body faster than its `stream`.
 *
 * The client reads every body to the end, as text, against a byte cap (`maxResponseBytes`).
 * Through the response's `stream` that works over any `HttpClient`, but running an Effect
 * `Stream` costs a channel executor per body, which is a large share of a small request's CPU.
 * A response that implements {@link TextReader} is read through it instead; `UndiciHttpClient`
 * in `@effect-pipedrive/node-runtime` does.
 *
 * @since 0.2.0
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Effect from "effect/Effect"
import { hasProperty } from "effect/Predicate"

/**
 * The key a response's whole-body reader is stored under.
 *
 * @since 0.2.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@effect-pipedrive/core/ResponseBody/TextReader")

/**
 * The type of {@link TypeId}.
 *
 * @since 0.2.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * A response that reads its whole body as UTF-8 text against a cap. It fails with
 * `onTooLarge()` as soon as more than `maxBytes` bytes have arrived, and stops reading there
 * (which aborts the response); a failure of the connection is a `ResponseError`; interrupting
 * the read stops it too. The body can be read once.
 *
 * @example
 * ```ts
 * import { ResponseBody } from "@effect-pipedrive/core"
 * import type { HttpClientResponse } from "@effect/platform"
 * import { Effect } from "effect"
 *
 * // Reads a body through the reader when the transport offers one.
 * const text = (response: HttpClientResponse.HttpClientResponse) =>
 *   ResponseBody.isTextReader(response)
 *     ? response[ResponseBody.TypeId](1024 * 1024, () => "too large" as const)
 *     : response.text
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface TextReader {
  readonly [TypeId]: <E>(
    maxBytes: number,
    onTooLarge: () => E
  ) => Effect.Effect<string, E | HttpClientError.ResponseError>
}

/**
 * Whether `u` offers a {@link TextReader}.
 *
 * @since 0.2.0
 * @category guards
 */
export const isTextReader = (u: unknown): u is TextReader => hasProperty(u, TypeId)
