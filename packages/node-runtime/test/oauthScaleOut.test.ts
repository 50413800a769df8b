/**
 * Two processes of one OAuth installation sharing the Redis token store, started together
 * at the moment the stored access token has expired: one refresh between them (the other
 * waits for the lock and reads the new token), and every call succeeds. Real sockets, real
 * Redis, real processes.
 */
import { TokenStore } from "@effect-pipedrive/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as FakePipedriveServer from "../src/FakePipedriveServer.js"
import * as RedisTokenStore from "../src/RedisTokenStore.js"
import { runFleet } from "./support/fleet.js"
import { startRedis } from "./support/redis.js"

describe("OAuth scale-out: two processes, one installation", () => {
  it.scopedLive("at expiry: exactly one refresh between them, every call succeeds", () =>
    Effect.gen(function*() {
      const redis = yield* startRedis
      const server = yield* FakePipedriveServer.make({ leads: 20 })
      const ids = (yield* server.model.leads).map((lead) => lead.id)
      // What the installation stored an hour ago: an access token that has just expired.
      const store = yield* RedisTokenStore.make({ url: redis.url })
      yield* store.set(
        new TokenStore.Tokens({
          accessToken: Redacted.make("expired-access-token"),
          refreshToken: Redacted.make(yield* server.model.oauth.install),
          expiresAt: Date.now() - 1000,
          scope: "base leads:full",
          apiDomain: server.root
        })
      )
      const { reports } = yield* runFleet(2, {
        baseUrl: server.url,
        token: "unused",
        ids,
        rateLimit: { requestsPerWindow: 100, window: "2000 millis" },
        redisUrl: redis.url,
        oauth: {
          clientId: server.model.oauth.clientId,
          clientSecret: server.model.oauth.clientSecret,
          oauthUrl: server.root,
          refreshSkew: "1000 millis"
        }
      })
      const oauth = yield* server.model.oauth.stats
      const stats = yield* server.model.stats
      console.log(
        `2 processes × ${ids.length} getLead at expiry: ${JSON.stringify(reports)}, ` +
          `token requests ${JSON.stringify(oauth.tokenRequests)}, API answers ${JSON.stringify(stats.byStatus)}`
      )
      expect(reports.map((report) => report.failures)).toEqual([{}, {}])
      expect(reports.map((report) => report.ok)).toEqual([ids.length, ids.length])
      expect(oauth.tokenRequests).toEqual({ refresh_token: 1 })
      // Nobody sent the expired token: the refresh came before the first call.
      expect(stats.byStatus).toEqual({ "200": 2 * ids.length })
      const stored = yield* store.get
      expect(stored._tag === "Some" && Redacted.value(stored.value.accessToken)).not.toBe("expired-access-token")
    }), { timeout: 120_000 })
})
