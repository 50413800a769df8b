/** The median of some numbers (the mean of the middle two for an even count). */
export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** One variant of a scenario: how to run it once. */
export interface Variant<M> {
  readonly key: string
  readonly run: () => Promise<M>
}

/**
 * Runs every variant `rounds` times, alternating them within each round (A B C, then B C A,
 * then C A B, …) so that drift of the machine spreads over all of them. Returns each
 * variant's measurements in round order, so that round i of one variant can be compared
 * with round i of another.
 */
export const alternate = async <M>(
  rounds: number,
  variants: ReadonlyArray<Variant<M>>,
  onRun?: (key: string, round: number, measurement: M) => void
): Promise<Record<string, Array<M>>> => {
  const results: Record<string, Array<M>> = {}
  for (const variant of variants) results[variant.key] = []
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(round + i) % variants.length]!
      const measurement = await variant.run()
      results[variant.key]!.push(measurement)
      onRun?.(variant.key, round, measurement)
    }
  }
  return results
}

/** Ratios round by round (`numerator[i] / denominator[i]`) and their median. */
export const ratioWithinRounds = (
  numerator: ReadonlyArray<number>,
  denominator: ReadonlyArray<number>
): { readonly perRound: ReadonlyArray<number>; readonly median: number } => {
  const perRound = numerator.map((value, i) => value / denominator[i]!)
  return { perRound, median: median(perRound) }
}

export const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))
