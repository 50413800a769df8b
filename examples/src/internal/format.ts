/**
 * Numbers, durations and sizes as the examples print them.
 */

/** `12345` as `12,345`. */
export const count = (n: number): string => Math.round(n).toLocaleString("en-US")

/** `1 page`, `2 pages`, `1,200 leads`. */
export const counted = (n: number, noun: string): string => `${count(n)} ${noun}${n === 1 ? "" : "s"}`

/** Milliseconds as `840 ms` or `3.2 s`. */
export const duration = (millis: number): string =>
  millis < 1000 ? `${Math.round(millis)} ms` : `${(millis / 1000).toFixed(millis < 10_000 ? 2 : 1)} s`

/** Items per second over `millis`. */
export const perSecond = (items: number, millis: number): string =>
  millis <= 0 ? "–" : count((items * 1000) / millis)

/** Bytes as `912 B`, `48.1 kB` or `2.9 MB`. */
export const size = (bytes: number): string =>
  bytes < 1000
    ? `${bytes} B`
    : bytes < 1_000_000
    ? `${(bytes / 1000).toFixed(1)} kB`
    : `${(bytes / 1_000_000).toFixed(1)} MB`

/** A value, or `?` when it is not known yet. */
export const known = (value: number | undefined): string => value === undefined ? "?" : count(value)
