/**
 * How a transport can hand the client a whole response body faster than its `stream`.
 *
 * The client reads every body to the end, as bytes, against a byte cap (`maxResponseBytes`),
 * and parses them without joining them (see {@link parseJson}). Through the
 * response's `stream` that works over any `HttpClient`, but running an Effect `Stream` costs a
 * channel executor per body, which is a large share of a small request's CPU. A response that
 * implements {@link BytesReader} is read through it instead; `UndiciHttpClient` in
 * `@effect-pipedrive/node-runtime` does.
 *
 * @since 0.2.0
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Effect from "effect/Effect"
import { hasProperty } from "effect/Predicate"
import * as json from "./internal/json.js"

/**
 * The key a response's whole-body reader is stored under.
 *
 * @since 0.2.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@effect-pipedrive/core/ResponseBody/BytesReader")

/**
 * The type of {@link TypeId}.
 *
 * @since 0.2.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * A response that reads its whole body against a cap, as the chunks of bytes it arrived in
 * (not joined: the client parses them as they are). It fails with `onTooLarge()` as soon as
 * more than `maxBytes` bytes have arrived, and stops reading there (which aborts the
 * response); a failure of the connection is a `ResponseError`; interrupting the read stops it
 * too. The body can be read once, and its chunks are not reused by the transport afterwards.
 *
 * @example
 * ```ts
 * import { ResponseBody } from "@effect-pipedrive/core"
 * import type { HttpClientResponse } from "@effect/platform"
 * import { Effect } from "effect"
 *
 * // The size of a body, read through the reader when the transport offers one.
 * const size = (response: HttpClientResponse.HttpClientResponse) =>
 *   ResponseBody.isBytesReader(response)
 *     ? Effect.map(
 *       response[ResponseBody.TypeId](1024 * 1024, () => "too large" as const),
 *       (chunks) => chunks.reduce((total, chunk) => total + chunk.length, 0)
 *     )
 *     : Effect.map(response.arrayBuffer, (buffer) => buffer.byteLength)
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface BytesReader {
  readonly [TypeId]: <E>(
    maxBytes: number,
    onTooLarge: () => E
  ) => Effect.Effect<ReadonlyArray<Uint8Array>, E | HttpClientError.ResponseError>
}

/**
 * Whether `u` offers a {@link BytesReader}.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isBytesReader = (u: unknown): u is BytesReader => hasProperty(u, TypeId)

/**
 * `JSON.parse` of a body read as chunks (what a {@link BytesReader} gives), without decoding a
 * large body into one string: it is parsed in runs of whole elements or members of at most
 * 32 KiB, so V8 allocates no string in its large-object space, which was most of the cost of
 * `JSON.parse` on a page of leads. (A single string value or key over 32 KiB, nesting deeper
 * than 8 large containers, or a container with a separator every few bytes is decoded whole.)
 * The result is `JSON.parse` of the whole text (a leading byte-order mark dropped, malformed
 * UTF-8 read as U+FFFD), and it throws a `SyntaxError` exactly when that does; the message
 * names the bytes of the piece that failed.
 *
 * @example
 * ```ts
 * import { ResponseBody } from "@effect-pipedrive/core"
 *
 * const encoder = new TextEncoder()
 * const body = [encoder.encode(`{"success":true,"da`), encoder.encode(`ta":[1,2]}`)]
 * assert.deepStrictEqual(ResponseBody.parseJson(body), { success: true, data: [1, 2] })
 * ```
 *
 * @since 0.2.0
 * @category codecs
 */
export const parseJson: (chunks: ReadonlyArray<Uint8Array>) => unknown = json.parseJson
