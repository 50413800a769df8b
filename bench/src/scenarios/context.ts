import type { Runtime } from "../lib/process.js"

/** What every scenario is given. */
export interface Context {
  readonly runtime: Runtime
  /** Measured rounds; every variant runs once per round. */
  readonly rounds: number
  /** Progress lines (stderr), so stdout keeps only the table. */
  readonly log: (line: string) => void
}

/**
 * Seeded lead counts whose non-archived part (what `GET /leads` lists) is exactly 20,000,
 * 100,000 and 200,000 with seed 1; the clients check the count they walked.
 */
export const seededFor = { 20_000: 22_156, 100_000: 111_006, 200_000: 221_991 } as const

/** Server flags that take rate limiting out of the way. */
export const noServerLimits = ["--rate-limit", "100000000", "--window-ms", "2000", "--daily-tokens", "1000000000"]
