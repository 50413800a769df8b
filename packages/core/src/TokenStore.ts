/**
 * Where an OAuth installation's current tokens live, read and written as one value: in this
 * process's memory by default, in the user's own persistence (a database, a secrets manager)
 * through {@link make}, or — from `@effect-pipedrive/node-runtime` — in Redis, shared by every
 * process of the installation.
 *
 * A refresh goes through {@link TokenStoreShape.renew}: under the store's lock it reads the
 * tokens again, and when someone else has already replaced the stale ones it answers those
 * instead of refreshing a second time.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"

/**
 * The store could not be read or written, or its refresh lock could not be had in time. The
 * client turns it into the request's `TokenStoreUnavailable`, with method and path.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // A persistence that cannot be read says why, naming no secret.
 * const unreachable: TokenStore.Persistence = {
 *   get: Effect.fail(new TokenStore.TokenStoreUnavailable({ operation: "get", reason: "database unreachable" })),
 *   set: () => Effect.void
 * }
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenStoreUnavailable extends Schema.TaggedError<TokenStoreUnavailable>()("TokenStoreUnavailable", {
  /** What could not be done: read the tokens, write them, or take the refresh lock. */
  operation: Schema.Literal("get", "set", "lock"),
  /** What went wrong (never the store's credentials, never a token). */
  reason: Schema.String
}) {}

/**
 * One installation's tokens. `expiresAt` is when the access token expires (epoch ms, on the
 * Effect `Clock`); `apiDomain` is the root of that company's API (`https://acme.pipedrive.com`).
 * The tokens are `Redacted`: they print as `<redacted>`; the encoded form
 * ({@link encodeJson}) carries them in clear, for persistence only.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@effect-pipedrive/core"
 * import { Redacted } from "effect"
 *
 * const tokens = new TokenStore.Tokens({
 *   accessToken: Redacted.make("access"),
 *   refreshToken: Redacted.make("refresh"),
 *   expiresAt: Date.now() + 3_600_000,
 *   scope: "leads:full",
 *   apiDomain: "https://acme.pipedrive.com"
 * })
 * // Printed or logged, the tokens show as <redacted>; encodeJson writes them out for a store.
 * assert.ok(!String(tokens.accessToken).includes("access"))
 * assert.deepStrictEqual(JSON.parse(TokenStore.encodeJson(tokens)).accessToken, "access")
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export class Tokens extends Schema.Class<Tokens>("@effect-pipedrive/core/TokenStore/Tokens")({
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.Redacted(Schema.String),
  expiresAt: Schema.Number,
  scope: Schema.String,
  apiDomain: Schema.String
}) {}

/**
 * {@link Tokens} as JSON text and back, for a store that keeps text (Redis, a database column).
 *
 * @since 0.1.0
 * @category codecs
 */
export const TokensJson: Schema.Schema<Tokens, string> = Schema.parseJson(Tokens)

/**
 * {@link Tokens} as JSON text, to keep in a store that holds text (the secrets in clear: keep the store private).
 *
 * @since 0.1.0
 * @category codecs
 */
export const encodeJson: (tokens: Tokens) => string = Schema.encodeSync(TokensJson)

/**
 * Decodes stored text; a stored value that is not a valid {@link Tokens} fails with
 * `TokenStoreUnavailable` (its reason names the field, never a token's value).
 *
 * @since 0.1.0
 * @category codecs
 */
export const decodeJson = (text: string): Effect.Effect<Tokens, TokenStoreUnavailable> =>
  Schema.decode(TokensJson)(text).pipe(
    Effect.mapError(() =>
      new TokenStoreUnavailable({ operation: "get", reason: "the stored value is not a valid set of tokens" })
    )
  )

/**
 * The same access token (a refresh replaces it).
 *
 * @since 0.1.0
 * @category predicates
 */
export const sameAccessToken = (a: Tokens, b: Tokens): boolean =>
  Redacted.value(a.accessToken) === Redacted.value(b.accessToken)

