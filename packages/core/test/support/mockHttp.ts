/**
 * A tiny mock `HttpClient` that records every request and answers from a handler, and the
 * services over it (retries and rate limiting off, so each call is one request).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Context, Effect, Layer, Redacted } from "effect"
import * as PipedriveClient from "../../src/PipedriveClient.js"
import * as Services from "../../src/Services.js"

/** What the mock saw of one request, as plain data. */
export interface RecordedRequest {
  readonly method: string
  /** The full URL, query string included. */
  readonly url: string
  /** The URL without its query string. */
  readonly path: string
  /** The raw query string, with its `?` (empty when there is none). */
  readonly search: string
  /** The decoded query parameters. */
  readonly query: Readonly<Record<string, string>>
  /** Header names are lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as sent, or `undefined` when the request had none. */
  readonly bodyText: string | undefined
}

/** What a handler answers: a web `Response`, or an Effect of one that may fail or never end. */
export type Reply = Response | Effect.Effect<Response, HttpClientError.HttpClientError>

/** Answers the `index`-th request (0 based). */
export type Handler = (
  request: RecordedRequest,
  context: { readonly index: number; readonly raw: HttpClientRequest.HttpClientRequest }
) => Reply

/** The requests the mock has seen. */
export class MockHttp extends Context.Tag("test/MockHttp")<MockHttp, {
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  readonly count: Effect.Effect<number>
}>() {}

/** The requests recorded so far, in order. */
export const requests: Effect.Effect<ReadonlyArray<RecordedRequest>, never, MockHttp> = Effect.flatMap(
  MockHttp,
  (mock) => mock.requests
)

/** How many requests were sent so far. */
export const requestCount: Effect.Effect<number, never, MockHttp> = Effect.flatMap(MockHttp, (mock) => mock.count)

/** The only request sent; fails the test when there were none or several. */
export const onlyRequest: Effect.Effect<RecordedRequest, never, MockHttp> = Effect.flatMap(requests, (all) =>
  all.length === 1 && all[0] !== undefined
    ? Effect.succeed(all[0])
    : Effect.dieMessage(`expected exactly one request, got ${all.length}`))

/** A JSON response. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers }
  })

/** A response with any text body (HTML pages, truncated JSON). */
export const text = (status: number, body: string, headers: Record<string, string> = {}): Response =>
  new Response(body, { status, headers })

/** A connection failure with a system error code such as `ECONNREFUSED`. */
export const transportFailure = (raw: HttpClientRequest.HttpClientRequest, code: string) =>
  Effect.fail(
    new HttpClientError.RequestError({
      request: raw,
      reason: "Transport",
      cause: Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code })
    })
  )

const decoder = new TextDecoder()

const bodyTextOf = (request: HttpClientRequest.HttpClientRequest): string | undefined => {
  const body = request.body
  switch (body._tag) {
    case "Uint8Array":
      return decoder.decode(body.body)
    case "Raw":
      return typeof body.body === "string" ? body.body : String(body.body)
    case "Empty":
      return undefined
    default:
      return `<${body._tag} body>`
  }
}

/** A mock `HttpClient` answering from `handler`, and the recorder of what it saw. */
export const makeMock = (handler: Handler) => {
  const seen: Array<RecordedRequest> = []
  const client = HttpClient.make((raw, url) =>
    Effect.suspend(() => {
      const recorded: RecordedRequest = {
        method: raw.method,
        url: url.toString(),
        path: `${url.origin}${url.pathname}`,
        search: url.search,
        query: Object.fromEntries(url.searchParams),
        headers: { ...raw.headers },
        bodyText: bodyTextOf(raw)
      }
      const index = seen.length
      seen.push(recorded)
      const reply = handler(recorded, { index, raw })
      return Effect.map(
        reply instanceof Response ? Effect.succeed(reply) : reply,
        (response) => HttpClientResponse.fromWeb(raw, response)
      )
    })
  )
  const recorder = MockHttp.of({
    requests: Effect.sync(() => seen.slice()),
    count: Effect.sync(() => seen.length)
  })
  return { client, recorder } as const
}

/** The API token every test layer uses: no error or URL may ever contain it. */
export const testToken = "test-token"

/** Base URL for `companyDomain: "acme"`. */
export const baseUrl = "https://acme.pipedrive.com/api/v1"

/** Client options a test may change; auth and location replace the defaults as a whole. */
export interface TestLayerOptions extends PipedriveClient.Policies {
  readonly auth?: PipedriveClient.Auth
  readonly location?: PipedriveClient.Location
}

/**
 * Every service (`Leads`, `LeadLabels`, …) over `PipedriveClient.layer` over the mock (API token `test-token`, company
 * domain `acme`, no retries, no rate limiting unless the options say otherwise), plus the
 * `MockHttp` recorder.
 */
export const makeTestLayer = (handler: Handler, options: TestLayerOptions = {}) =>
  Layer.unwrapEffect(Effect.sync(() => {
    const { auth, location, ...policies } = options
    const { client, recorder } = makeMock(handler)
    const clientOptions: PipedriveClient.Options = {
      ...(auth ?? { apiToken: Redacted.make(testToken) }),
      ...(location ?? { companyDomain: "acme" }),
      retry: false,
      rateLimit: false,
      ...policies
    }
    return Layer.merge(
      Services.layer.pipe(
        Layer.provide(PipedriveClient.layer(clientOptions)),
        Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
      ),
      Layer.succeed(MockHttp, recorder)
    )
  }))

/** A lead as Pipedrive sends it (the contract's example), with the given changes. */
export const leadJson = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: "adf21080-0e10-11eb-879b-05d71fb426ec",
  title: "Jane Doe Lead",
  owner_id: 1,
  creator_id: 1,
  label_ids: ["f08b42a0-4e75-11ea-9643-03698ef1cfd6"],
  person_id: 1092,
  organization_id: null,
  source_name: "API",
  origin: "API",
  origin_id: null,
  channel: 52,
  channel_id: "Jun23 Billboards",
  is_archived: false,
  was_seen: false,
  value: { amount: 999, currency: "USD" },
  expected_close_date: null,
  next_activity_id: 1,
  add_time: "2020-10-14T11:30:36.551Z",
  update_time: "2020-10-14T11:30:36.551Z",
  visible_to: "3",
  cc_email: "company+1+lead@dev.pipedrivemail.com",
  ...overrides
})

/** A lead id, distinct for each `n`. */
export const leadId = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`

/** A search result as the search endpoint shapes it. */
export const searchItemJson = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  result_score: 0.29,
  item: {
    id: "39c433f0-8a4c-11ec-8728-09968f0a1ca0",
    type: "lead",
    title: "John Doe lead",
    owner: { id: 1 },
    person: { id: 1, name: "John Doe" },
    organization: { id: 1, name: "John company" },
    phones: [],
    emails: ["john@doe.com"],
    custom_fields: [],
    notes: [],
    value: 100,
    currency: "USD",
    visible_to: 3,
    is_archived: false,
    ...overrides
  }
})

/** The nested pagination block real traffic carries. */
export const pagination = (start: number, limit: number, next: number | undefined) => ({
  pagination: {
    start,
    limit,
    more_items_in_collection: next !== undefined,
    ...(next === undefined ? {} : { next_start: next })
  }
})
