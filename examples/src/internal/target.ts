/**
 * Where an example runs: the fake Pipedrive on 127.0.0.1, or the real one the environment
 * names — through the same production layer either way.
 */
import type { PipedriveClient } from "@effect-pipedrive/core"
import { type FakePipedriveServer, PipedriveNode } from "@effect-pipedrive/node-runtime"
import { Config, type ConfigError, Effect, Layer, Option, Redacted } from "effect"
import { CliFailure } from "./cli.js"

/** Whether the environment holds a Pipedrive token (`PIPEDRIVE_API_TOKEN` or `PIPEDRIVE_OAUTH_TOKEN`). */
export const realPipedriveConfigured: Effect.Effect<boolean> = Config.option(Config.string("PIPEDRIVE_API_TOKEN")).pipe(
  Config.zipWith(Config.option(Config.string("PIPEDRIVE_OAUTH_TOKEN")), (api, oauth) =>
    Option.isSome(Option.orElse(api, () => oauth))),
  Effect.orElseSucceed(() => false)
)

/** `PipedriveNode.layer` — undici, retries, rate limiting — pointed at a fake server. */
export const overFakeServer = (
  server: FakePipedriveServer.Running,
  policies: PipedriveClient.Policies = {}
): Layer.Layer<PipedriveNode.Services> =>
  // The URL is the server's own, so the configuration cannot be invalid.
  Layer.orDie(PipedriveNode.layer({ ...policies, apiToken: Redacted.make(server.token), baseUrl: server.url }))

/** A missing or invalid environment, in words, with what to set. */
export const configFailure = (error: ConfigError.ConfigError): CliFailure =>
  new CliFailure({
    message: `Pipedrive is not configured: ${error}\n` +
      "Set PIPEDRIVE_API_TOKEN (or PIPEDRIVE_OAUTH_TOKEN) and PIPEDRIVE_COMPANY_DOMAIN (or PIPEDRIVE_BASE_URL)."
  })
