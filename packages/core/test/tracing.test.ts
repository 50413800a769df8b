import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Redacted, type Tracer } from "effect"
import type { PipedriveError } from "../src/Errors.js"
import * as Leads from "../src/Leads.js"
import * as OAuth from "../src/OAuth.js"
import type * as PipedriveClient from "../src/PipedriveClient.js"
import { runFor } from "./support/drive.js"
import { json, leadId, leadJson, pagination, searchItemJson, transportFailure } from "./support/mockHttp.js"
import { leadsLayer, makeScripted, type Script } from "./support/scriptedHttp.js"

const token = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"

/**
 * Every string reachable from `value`: own keys (symbols too) and their values, Map and Set
 * entries, `toJSON` — what a tracer that serialises exits could write anywhere. Getters are
 * not called (they may do work); a cycle is walked once.
 */
const strings = (value: unknown, out: Array<string> = [], seen = new Set<unknown>()): Array<string> => {
  if (typeof value === "string") {
    out.push(value)
  } else if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    out.push(String(value))
  } else if ((typeof value === "object" && value !== null) || typeof value === "function") {
    if (seen.has(value)) return out
    seen.add(value)
    if (value instanceof Map || value instanceof Set) {
      for (const entry of value.entries()) strings(entry, out, seen)
    }
    for (const key of Reflect.ownKeys(value)) {
      out.push(String(key))
      const descriptor = Object.getOwnPropertyDescriptor(value, key)
      if (descriptor !== undefined && "value" in descriptor) strings(descriptor.value, out, seen)
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === "function") {
      try {
        strings(toJSON.call(value), out, seen)
      } catch {
        // A value that cannot be serialised writes nothing.
      }
    }
    if (value instanceof Error) strings(value.message, out, seen)
  }
  return out
}

/** A tracer that serialises all it receives: names, attributes, events, links and exit values. */
const makeSerialisingTracer = Effect.map(Effect.tracer, (native) => {
  const written: Array<{ readonly span: string; readonly what: string; readonly text: string }> = []
  const write = (span: string, what: string, value: unknown) => {
    for (const text of strings(value)) written.push({ span, what, text })
  }
  const tracer: Tracer.Tracer = {
    ...native,
    span(name, parent, context, links, startTime, kind, options) {
      const span = native.span(name, parent, context, links, startTime, kind, options)
      write(name, "links", links)
      return new Proxy(span, {
        get(target, key, receiver) {
          switch (key) {
            case "attribute":
              return (attribute: string, value: unknown) => {
                write(name, `attribute ${attribute}`, [attribute, value])
                target.attribute(attribute, value)
              }
            case "event":
              return (event: string, time: bigint, attributes?: Record<string, unknown>) => {
                write(name, `event ${event}`, [event, attributes])
                target.event(event, time, attributes)
              }
            case "addLinks":
              return (added: ReadonlyArray<Tracer.SpanLink>) => {
                write(name, "links", added)
                target.addLinks(added)
              }
            case "end":
              return (time: bigint, exit: Exit.Exit<unknown, unknown>) => {
                write(name, "exit", exit)
                if (Exit.isFailure(exit)) write(name, "exit", Cause.pretty(exit.cause))
                target.end(time, exit)
              }
          }
          return Reflect.get(target, key, receiver)
        }
      })
    }
  }
  return { tracer, written } as const
})

const ok = leadId(1)
const missing = leadId(2)
const flaky = leadId(3)
const reset = leadId(4)
const hanging = leadId(5)

const makeScript = (): Script => {
  const tries = { search: 0, flaky: 0, reset: 0 }
  return (request) => {
    const path = request.url.pathname
    if (path.endsWith("/leads/search")) {
      return tries.search++ === 0
        ? json(429, { success: false, error: "rate limited" }, { "retry-after": "1" })
        : json(200, { success: true, data: { items: [searchItemJson()] }, additional_data: pagination(0, 1, undefined) })
    }
    if (request.method === "POST") return json(500, { success: false, error: "oops" })
    if (path.endsWith("/leads")) {
      return json(200, { success: true, data: [leadJson({ id: ok })], additional_data: pagination(0, 1, undefined) })
    }
    if (path.endsWith(missing)) return json(404, { success: false, error: "requested lead not found" })
    if (path.endsWith(flaky) && tries.flaky++ < 2) return json(503, { success: false, error: "maintenance" })
    if (path.endsWith(reset) && tries.reset++ < 1) return transportFailure(request.raw, "ECONNRESET")
    if (path.endsWith(hanging)) return Effect.never
    return json(200, { success: true, data: leadJson({ id: path.split("/").pop() }) })
  }
}

