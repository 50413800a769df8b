import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Stream from "effect/Stream"
import type * as Endpoint from "../Endpoint.js"
import type { PipedriveError } from "../Errors.js"
import { type Page, paginate, type StreamOptions } from "../Pagination.js"
import type { RateLimitInfo } from "../RateLimit.js"
import { exchange, type Fetched } from "./interpreter.js"

/**
 * A stream over an offset-paged row (`start`, `limit`): each page fetched as bytes, parsed as
 * the consumer gets it, `pageSize` a page unless the caller's `limit` says otherwise.
 */
export const pagedStream = <P extends { readonly start?: number; readonly limit?: number }, A>(
  client: HttpClient.HttpClient.With<PipedriveError>,
  service: string,
  name: string,
  row: Endpoint.Any,
  options: { readonly pageSize: number; readonly room: Effect.Effect<number | undefined> }
) => {
  const { parse, send } = exchange(client, service, name, row as unknown as Endpoint.Endpoint<ReadonlyArray<unknown>, unknown, unknown>)
  const request = { method: row.method, path: row.path, operation: name }
  const open = parse as (fetched: Fetched) => Either.Either<Page<A>, PipedriveError>
  return (params: P, stream?: StreamOptions): Stream.Stream<A, PipedriveError> =>
    paginate({
      start: params.start ?? 0,
      fetch: (start) => send({ ...params, start, limit: params.limit ?? options.pageSize }),
      open,
      request,
      room: options.room
    }, stream)
}

/**
 * What the burst window has room for, as the last response said; a search walk also counts
 * against search's own window, which the headers do not describe.
 */
export const roomOf = (info: Effect.Effect<RateLimitInfo>): Effect.Effect<number | undefined> =>
  Effect.map(info, (info) => info.reported.remaining ?? info.limit)
