#!/usr/bin/env node
/**
 * Prints a TypeScript module that declares an account's custom lead fields by name, with
 * their kinds and option labels, and its label names — ready for `TypedLeads.make`.
 *
 *   pipedrive-fields [--out fields.ts]          the Pipedrive in the environment
 *   pipedrive-fields --fake [--out fields.ts]   the fake Pipedrive's fields
 *
 * The environment is `PipedriveNode.layerConfig`'s: `PIPEDRIVE_API_TOKEN` (or
 * `PIPEDRIVE_OAUTH_TOKEN`) and `PIPEDRIVE_COMPANY_DOMAIN` (or `PIPEDRIVE_BASE_URL`).
 *
 * @since 0.2.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { writeFileSync } from "node:fs"
import { parseArgs } from "node:util"
import * as FakePipedriveServer from "../FakePipedriveServer.js"
import { generate } from "../internal/fieldsModule.js"
import * as PipedriveNode from "../PipedriveNode.js"

const usage = "usage: pipedrive-fields [--fake] [--out fields.ts]"

const main = Effect.gen(function*() {
  const { values } = yield* Effect.try({
    try: () =>
      parseArgs({
        args: process.argv.slice(2).filter((arg) => arg !== "--"),
        options: { fake: { type: "boolean" }, out: { type: "string" } },
        strict: true
      }),
    catch: (error) => `${error instanceof Error ? error.message : String(error)}\n${usage}`
  })
  const pipedrive = values.fake === true
    ? Layer.unwrapScoped(Effect.map(FakePipedriveServer.make(), (server) =>
      PipedriveNode.layer({ apiToken: Redacted.make(server.token), baseUrl: server.url })))
    : PipedriveNode.layerConfig()
  const module = yield* generate(values.fake === true ? "the fake Pipedrive" : "the account in the environment").pipe(
    Effect.provide(pipedrive)
  )
  if (values.out === undefined) return yield* Console.log(module.trimEnd())
  writeFileSync(values.out, module)
}).pipe(
  Effect.scoped,
  Effect.tapError((error) => Console.error(typeof error === "string" ? error : error.message))
)

NodeRuntime.runMain(main, { disableErrorReporting: true })
