import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { ConfigError, Effect, Exit, Layer, Redacted } from "effect"
import * as PipedriveClient from "../src/PipedriveClient.js"
import { makeScripted } from "./support/scriptedHttp.js"

/** Builds the client with `auth` over a transport that is never reached. */
const build = (auth: PipedriveClient.Auth) => {
  const { client } = makeScripted(() => new Response(null, { status: 500 }))
  return Layer.build(
    PipedriveClient.layer({ ...auth, companyDomain: "acme" }).pipe(
      Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
    )
  ).pipe(Effect.scoped, Effect.exit)
}

describe("PipedriveClient credentials", () => {
  it.effect.each([
    ["an empty apiToken", { apiToken: Redacted.make("") }, "apiToken is empty"],
    ["a blank oauthToken", { oauthToken: Redacted.make("  ") }, "oauthToken is empty"],
    ["both tokens (from JavaScript)", { apiToken: Redacted.make("a"), oauthToken: Redacted.make("b") } as never, "exactly one"],
    ["no token (from JavaScript)", {} as never, "exactly one"]
  ] as const)("%s is a ConfigError naming the option", ([, auth, message]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.flatten(build(auth)))
      expect(ConfigError.isConfigError(error)).toBe(true)
      expect(String(error)).toContain(message)
    }))

  it.effect("one token that is not empty builds", () =>
    Effect.gen(function*() {
      expect(Exit.isSuccess(yield* build({ apiToken: Redacted.make("t") }))).toBe(true)
      expect(Exit.isSuccess(yield* build({ oauthToken: Redacted.make("t") }))).toBe(true)
    }))
})
