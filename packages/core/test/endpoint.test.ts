import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Redacted, Schema } from "effect"
import { readFileSync } from "node:fs"
import { render } from "../scripts/contract.js"
import * as Endpoint from "../src/Endpoint.js"
import { LeadId } from "../src/Lead.js"
import { DataEnvelope } from "../src/Pagination.js"
import * as PipedriveClient from "../src/PipedriveClient.js"
import * as PipedriveTest from "../src/PipedriveTest.js"
import { json, makeMock, testToken } from "./support/mockHttp.js"

// A v2 row with two path parameters of different kinds, declared here so the interpreter is
// tested apart from any service.
const Status = Schema.Struct({ conversion_id: Schema.UUID, status: Schema.String })
const rows = {
  status: Endpoint.make({
    method: "GET",
    api: "v2",
    path: "/deals/{id}/convert/status/{conversion_id}",
    params: Schema.Struct({ id: Schema.Int.pipe(Schema.positive()), conversion_id: Schema.UUID }),
    cost: 1,
    response: DataEnvelope(Status),
    result: (envelope) => envelope.data.status,
    args: (id: number, conversionId: string) => ({ path: { id, conversion_id: conversionId } })
  }),
  plain: Endpoint.make({
    method: "GET",
    path: "/leads/{id}",
    params: Schema.Struct({ id: LeadId }),
    cost: 2,
    response: DataEnvelope(Schema.Struct({ id: Schema.String })),
    result: (envelope) => envelope.data.id
  })
}
const conversionId = "4b40248b-945a-4802-b996-60fdff8c5c69"

const withRows = <A, E>(
  location: PipedriveClient.Location,
  use: (ops: Endpoint.Operations<typeof rows>) => Effect.Effect<A, E>
) => {
  const { client, recorder } = makeMock((request) =>
    json(200, {
      success: true,
      data: request.path.includes("/convert/")
        ? { conversion_id: conversionId, status: "running" }
        : { id: "x" }
    })
  )
  return Effect.gen(function*() {
    const pipedrive = yield* PipedriveClient.make({
      apiToken: Redacted.make(testToken),
      ...location,
      retry: false,
      rateLimit: false
    })
    const result = yield* use(Endpoint.operations(pipedrive.httpClient, "Test", rows))
    return { result, sent: yield* recorder.requests }
  }).pipe(Effect.provide(Layer.succeed(HttpClient.HttpClient, client)), Effect.scoped)
}

describe("Endpoint rows", () => {
  it.effect("a v2 row goes below /api/v2, a v1 row below /api/v1, path parameters encoded in place", () =>
    Effect.gen(function*() {
      const { result, sent } = yield* withRows({ companyDomain: "acme" }, (ops) =>
        Effect.all([ops.status(33, conversionId), ops.plain({ path: { id: conversionId } })]))
      expect(result).toEqual(["running", "x"])
      expect(sent.map((r) => r.path)).toEqual([
        `https://acme.pipedrive.com/api/v2/deals/33/convert/status/${conversionId}`,
        `https://acme.pipedrive.com/api/v1/leads/${conversionId}`
      ])
    }))

  it.effect("every bad path parameter is InvalidInput, named, and nothing is sent", () =>
    Effect.gen(function*() {
      const { result, sent } = yield* withRows({ companyDomain: "acme" }, (ops) => Effect.flip(ops.status(-1, "nope")))
      expect(sent).toHaveLength(0)
      expect(result._tag).toBe("InvalidInput")
      if (result._tag !== "InvalidInput") return
      expect(result.path).toBe("/deals/{id}/convert/status/{conversion_id}")
      expect(result.issues.map((issue) => issue.split(":")[0])).toEqual(["id", "conversion_id"])
    }))

  it.effect("a parameter that needs escaping cannot change the path", () =>
    Effect.gen(function*() {
      const odd = Endpoint.make({
        method: "GET",
        path: "/things/{name}",
        params: Schema.Struct({ name: Schema.String }),
        cost: 1,
        response: Schema.Unknown,
        result: () => undefined
      })
      const { client, recorder } = makeMock(() => json(200, {}))
      const sent = yield* Effect.gen(function*() {
        const pipedrive = yield* PipedriveClient.make({ apiToken: Redacted.make(testToken), companyDomain: "acme" })
        yield* Endpoint.operations(pipedrive.httpClient, "Test", { odd }).odd({ path: { name: "../a b?c" } })
        return yield* recorder.requests
      }).pipe(Effect.provide(Layer.succeed(HttpClient.HttpClient, client)), Effect.scoped)
      expect(sent[0]?.url).toBe("https://acme.pipedrive.com/api/v1/things/..%2Fa%20b%3Fc")
    }))
})

