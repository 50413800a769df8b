/**
 * The lead-domain OpenAPI excerpts (v1: fields, labels, sources; v2: search and conversions),
 * read and checked as far as the tests use them.
 */
import { Schema } from "effect"
import { readFileSync } from "node:fs"
import { parse } from "yaml"

// The parts of Pipedrive's OpenAPI excerpts these tests read, checked as they are read.
const Content = Schema.Struct({
  "application/json": Schema.optional(Schema.Struct({ schema: Schema.optional(Schema.Unknown), example: Schema.optional(Schema.Unknown) }))
})
const OperationDoc = Schema.Struct({
  operationId: Schema.String,
  "x-token-cost": Schema.Number,
  parameters: Schema.optional(Schema.Array(Schema.Struct({ in: Schema.String, name: Schema.String }))),
  requestBody: Schema.optional(Schema.Struct({
    content: Schema.Struct({
      "application/json": Schema.Struct({ schema: Schema.Struct({ properties: Schema.Record({ key: Schema.String, value: Schema.Unknown }) }) })
    })
  })),
  responses: Schema.Record({ key: Schema.String, value: Schema.Struct({ content: Schema.optional(Content) }) })
})
const OpenApiDoc = Schema.Struct({
  paths: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: OperationDoc }) })
})

const load = (file: string) =>
  Schema.decodeUnknownSync(OpenApiDoc)(parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), "utf8")))
export const documents = {
  v1: load("pipedrive-v1-lead-domain.openapi.yaml"),
  v2: load("pipedrive-v2-lead-domain.openapi.yaml")
} as const

export type Api = keyof typeof documents
export const operationsOf = (api: Api) =>
  Object.entries(documents[api].paths).flatMap(([path, methods]) =>
    Object.values(methods).map((operation) => ({ api, path, operation }))
  )
export const operationDoc = (api: Api, operationId: string) => {
  const found = operationsOf(api).find((o) => o.operation.operationId === operationId)
  if (found === undefined) throw new Error(`no operation ${api}:${operationId} in the OpenAPI excerpts`)
  return found.operation
}
export const content = (api: Api, operationId: string, status: string) => {
  const found = operationDoc(api, operationId).responses[status]?.content?.["application/json"]
  if (found === undefined) throw new Error(`no ${status} content for ${api}:${operationId}`)
  return found
}
export const example = (api: Api, operationId: string, status = "200"): unknown => {
  const found = content(api, operationId, status).example
  if (found === undefined) throw new Error(`no ${status} example for ${api}:${operationId}`)
  return found
}