const program = (leads: Leads.Leads["Type"]) =>
  Effect.all(([
    leads.getLead(ok),
    leads.getLead(missing),
    leads.getLead(flaky),
    leads.getLead(reset),
    leads.getLead(hanging),
    leads.updateLead(ok, { title: "Renamed" }),
    leads.addLead({ title: "New lead", person_id: 1 }),
    leads.getLeads({}),
    leads.searchLeads({ term: "doe" })
  ] as ReadonlyArray<Effect.Effect<unknown, PipedriveError>>).map((call) => Effect.exit(call)))

describe("no span holds the token", () => {
  it.effect.each([
    ["an API token", { apiToken: Redacted.make(token) }, "x-api-token"],
    ["an OAuth token", { oauthToken: Redacted.make(token) }, "authorization"]
  ] as const)("%s: not in any attribute, event, link or exit value a tracer receives", ([, auth, header]) =>
    Effect.gen(function*() {
      const { tracer, written } = yield* makeSerialisingTracer
      const { client, sent } = makeScripted(makeScript())
      const policies: PipedriveClient.Policies = { timeout: "5 seconds", retry: { baseDelay: "10 millis" } }
      const exits = yield* runFor(
        Effect.flatMap(Leads.Leads, program).pipe(
          Effect.provide(leadsLayer(client, policies, auth)),
          Effect.withTracer(tracer)
        ),
        "10 minutes"
      ).pipe(Effect.flatten)

      // The program went everywhere: successes, typed failures, retries, a timeout.
      expect(exits.map((exit) => Exit.isSuccess(exit) ? "ok" : Cause.squash(exit.cause))).toMatchObject([
        "ok",
        { _tag: "NotFound" },
        "ok",
        "ok",
        { _tag: "RequestTimeout" },
        "ok",
        { _tag: "ServerError" },
        "ok",
        "ok"
      ])
      // The token went out, in its header, on every request.
      expect(sent.length).toBeGreaterThan(10)
      for (const request of sent) expect(request.headers[header]).toContain(token)

      // The tracer saw the HTTP, attempt and operation spans, their exits included.
      const spans = new Set(written.map((entry) => entry.span))
      for (const name of ["http.client GET", "Pipedrive.getLead.attempt", "Leads.getLead", "Leads.searchLeads"]) {
        expect(spans).toContain(name)
      }
      expect(written.some((entry) => entry.what === "exit" && entry.span === "http.client GET")).toBe(true)
      expect(written.some((entry) => entry.what === `attribute http.request.header.${header}`)).toBe(true)

      const leaks = written.filter((entry) => entry.text.includes(token))
      expect(leaks.map(({ span, what }) => `${span} ${what}`)).toEqual([])
    }))
})

describe("no span holds an OAuth secret", () => {
  it.effect("refreshing: the client secret and both tokens are in no attribute, event, link or exit value", () =>
    Effect.gen(function*() {
      const secret = "c1ient-secret-5e7a9b"
      const refreshToken = "refresh-token-2b8f41"
      const accessToken = "access-token-77d3c0"
      const { tracer, written } = yield* makeSerialisingTracer
      const { client, sent } = makeScripted(() =>
        json(200, {
          access_token: accessToken,
          token_type: "Bearer",
          refresh_token: refreshToken,
          expires_in: 3599,
          scope: "leads:full",
          api_domain: "https://acme.pipedrive.com"
        })
      )
      const tokens = yield* OAuth.refresh({ clientId: "app", clientSecret: Redacted.make(secret) }, Redacted.make(refreshToken)).pipe(
        Effect.provideService(HttpClient.HttpClient, client),
        Effect.withTracer(tracer)
      )
      expect(Redacted.value(tokens.accessToken)).toBe(accessToken)
      expect(sent).toHaveLength(1)
      expect(new Set(written.map((entry) => entry.span))).toContain("OAuth.refresh")
      expect(written.some((entry) => entry.what === "exit" && entry.span.startsWith("http.client"))).toBe(true)
      const leaks = written.filter((entry) =>
        [secret, refreshToken, accessToken, Buffer.from(`app:${secret}`).toString("base64")].some((s) => entry.text.includes(s))
      )
      expect(leaks.map(({ span, what }) => `${span} ${what}`)).toEqual([])
    }))
})
