/**
 * Pipedrive's response envelopes, offset pagination, and streams that walk every page.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { InvalidInput, PaginationStalled } from "./Errors.js"

/**
 * The pagination block of a list or search response.
 *
 * @since 0.1.0
 * @category schemas
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
 * @category schemas
 */
export interface Pagination extends Schema.Schema.Type<typeof Pagination> {}

/**
 * One page of results.
 *
 * @since 0.1.0
 * @category models
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
 * @category schemas
 */
export const DataEnvelope = <A, I, R>(data: Schema.Schema<A, I, R>) =>
  Schema.Struct({ success: Schema.Boolean, data })

/**
 * The list envelope: `data` is an array of items, or `null` for an empty page.
 *
 * @since 0.1.0
 * @category schemas
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
 * @category schemas
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
 * @category constructors
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
 * Where the page says the next one starts (`next_start`, else right after its items), or none
 * when it is the last. Whether that moves forward is for the walk to check.
 *
 * @since 0.1.0
 * @category getters
 */
export const nextStart = (page: Page<unknown>, start: number): Option.Option<number> =>
  page.pagination.more_items_in_collection
    ? Option.some(page.pagination.next_start ?? start + page.items.length)
    : Option.none()

/**
 * Empty pages (`data: []` or `null`) claiming more items that a walk follows in a row, as long
 * as `next_start` advances; the next one fails it with `PaginationStalled`. Pipedrive can send an
 * empty page mid-walk when items vanish between requests, never many in a row.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxEmptyPages = 3

/**
 * The most pages a walk requests at once by default, when the rate limiter has room for them:
 * beyond 4, the measured walk (bench scenario 1) gets no faster, and each further page past the
 * end is one more wasted request.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultConcurrency = 4

/**
 * The most pages a walk may be told to request at once.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxConcurrency = 16

/**
 * Options for walking pages.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions {
  /**
   * How many pages may be requested at once, `K`: an integer from 1 (one page after the other)
   * to {@link maxConcurrency}. Default: as many as the rate limiter's window has room for when
   * the walk begins to fetch ahead, at most {@link defaultConcurrency}.
   *
   * The first page is requested alone, so `Stream.take(1)` sends one request. Once a page says
   * there are more, the walk keeps `K` requests going at the predicted offsets (`start` plus
   * the step the previous page advanced by): while the consumer works on one page, the next
   * `K − 1` are on their way (so `K = 2` is one page of read-ahead). Pages are emitted in order;
   * at most `K` are held at once. A walk of N pages sends at most N + K − 1 requests: the ones
   * past the last page are interrupted as soon as it arrives.
   */
  readonly concurrency?: number | undefined
}

/**
 * What {@link paginate} walks: where to begin, how to fetch the page at an offset (`T`, such
 * as the response's bytes) and how to open it into a page, and the request it stands for (for
 * errors). A page is opened only as the consumer gets it, so that no fiber, span or buffer
 * holds it before: a parsed page held across young-generation collections is copied and
 * promoted, its bytes are not.
 *
 * @since 0.1.0
 * @category models
 */
