import { PCGRandom } from "effect/Utils"

/**
 * A seeded, synchronous source of randomness for the in-memory Pipedrive. Synchronous on
 * purpose: seeding 200,000 leads draws millions of numbers, and the model answers requests
 * without suspending.
 */
export interface Rng {
  /** A number in [0, 1). */
  readonly next: () => number
  /** An integer from `min` to `max`, both included. */
  readonly int: (min: number, max: number) => number
  readonly chance: (probability: number) => boolean
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  /** A version 4 UUID. */
  readonly uuid: () => string
}

/**
 * Independent streams from one seed: the same seed and stream always give the same numbers,
 * and drawing from one stream (seeding leads, say) never shifts another (fault rates).
 */
export const streams = {
  leads: 1,
  ids: 2,
  faults: 3,
  /** Ids of labels, conversion jobs and leads made from deals. */
  domain: 4
} as const

const word = (next: () => number): string => Math.floor(next() * 0x1_0000_0000).toString(16).padStart(8, "0")

export const makeRng = (seed: number, stream: number): Rng => {
  const pcg = new PCGRandom(0, seed >>> 0, stream)
  const next = () => pcg.number()
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    uuid: () => {
      const hex = word(next) + word(next) + word(next) + word(next)
      const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${
        hex.slice(20, 32)
      }`
    }
  }
}

/** FNV-1a: a stable 32-bit hash of a string, for answers derived from an id. */
export const hash32 = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
