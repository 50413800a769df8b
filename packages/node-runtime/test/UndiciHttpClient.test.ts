/**
 * The undici transport's whole-body reader (`ResponseBody.BytesReader`) against real sockets on
 * 127.0.0.1: it hands over a body whole whatever its pieces, stops at the cap, and a read that stops
 * early (over the cap, interrupted) closes the connection rather than leaving it to drain.
 */
import { ResponseBody } from "@effect-pipedrive/core"
import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import { Deferred, Effect, Either, Fiber } from "effect"
import type * as Http from "node:http"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import { type Behaviour, Serve, start } from "./support/hostile.js"

/** A server that also resolves `closed` when the connection of its first response closes. */
const serverClosing = (behaviour: Behaviour) =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<void>()
    const server = yield* start((request, response: Http.ServerResponse, index) => {
      response.on("close", () => Deferred.unsafeDone(closed, Effect.void))
      behaviour(request, response, index)
    })
    return { closed, url: server.baseUrl }
  })

/** The text of a body read as chunks. */
const joined = (chunks: ReadonlyArray<Uint8Array>) => Buffer.concat(chunks).toString("utf8")

/** A server writing `bytes` in writes of `size` bytes, each write in its own turn (and packet). */
const trickling = (bytes: Uint8Array, size: number) =>
  serverClosing((_, response) => {
    response.socket?.setNoDelay(true)
    response.writeHead(200, { "content-type": "application/json" })
    let offset = 0
    const next = () => {
      if (offset >= bytes.length) return void response.end()
      response.write(bytes.subarray(offset, offset + size))
      offset += size
      setImmediate(next)
    }
    next()
  })

/** GETs `url` over the transport and reads the body's chunks through its reader. */
const chunksOf = (url: string, maxBytes: number) =>
  Effect.gen(function*() {
    const response = yield* Effect.flatMap(HttpClient.HttpClient, (client) => HttpClient.withScope(client).get(url))
    expect(ResponseBody.isBytesReader(response)).toBe(true)
    if (!ResponseBody.isBytesReader(response)) return yield* Effect.dieMessage("no reader")
    return yield* Effect.either(response[ResponseBody.TypeId](maxBytes, () => "over the cap" as const))
  })

/**
 * GETs `url` over the transport, then reads the body through its reader with `maxBytes`, as
 * text. The request's scope is the test's (as in the Pipedrive client, `HttpClient.withScope`),
 * and so is the connection pool: only the reader can close the connection before the test ends.
 */
const readWith = (url: string, maxBytes: number) => Effect.map(chunksOf(url, maxBytes), Either.map(joined))

describe("UndiciHttpClient: reading a whole body", () => {
  it.scopedLive("a body written five bytes at a time, through multi-byte characters, arrives whole", () =>
    Effect.gen(function*() {
      const text = JSON.stringify({ title: "Zoë — ☃ 🚀".repeat(50) })
      const bytes = Buffer.from(text)
      const { url } = yield* trickling(bytes, 5)
      expect(yield* readWith(url, bytes.length)).toEqual(Either.right(text))
    }).pipe(Effect.provide(UndiciHttpClient.layer())))

  it.scopedLive("a body written a byte at a time is handed over in a few blocks, not a chunk per byte", () =>
    Effect.gen(function*() {
      const bytes = Buffer.alloc(40_000, "x")
      const { url } = yield* trickling(bytes, 1)
      const chunks = Either.getOrThrow(yield* chunksOf(url, bytes.length))
      expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0)
      // Every chunk under 4 KiB is copied into a 64 KiB block; a larger one, as undici read it,
      // ends the block before it. So at most two chunks per 4 KiB, whatever the reads were.
      expect(chunks.length).toBeLessThanOrEqual(2 * Math.ceil(bytes.length / 4096))
    }).pipe(Effect.provide(UndiciHttpClient.layer())))

  it.scopedLive("a second read of one body fails at once instead of waiting for an end that never comes", () =>
    Effect.gen(function*() {
      const { url } = yield* serverClosing(Serve.text(200, "{}"))
      const response = yield* Effect.flatMap(HttpClient.HttpClient, (client) => HttpClient.withScope(client).get(url))
      if (!ResponseBody.isBytesReader(response)) return yield* Effect.dieMessage("no reader")
      const read = response[ResponseBody.TypeId](1024, () => "over the cap" as const)
      expect(yield* Effect.either(Effect.map(read, joined))).toEqual(Either.right("{}"))
      const again = yield* Effect.flip(read)
      expect(again).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
    }).pipe(Effect.provide(UndiciHttpClient.layer())))

  it.scopedLive("text and json read the body once and answer it again", () =>
    Effect.gen(function*() {
      const { url } = yield* serverClosing(Serve.text(200, `{"title":"Zoë"}`))
      const response = yield* Effect.flatMap(HttpClient.HttpClient, (client) => HttpClient.withScope(client).get(url))
      expect(yield* response.text).toBe(`{"title":"Zoë"}`)
      expect(yield* response.text).toBe(`{"title":"Zoë"}`)
      expect(yield* response.json).toEqual({ title: "Zoë" })
    }).pipe(Effect.provide(UndiciHttpClient.layer())))

  it.scopedLive("an endless body fails with onTooLarge past the cap, and the connection is closed", () =>
    Effect.gen(function*() {
      const { closed, url } = yield* serverClosing(Serve.flood())
      expect(yield* readWith(url, 256 * 1024)).toEqual(Either.left("over the cap"))
      yield* Deferred.await(closed)
    }).pipe(Effect.provide(UndiciHttpClient.layer())))

  it.scopedLive("a read interrupted mid-body closes the connection", () =>
    Effect.gen(function*() {
      const { closed, url } = yield* serverClosing(Serve.drip(" ", 5))
      const response = yield* Effect.flatMap(HttpClient.HttpClient, (client) => HttpClient.withScope(client).get(url))
      if (!ResponseBody.isBytesReader(response)) return yield* Effect.dieMessage("no reader")
      // The body never ends. The read's fiber runs, and starts reading, before this one resumes.
      const read = yield* Effect.fork(response[ResponseBody.TypeId](1024 * 1024, () => "over the cap" as const))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(read)
      yield* Deferred.await(closed)
    }).pipe(Effect.provide(UndiciHttpClient.layer())))
})