export interface Walk<A, E, R, T> {
  readonly start: number
  readonly fetch: (start: number) => Effect.Effect<T, E, R>
  readonly open: (fetched: T) => Either.Either<Page<A>, E>
  readonly request: { readonly method: string; readonly path: string; readonly operation: string }
  /** How many more requests the rate limiter's window has room for now, if it knows. */
  readonly room?: Effect.Effect<number | undefined> | undefined
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
 * A request forked for a page ahead only starts once the consumer's fiber yields, and a
 * consumer that works on a page synchronously would keep the thread before that request is on
 * the wire: undici, for one, writes a request from `setImmediate`. So before handing a page
 * over, the walk waits two turns of the event loop: during the first, the fetching fibers run
 * until they wait on the transport (which queues its writes behind this first turn); the
 * second comes after those writes.
 */
const letFetchersSend: Effect.Effect<void> = Effect.zipRight(macrotask, macrotask)

const concurrencyIssue = (concurrency: number | undefined): string | undefined =>
  concurrency === undefined || (Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= maxConcurrency)
    ? undefined
    : `concurrency: expected an integer from 1 to ${maxConcurrency}, got ${String(concurrency)}`

/**
 * Every item of every page from `start` on, in order, fetched lazily: nothing is requested until
 * the stream runs, the first page alone, and from the second on up to `K` pages at once (see
 * {@link StreamOptions}); nothing more is fetched once the consumer stops, and requests in
 * flight are interrupted. A failure on page n surfaces after the items of the pages before it.
 *
 * Pagination that does not move forward fails with `PaginationStalled` after the items read so
 * far: a `next_start` at or before the page's own start (or an empty page claiming more without
 * one), or more than {@link maxEmptyPages} empty pages claiming more in a row.
 *
 * @since 0.1.0
 * @category streams
 */
export const paginate = <A, E, R, T>(
  walk: Walk<A, E, R, T>,
  options?: StreamOptions
): Stream.Stream<A, E | PaginationStalled | InvalidInput, R> => {
  const { method, operation, path } = walk.request
  const requested = options?.concurrency
  const issue = concurrencyIssue(requested)
  if (issue !== undefined) return Stream.fail(new InvalidInput({ method, path, operation, issues: [issue] }))
  const room = walk.room ?? Effect.succeed(undefined)

  return Stream.unwrapScoped(Effect.map(Effect.scope, (scope) => {
    interface Flight {
      readonly start: number
      readonly fiber: Fiber.RuntimeFiber<T, E>
    }
    /** Where the page the consumer gets next begins. */
    let start = walk.start
    /** Requests sent for that page and the ones after it, in order. */
    let ahead: Array<Flight> = []
    /** Where the next request ahead begins, and by how much the offsets advance. */
    let nextAhead = start
    let step = 0
    /** 1 until a page says there are more, then K. */
    let concurrency = 1
    let rampedUp = false
    let emptyInARow = 0
    let ended = false
    let stalled: PaginationStalled | undefined

    const stopAhead = Effect.suspend(() => {
      const fibers = ahead.map((flight) => flight.fiber)
      ahead = []
      return fibers.length === 0 ? Effect.void : Fiber.interruptAll(fibers)
    })

    const send = Effect.suspend(() => {
      const at = nextAhead
      nextAhead += step
      return Effect.map(Effect.forkIn(walk.fetch(at), scope), (fiber) => {
        ahead.push({ start: at, fiber })
      })
    })

    // The page at `start`: fetched by the consumer itself when pages go one at a time, else
    // from the requests ahead, topped up to K first.
    const fetchNext = Effect.suspend((): Effect.Effect<T, E, R> => {
      if (concurrency === 1 && ahead.length === 0) return walk.fetch(start)
      const missing = concurrency - ahead.length
      if (missing <= 0) return Fiber.join(ahead.shift()!.fiber)
      return Effect.zipRight(
        Effect.zipRight(Effect.repeatN(send, missing - 1), letFetchersSend),
        Effect.suspend(() => Fiber.join(ahead.shift()!.fiber))
      )
    })

    const stall = (
      reason: "notForward" | "emptyPages",
      page: Page<A>,
      at: number
    ) =>
      new PaginationStalled({
        method,
        path,
        reason,
        start: at,
        ...(page.pagination.next_start === undefined ? {} : { nextStart: page.pagination.next_start }),
        items: page.items.length,
        emptyPages: emptyInARow
      })

    // Reads what a page says about the next one and moves the walk on; the page's items are
    // emitted in any case, a stall surfacing on the next pull. Answers what is left to do
    // (interrupting requests ahead, reading the limiter's room), if anything.
    const advance = (page: Page<A>): Effect.Effect<void> | undefined => {
      const at = start
      const next = nextStart(page, at)
      if (Option.isNone(next)) {
        ended = true
        return ahead.length === 0 ? undefined : stopAhead
      }
      emptyInARow = page.items.length === 0 ? emptyInARow + 1 : 0
      if (next.value <= at || emptyInARow > maxEmptyPages) {
        stalled = stall(next.value <= at ? "notForward" : "emptyPages", page, at)
        return stopAhead
      }
      start = next.value
      const predicted = ahead.length === 0 || ahead[0]!.start === start
      if (!predicted || ahead.length === 0) {
        nextAhead = start
        step = start - at
      }
      const mispredicted = predicted ? undefined : stopAhead
      if (rampedUp) return mispredicted
      rampedUp = true
      const ramp = requested === undefined
        ? Effect.map(room, (free) => {
          concurrency = Math.max(1, Math.min(defaultConcurrency, free ?? defaultConcurrency))
        })
        : Effect.sync(() => {
          concurrency = requested
        })
      return mispredicted === undefined ? ramp : Effect.zipRight(mispredicted, ramp)
    }

    // The page is opened here, as it is handed over, and the step's value is its items: no
    // continuation holds them.
    const take = (fetched: T): Effect.Effect<Chunk.Chunk<A>, Option.Option<E | PaginationStalled>> => {
      const opened = walk.open(fetched)
      if (Either.isLeft(opened)) return Effect.fail(Option.some(opened.left))
      const items = opened.right.items
      const pending = advance(opened.right)
      const empty = items.length === 0
      if (pending === undefined) return Effect.succeed(Chunk.unsafeFromArray(items))
      return Effect.flatMap(pending, () =>
        stalled !== undefined && empty
          ? Effect.fail(Option.some(stalled))
          : Effect.succeed(Chunk.unsafeFromArray(items)))
    }

    const pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<E | PaginationStalled>, R> = Effect.suspend(() => {
      if (stalled !== undefined) return Effect.fail(Option.some(stalled))
      if (ended) return Effect.fail(Option.none())
      return Effect.matchEffect(fetchNext, { onFailure: (error) => Effect.fail(Option.some(error)), onSuccess: take })
    })

    return Stream.repeatEffectChunkOption(pull)
  }))
}

/**
 * Runs `f` on each chunk of `stream`, one after the other — for the streams of this library, on
 * each page — and fails with the first failure of either, after which nothing more is pulled
 * (requests in flight are interrupted). It does what `Stream.runForEachChunk` does, pulling the
 * chunks itself instead of running them through a sink: in Effect 3, a chunk handed to an
 * effect by a stream step (`runForEachChunk`, `runForEach`, `mapChunksEffect`) stays referenced
 * long enough for V8's young-generation collector to copy it and then promote it. Over a
 * 100,000-lead walk that was 85 MB promoted against 23–37 MB (GC traces), and 10–25 % more CPU
 * per lead (bench scenario 1, `a1` against `a1-sink`).
 *
 * @example
 * ```ts
 * import { Lead, Leads, Pagination } from "@effect-pipedrive/core"
 * import { Chunk, Effect } from "effect"
 *
 * // Every lead, each page written out as one batch.
 * const exportAll = (write: (batch: ReadonlyArray<Lead.Lead>) => Effect.Effect<void>) =>
 *   Effect.flatMap(Leads.Leads, (leads) =>
 *     Pagination.forEachPage(leads.streamLeads(), (page) => write(Chunk.toReadonlyArray(page))))
 * ```
 *
 * @since 0.2.0
 * @category streams
 */
export const forEachPage = <A, E, R, E2, R2>(
  stream: Stream.Stream<A, E, R>,
  f: (page: Chunk.Chunk<A>) => Effect.Effect<unknown, E2, R2>
): Effect.Effect<void, E | E2, R | R2> =>
  Effect.scoped(Effect.flatMap(Stream.toPull(stream), (pull) => {
    const loop: Effect.Effect<void, E | E2, R | R2> = Effect.matchEffect(pull, {
      onFailure: (error) => Option.isNone(error) ? Effect.void : Effect.fail(error.value),
      onSuccess: (page) => Effect.flatMap(f(page), () => loop)
    })
    return loop
  }))

/**
 * Maps each chunk of `stream` (for the streams of this library, each page) with an effect, and
 * emits the chunks it gives, in order. It does what `Stream.mapChunksEffect` does, pulling the
 * chunks itself, for the reason given at {@link forEachPage}: with `mapChunksEffect`, a walk of
 * 100,000 leads that copied every lead promoted 84 MB and spent 0.3 s more in collections;
 * pulled like this, 24 MB, as without the step. Stopping early (`Stream.take`, a failure)
 * interrupts the requests in flight, as with the stream itself.
 *
 * @example
 * ```ts
 * import { Leads, Pagination } from "@effect-pipedrive/core"
 * import { Chunk, Effect } from "effect"
 *
 * // Each page of leads scored by a service of one's own, one call per page.
 * declare const score: (titles: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<number>>
 *
 * const scored = Effect.map(Leads.Leads, (leads) =>
 *   Pagination.mapPagesEffect(leads.streamLeads(), (page) =>
 *     Effect.map(score(Chunk.toReadonlyArray(page).map((lead) => lead.title)), (scores) =>
 *       Chunk.map(page, (lead, i) => ({ id: lead.id, score: scores[i] ?? 0 })))))
 * ```
 *
 * @since 0.2.0
 * @category streams
 */
export const mapPagesEffect = <A, E, R, B, E2, R2>(
  stream: Stream.Stream<A, E, R>,
  f: (page: Chunk.Chunk<A>) => Effect.Effect<Chunk.Chunk<B>, E2, R2>
): Stream.Stream<B, E | E2, R | R2> =>
  Stream.unwrapScoped(Effect.map(Stream.toPull(stream), (pull) =>
    Stream.repeatEffectChunkOption(
      Effect.flatMap(pull, (page) => Effect.mapError(f(page), Option.some<E | E2>))
    )))

/**
 * The v2 envelope of a cursor page: items under `data.items`, and `additional_data.next_cursor`,
 * `null` (or absent) on the last page.
 *
 * @since 0.2.0
 * @category schemas
 */
export const CursorEnvelope = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    success: Schema.Boolean,
    data: Schema.NullOr(Schema.Struct({ items: Schema.NullOr(Schema.Array(item)) })),
    additional_data: Schema.optionalWith(
      Schema.NullOr(Schema.Struct({ next_cursor: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true }) })),
      { exact: true }
    )
  })

