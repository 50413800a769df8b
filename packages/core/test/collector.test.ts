/**
 * `ResponseBody.makeCollector`: whatever the sizes of the chunks a body arrives in, the chunks
 * handed over hold exactly its bytes in order; a body that arrives a byte at a time is kept in a
 * few blocks rather than a chunk per byte, and no block keeps much more memory than it holds;
 * past the cap nothing more is kept.
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as ResponseBody from "../src/ResponseBody.js"

const joined = (chunks: ReadonlyArray<Uint8Array>) => Buffer.concat(chunks)

/** Whether the chunks hold exactly `bytes` (compared natively: `toEqual` walks a byte at a time). */
const holds = (chunks: ReadonlyArray<Uint8Array>, bytes: Uint8Array) => Buffer.compare(joined(chunks), bytes) === 0

/** The bytes of the backing buffers the chunks keep alive, each buffer counted once. */
const retained = (chunks: ReadonlyArray<Uint8Array>) =>
  [...new Set(chunks.map((chunk) => chunk.buffer))].reduce((total, buffer) => total + buffer.byteLength, 0)

const collect = (chunks: ReadonlyArray<Uint8Array>, maxBytes = Number.POSITIVE_INFINITY) => {
  const collector = ResponseBody.makeCollector(maxBytes)
  expect(chunks.every((chunk) => collector.add(chunk))).toBe(true)
  return collector.take()
}

/** Chunks of any size from empty to 20 KiB, each filled with its own bytes. */
const anyChunks = fc.array(
  fc.oneof(fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ minLength: 3000, maxLength: 20_000 })),
  { maxLength: 40 }
)

describe("ResponseBody.makeCollector", () => {
  it("hands over exactly the bytes that arrived, in order, whatever the chunks", () =>
    fc.assert(fc.property(anyChunks, (chunks) => {
      expect(holds(collect(chunks), joined(chunks))).toBe(true)
    })))

  it("keeps a body that arrives a byte at a time in a few blocks, not a chunk per byte", () => {
    const body = new Uint8Array(200_000).map((_, i) => i % 251)
    const chunks = collect([...body].map((byte) => Uint8Array.of(byte)))
    expect(holds(chunks, body)).toBe(true)
    // 64 KiB blocks: four of them for 200,000 bytes.
    expect(chunks.length).toBeLessThanOrEqual(4)
    expect(retained(chunks)).toBeLessThanOrEqual(4 * 64 * 1024)
  })

  it("keeps no block much larger than what it holds when small and large chunks alternate", () => {
    const large = new Uint8Array(4096).fill(7)
    const arriving = Array.from({ length: 100 }, (_, i) => [Uint8Array.of(i), large]).flat()
    const chunks = collect(arriving)
    expect(holds(chunks, joined(arriving))).toBe(true)
    const copies = chunks.filter((chunk) => chunk !== large)
    // Each single byte is kept alone, copied to its size: not a 64 KiB block each.
    expect(retained(copies)).toBeLessThanOrEqual(copies.reduce((total, chunk) => total + chunk.length, 0) * 2)
  })

  it("leaves a small body's only chunk as it is: no block is allocated for it", () => {
    const only = Uint8Array.of(1, 2, 3)
    const taken = collect([only])
    expect(taken).toHaveLength(1)
    expect(taken[0]).toBe(only)
  })

  it("copies a lone small chunk to its size when it is a view of a much larger buffer", () => {
    const view = new Uint8Array(64 * 1024).fill(9).subarray(100, 110)
    const taken = collect([view, new Uint8Array(5000)])
    expect(holds(taken, Buffer.concat([view, new Uint8Array(5000)]))).toBe(true)
    expect(taken[0]!.buffer).not.toBe(view.buffer)
    expect(retained(taken.slice(0, 1))).toBe(10)
  })

  it("copies a small chunk together with the small ones after it", () => {
    const taken = collect([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)])
    expect(taken).toHaveLength(1)
    expect(joined(taken)).toEqual(Buffer.from([1, 2, 3]))
  })

  it("passes larger chunks through as they are", () => {
    const chunks = [new Uint8Array(5000), new Uint8Array(70_000)]
    const taken = collect(chunks)
    expect(taken).toHaveLength(2)
    expect(taken[0]).toBe(chunks[0])
    expect(taken[1]).toBe(chunks[1])
  })

  it("refuses a chunk that passes the cap, and keeps nothing of it", () => {
    const collector = ResponseBody.makeCollector(10)
    expect(collector.add(new Uint8Array(6).fill(1))).toBe(true)
    expect(collector.add(new Uint8Array(4).fill(2))).toBe(true)
    expect(collector.add(Uint8Array.of(3))).toBe(false)
    expect(joined(collector.take())).toEqual(Buffer.from([1, 1, 1, 1, 1, 1, 2, 2, 2, 2]))
  })

  it("hands the chunks over once: a second take is empty", () => {
    const collector = ResponseBody.makeCollector(100)
    collector.add(Uint8Array.of(1, 2))
    expect(joined(collector.take())).toEqual(Buffer.from([1, 2]))
    expect(collector.take()).toEqual([])
  })
})
