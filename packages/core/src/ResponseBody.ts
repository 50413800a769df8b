/**
 * How a transport can hand the client a whole response body faster than its `stream`.
 *
 * The client reads every body to the end, as bytes, against a byte cap (`maxResponseBytes`),
 * and parses them without joining them (see {@link parseJson}). Through the response's
 * `stream` that works over any `HttpClient`, but running an Effect `Stream` costs a channel
 * executor per body, which is a large share of a small request's CPU. A response that
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
 * (not joined: the client parses them as they are; {@link makeCollector} gathers them, small
 * ones copied together). It fails with `onTooLarge()` as soon as more than `maxBytes` bytes
 * have arrived, and stops reading there (which aborts the response); a failure of the
 * connection is a `ResponseError`; interrupting the read stops it too. The body can be read
 * once, and its chunks are not reused by the transport afterwards.
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

/**
 * The UTF-8 text of a body read as chunks, decoded once, a character split between chunks
 * included (a leading byte-order mark dropped, malformed UTF-8 read as U+FFFD, as
 * `TextDecoder` does): for a body that is not JSON, or wanted as text.
 *
 * @example
 * ```ts
 * import { ResponseBody } from "@effect-pipedrive/core"
 *
 * const bytes = new TextEncoder().encode("Zoë")
 * assert.strictEqual(ResponseBody.text([bytes.subarray(0, 3), bytes.subarray(3)]), "Zoë")
 * ```
 *
 * @since 0.2.0
 * @category codecs
 */
export const text: (chunks: ReadonlyArray<Uint8Array>) => string = json.textOf

/**
 * A body's chunks gathered as they arrive, against a byte cap: what a {@link BytesReader} hands
 * over. Chunks under 4 KiB that arrive one after another are copied into shared 64 KiB blocks,
 * so a body that arrives a few bytes at a time costs about its bytes, not an object per packet
 * (a server dripping single bytes as fast as it could cost 110 bytes of heap per byte of body,
 * chunks kept as they came). Larger chunks are kept as they are, in order, and so is a small
 * chunk alone (a small body's only chunk, say) unless it is a view of a buffer more than twice
 * its size, which is copied to its size.
 *
 * @since 0.2.0
 * @category models
 */
export interface Collector {
  /** Adds the next chunk; `false`, keeping nothing more, once more than the cap has arrived. */
  add(chunk: Uint8Array): boolean
  /**
   * The chunks so far, in order, handed over: the collector keeps no reference to them (a
   * reader's closures may outlive the read, and chunks they held would outlive the parse).
   */
  take(): Array<Uint8Array>
}

/**
 * A {@link Collector} for one body, failing past `maxBytes` bytes.
 *
 * @example
 * ```ts
 * import { ResponseBody } from "@effect-pipedrive/core"
 *
 * const collector = ResponseBody.makeCollector(1024)
 * for (const byte of new TextEncoder().encode(`{"ok":true}`)) collector.add(Uint8Array.of(byte))
 * const chunks = collector.take()
 * assert.strictEqual(chunks.length, 1)
 * assert.deepStrictEqual(ResponseBody.parseJson(chunks), { ok: true })
 * assert.strictEqual(collector.add(new Uint8Array(2000)), false)
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeCollector = (maxBytes: number): Collector => new ChunkCollector(maxBytes)

/** Chunks smaller than this that arrive one after another are copied into a block. */
const smallChunk = 4 * 1024
const blockBytes = 64 * 1024

class ChunkCollector implements Collector {
  private chunks: Array<Uint8Array> = []
  /** A small chunk not yet followed by another: a small body is often one chunk, left as it is. */
  private single: Uint8Array | undefined
  private block: Uint8Array | undefined
  private filled = 0
  private size = 0

  constructor(readonly maxBytes: number) {}

  add(chunk: Uint8Array): boolean {
    this.size += chunk.length
    if (this.size > this.maxBytes) return false
    if (chunk.length >= smallChunk) {
      this.close()
      this.chunks.push(chunk)
    } else if (chunk.length > 0) {
      if (this.block === undefined) {
        if (this.single === undefined) {
          this.single = chunk
          return true
        }
        // The second small chunk in a row: both go into a block.
        this.block = new Uint8Array(blockBytes)
        this.append(this.single)
        this.single = undefined
      } else if (this.filled + chunk.length > blockBytes) {
        this.close()
        this.block = new Uint8Array(blockBytes)
      }
      this.append(chunk)
    }
    return true
  }

  take(): Array<Uint8Array> {
    this.close()
    const chunks = this.chunks
    this.chunks = []
    return chunks
  }

  private append(chunk: Uint8Array) {
    this.block!.set(chunk, this.filled)
    this.filled += chunk.length
  }

  /**
   * Ends the small chunk or the block: one that holds less than half of the memory it keeps (a
   * view of a larger buffer, a block closed early) is copied to its size.
   */
  private close() {
    const last = this.single ?? this.block?.subarray(0, this.filled)
    if (last === undefined) return
    this.chunks.push(last.length * 2 >= last.buffer.byteLength ? last : last.slice())
    this.single = undefined
    this.block = undefined
    this.filled = 0
  }
}