/**
 * What a store does.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenStoreShape {
  /** The current tokens, if any were stored. */
  readonly get: Effect.Effect<Option.Option<Tokens>, TokenStoreUnavailable>
  /** Replaces the tokens (after an authorization, say). */
  readonly set: (tokens: Tokens) => Effect.Effect<void, TokenStoreUnavailable>
  /**
   * Replaces `stale` (`None`: nothing was stored yet) once among everyone sharing the store:
   * under the store's lock it reads the tokens again; when they are no longer `stale`, it
   * answers them, else it runs `refresh` on them and stores and answers its result.
   */
  readonly renew: <E, R>(
    stale: Option.Option<Tokens>,
    refresh: (current: Option.Option<Tokens>) => Effect.Effect<Tokens, E, R>
  ) => Effect.Effect<Tokens, E | TokenStoreUnavailable, R>
}

/**
 * The store the OAuth client reads its tokens from.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@effect-pipedrive/core"
 * import { Effect, Option } from "effect"
 *
 * const hasTokens = await Effect.flatMap(TokenStore.TokenStore, (store) => store.get).pipe(
 *   Effect.map(Option.isSome),
 *   Effect.provide(TokenStore.layerMemory()),
 *   Effect.runPromise
 * )
 * assert.strictEqual(hasTokens, false)
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class TokenStore extends Context.Tag("@effect-pipedrive/core/TokenStore")<TokenStore, TokenStoreShape>() {}

/**
 * The user's own persistence: read and write the tokens as one value (with {@link encodeJson}
 * and {@link decodeJson} when it keeps text), failing with `TokenStoreUnavailable` — whose reason
 * must name no secret. `lock`, when given, runs its effect while holding a lock shared with
 * every other process using the same persistence, so that only one of them refreshes;
 * without it, refreshes are single-flight within this process only.
 *
 * @since 0.1.0
 * @category models
 */
export interface Persistence {
  readonly get: Effect.Effect<Option.Option<Tokens>, TokenStoreUnavailable>
  readonly set: (tokens: Tokens) => Effect.Effect<void, TokenStoreUnavailable>
  readonly lock?: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | TokenStoreUnavailable, R>
}

const isStale = (stale: Option.Option<Tokens>, current: Option.Option<Tokens>): boolean =>
  Option.isNone(current) || Option.isSome(stale) && sameAccessToken(stale.value, current.value)

/**
 * A store over the user's persistence. Within this process one fiber renews at a time (the
 * others then find the new tokens); `persistence.lock`, when given, extends that to every
 * process sharing the persistence.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (persistence: Persistence): Effect.Effect<TokenStoreShape> =>
  Effect.map(Effect.makeSemaphore(1), (semaphore) => {
    const lock = persistence.lock ?? ((effect) => effect)
    return TokenStore.of({
      get: persistence.get,
      set: persistence.set,
      renew: (stale, refresh) =>
        semaphore.withPermits(1)(lock(Effect.flatMap(persistence.get, (current) =>
          isStale(stale, current)
            ? Effect.tap(refresh(current), persistence.set)
            : Effect.succeed((current as Option.Some<Tokens>).value)
        )))
    })
  })

/**
 * A store in this process's memory, starting with `initial` when given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (initial?: Tokens): Effect.Effect<TokenStoreShape> =>
  Effect.flatMap(Ref.make(Option.fromNullable(initial)), (ref) =>
    make({
      get: Ref.get(ref),
      set: (tokens) => Ref.set(ref, Option.some(tokens))
    }))

/**
 * {@link makeMemory} as a layer: the default store.
 *
 * @example
 * ```ts
 * import { PipedriveClient, TokenStore } from "@effect-pipedrive/core"
 * import { Layer } from "effect"
 *
 * // Tokens kept in this process only: enough for one worker.
 * const ClientLive = PipedriveClient.layerOAuthConfig().pipe(Layer.provide(TokenStore.layerMemory()))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (initial?: Tokens): Layer.Layer<TokenStore> => Layer.effect(TokenStore, makeMemory(initial))

/**
 * {@link make} as a layer.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * // Tokens kept as JSON text, here in a Map standing in for a database row.
 * const rows = new Map<string, string>()
 * const StoreLive = TokenStore.layer({
 *   get: Effect.sync(() => rows.get("pipedrive")).pipe(
 *     Effect.flatMap((text) => text === undefined ? Effect.succeedNone : Effect.asSome(TokenStore.decodeJson(text)))
 *   ),
 *   set: (tokens) => Effect.sync(() => void rows.set("pipedrive", TokenStore.encodeJson(tokens)))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (persistence: Persistence): Layer.Layer<TokenStore> => Layer.effect(TokenStore, make(persistence))
