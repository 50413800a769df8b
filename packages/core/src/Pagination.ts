/**
 * Pipedrive's response envelopes, offset pagination, and streams that walk every page.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

/**
 * The pagination block of a list or search response.
 *
 * @since 0.1.0
 */
export const Pagination = Schema.Struct({
  start: Schema.NonNegativeInt,
  limit: Schema.NonNegativeInt,
  more_items_in_collection: Schema.Boolean,
  /** Present only while `more_items_in_collection` is true. */
  next_start: Schema.optionalWith(Schema.NonNegativeInt, { exact: true })
}).annotations({ identifier: "Pagination" })

/**
 * @since 0.1.0
 */
export interface Pagination extends Schema.Schema.Type<typeof Pagination> {}

/**
 * One page of results.
 *
 * @since 0.1.0
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly pagination: Pagination
}

/**
 * `additional_data` as real traffic nests it (`{ pagination: {...} }`), or flat as Pipedrive's
 * OpenAPI document describes it.
 */
const AdditionalData = Schema.Union(Schema.Struct({ pagination: Pagination }), Pagination)

/**
 * `{ success, data }` around one value.
 *
 * @since 0.1.0
 */
export const DataEnvelope = <A, I, R>(data: Schema.Schema<A, I, R>) =>
  Schema.Struct({ success: Schema.Boolean, data })

/**
 * The list envelope: `data` is an array of items, or `null` for an empty page.
 *
 * @since 0.1.0
 */
export const ListEnvelope = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    success: Schema.Boolean,
    data: Schema.NullOr(Schema.Array(item)),
    additional_data: Schema.optionalWith(Schema.NullOr(AdditionalData), { exact: true })
  })

/**
 * The search envelope: items sit under `data.items`.
 *
 * @since 0.1.0
 */
export const SearchEnvelope = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    success: Schema.Boolean,
    data: Schema.NullOr(Schema.Struct({ items: Schema.NullOr(Schema.Array(item)) })),
    additional_data: Schema.optionalWith(Schema.NullOr(AdditionalData), { exact: true })
  })

type AdditionalData = typeof AdditionalData.Type

/**
 * A page from a decoded envelope. Without pagination data, the page is the last one.
 *
 * @since 0.1.0
 */
export const toPage = <A>(items: ReadonlyArray<A> | null, additional: AdditionalData | null | undefined): Page<A> => {
  const list = items ?? []
  const pagination = additional == null
    ? { start: 0, limit: list.length, more_items_in_collection: false }
    : "pagination" in additional
    ? additional.pagination
    : additional
  return { items: list, pagination }
}

/**
 * Where the next page starts, if there is one that moves forward.
 *
 * @since 0.1.0
 */
export const nextStart = (page: Page<unknown>, start: number): Option.Option<number> => {
  if (!page.pagination.more_items_in_collection) return Option.none()
  const next = page.pagination.next_start ?? start + page.items.length
  return next > start ? Option.some(next) : Option.none()
}

/**
 * Options for walking pages.
 *
 * @since 0.1.0
 */
export interface StreamOptions {
  /**
   * Pages fetched ahead while the consumer works on the current one (0 to 2, default 1).
   * Read-ahead begins once the consumer comes back for a second page, so a consumer that
   * stops within the first page never causes a second request.
   */
  readonly readAhead?: 0 | 1 | 2
}

/** One turn of the event loop, after whatever its check phase already holds (`setImmediate`). */
const macrotask: Effect.Effect<void> = Effect.async<void>((resume) => {
  if (typeof globalThis.setImmediate === "function") {
    const handle = globalThis.setImmediate(() => resume(Effect.void))
    return Effect.sync(() => globalThis.clearImmediate(handle))
  }
  const handle = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(handle))
})

/**
 * Taking a page from the read-ahead buffer wakes the fiber that fetches the next one. A
 * consumer that works on the page synchronously would keep the thread before that request is
 * on the wire, and the prefetch would overlap nothing: undici, for one, writes a request from
 * `setImmediate`. So the consumer waits two turns of the event loop: during the first, the
 * fetching fiber runs until it waits on the transport (which queues its write behind this
 * first turn); the second comes after that write.
 */
const letFetcherSend: Effect.Effect<void> = Effect.zipRight(macrotask, macrotask)

/**
 * Every item of every page from `start` on, fetched lazily: the next page is requested
 * only when the consumer needs it (or, with read-ahead, while it works on the current one),
 * and nothing more is fetched once the consumer stops. A failure on page n surfaces after
 * the items of pages before it.
 *
 * @since 0.1.0
 */
export const paginate = <A, E, R>(
  start: number,
  fetch: (start: number) => Effect.Effect<Page<A>, E, R>,
  options?: StreamOptions
): Stream.Stream<A, E, R> => {
  const readAhead = options?.readAhead ?? 1
  const step = (offset: number) =>
    Effect.map(fetch(offset), (page) => [Chunk.unsafeFromArray(page.items), nextStart(page, offset)] as const)
  const pagesFrom = (offset: number) => Stream.paginateChunkEffect(offset, step)
  if (readAhead === 0) return pagesFrom(start)
  return Stream.unwrap(Effect.map(step(start), ([first, next]) =>
    Stream.concat(
      Stream.fromChunk(first),
      Option.match(next, {
        onNone: () => Stream.empty,
        onSome: (offset) =>
          Stream.bufferChunks(pagesFrom(offset), { capacity: readAhead }).pipe(
            Stream.mapChunksEffect((chunk) => Effect.as(letFetcherSend, chunk))
          )
      })
    )))
}