/**
 * One page of a cursor-paged (v2) list: its items and the cursor of the next page, if any.
 *
 * @since 0.2.0
 * @category models
 */
export interface CursorPage<A> {
  readonly items: ReadonlyArray<A>
  readonly nextCursor: string | null
}

/**
 * A cursor page from a decoded {@link CursorEnvelope}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const toCursorPage = <A>(
  data: { readonly items: ReadonlyArray<A> | null } | null,
  additional: { readonly next_cursor?: string | null } | null | undefined
): CursorPage<A> => ({ items: data?.items ?? [], nextCursor: additional?.next_cursor ?? null })

/**
 * Every item of every cursor page from `cursor` on (`undefined`: the first page), one request at
 * a time as the consumer pulls — a cursor page can only be asked for once the page before it
 * has named it. The walk ends at a `null` cursor, and also at an empty page or a cursor equal to
 * the one just sent, so a server that never stops naming pages cannot keep the client looping.
 *
 * @since 0.2.0
 * @category streams
 */
export const paginateCursor = <A, E, R>(
  cursor: string | undefined,
  fetch: (cursor: string | undefined) => Effect.Effect<CursorPage<A>, E, R>
): Stream.Stream<A, E, R> =>
  Stream.paginateChunkEffect(cursor, (current) =>
    Effect.map(fetch(current), (page) => {
      const next = page.nextCursor
      const moves = next !== null && next !== "" && next !== current && page.items.length > 0
      return [Chunk.unsafeFromArray(page.items), moves ? Option.some(next) : Option.none()] as const
    }))
