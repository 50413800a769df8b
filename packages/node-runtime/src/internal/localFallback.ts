/**
 * A shared rate-limit store that falls back to counting in this process while it cannot be
 * reached: each process then keeps to the whole limit on its own, so together they may go
 * over it and meet 429s (which the client retries), but requests keep flowing. The change
 * is logged once each way, not per request.
 */
import { RateLimit } from "@effect-pipedrive/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

/** While the shared store is down, calls go straight to the local one for this long before it is tried again. */
const probeIntervalMillis = 1000

export const withLocalFallback = (
  shared: RateLimit.RateLimitStore["Type"],
  options: {
    /** Names the shared store in the log lines. */
    readonly name: string
    /** Whether the shared store was reachable at the start. */
    readonly up: boolean
  }
): Effect.Effect<RateLimit.RateLimitStore["Type"]> =>
  Effect.gen(function*() {
    const local = RateLimit.makeMemoryStore()
    // Time before which the shared store is not tried again; undefined while it is up.
    let downUntil: number | undefined
    if (!options.up) {
      downUntil = (yield* Clock.currentTimeMillis) + probeIntervalMillis
      yield* Effect.logWarning(`${options.name} unreachable: counting rate limits in this process until it is back`)
    }

    // The memory store never fails; its interface, shared with every store, says it may.
    const either = <A>(
      viaShared: Effect.Effect<A, RateLimit.RateLimitStoreUnavailable>,
      viaLocal: Effect.Effect<A, RateLimit.RateLimitStoreUnavailable>
    ): Effect.Effect<A, RateLimit.RateLimitStoreUnavailable> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (downUntil !== undefined && now < downUntil) return viaLocal
        return viaShared.pipe(
          Effect.tap(() => {
            if (downUntil === undefined) return Effect.void
            downUntil = undefined
            return Effect.logInfo(`${options.name} reachable again: rate limits are shared again`)
          }),
          Effect.catchAll((error) =>
            Effect.flatMap(Clock.currentTimeMillis, (failedAt) => {
              const wasUp = downUntil === undefined
              downUntil = failedAt + probeIntervalMillis
              return wasUp
                ? Effect.zipRight(
                  Effect.logWarning(`${error.message}: counting rate limits in this process until it is back`),
                  viaLocal
                )
                : viaLocal
            })
          )
        )
      })

    // A ticket says which store admitted it, so that its release goes back there.
    const tagged = (store: string, admission: RateLimit.Admission): RateLimit.Admission =>
      admission._tag === "Admitted" ? { ...admission, ticket: `${store}:${admission.ticket}` } : admission
    return {
      admit: (options) =>
        either(
          Effect.map(shared.admit(options), (admission) => tagged("shared", admission)),
          Effect.map(local.admit(options), (admission) => tagged("local", admission))
        ),
      release: ({ key, ticket, until }) => {
        const [store, inner] = [ticket.slice(0, ticket.indexOf(":")), ticket.slice(ticket.indexOf(":") + 1)]
        return store === "shared"
          ? Effect.catchAll(shared.release({ key, ticket: inner, until }), () => Effect.void)
          : local.release({ key, ticket: inner, until })
      },
      hold: (key, until) => either(shared.hold(key, until), local.hold(key, until)),
      spend: (options) => either(shared.spend(options), local.spend(options)),
      report: (options) => either(shared.report(options), local.report(options))
    }
  })