describe("API bases", () => {
  const bases = (location: PipedriveClient.Location) => PipedriveClient.apiBaseOf(location)
  it.each([
    [{ companyDomain: "acme" }, "https://acme.pipedrive.com/api/v1", "https://acme.pipedrive.com/api/v2"],
    [{ companyDomain: "ACME.pipedrive.com" }, "https://acme.pipedrive.com/api/v1", "https://acme.pipedrive.com/api/v2"],
    [{ baseUrl: "https://acme.pipedrive.com" }, "https://acme.pipedrive.com/api/v1", "https://acme.pipedrive.com/api/v2"],
    [{ baseUrl: "https://acme.pipedrive.com/" }, "https://acme.pipedrive.com/api/v1", "https://acme.pipedrive.com/api/v2"],
    [{ baseUrl: "https://acme.pipedrive.com/api/v1/" }, "https://acme.pipedrive.com/api/v1", "https://acme.pipedrive.com/api/v2"],
    [{ baseUrl: "https://api.pipedrive.com/v1" }, "https://api.pipedrive.com/v1", "https://api.pipedrive.com/api/v2"],
    [{ baseUrl: "https://acme.pipedrive.com/api/v2" }, "https://acme.pipedrive.com/api/v1", "https://acme.pipedrive.com/api/v2"],
    [{ baseUrl: "http://127.0.0.1:4711/proxy" }, "http://127.0.0.1:4711/proxy/api/v1", "http://127.0.0.1:4711/proxy/api/v2"]
  ] as const)("%j gives v1 %s and v2 %s", (location, v1, v2) => {
    expect(bases(location)).toEqual(Either.right({ v1, v2 }))
  })

  it.each([
    { baseUrl: "ftp://acme.pipedrive.com" },
    { baseUrl: "https://acme.pipedrive.com/api/v1?api_token=x" },
    { baseUrl: "https://user:secret@acme.pipedrive.com" },
    { baseUrl: "not a url" },
    { companyDomain: "acme corp" },
    { companyDomain: "acme", baseUrl: "https://acme.pipedrive.com" } as unknown as PipedriveClient.Location
  ])("%j is a ConfigError", (location) => {
    expect(Either.isLeft(bases(location))).toBe(true)
  })
})

describe("the in-memory Pipedrive's routes", () => {
  it("are generated from the OpenAPI excerpts, and the generated file is up to date", () => {
    const file = readFileSync(new URL("../src/internal/fake/contract.ts", import.meta.url), "utf8")
    expect(file).toBe(render())
  })

  it.effect("answer only under the API's real prefixes", () =>
    Effect.gen(function*() {
      const model = yield* PipedriveTest.make({ leads: 1 })
      const status = (path: string) => {
        const outcome = model.handle(
          { method: "GET", path, query: {}, headers: { "x-api-token": model.token }, body: undefined },
          0
        )
        return outcome._tag === "Respond" ? outcome.response.status : outcome._tag
      }
      expect(status("/api/v1/leads")).toBe(200)
      expect(status("/v1/leads")).toBe(200)
      expect(status("/leads")).toBe(404)
      expect(status("/api/leads")).toBe(404)
      expect(status("/v2/leads/search")).toBe(404)
      // v1's leads list is not part of v2.
      expect(status("/api/v2/leads")).toBe(404)
    }))
})
