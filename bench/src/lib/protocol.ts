/**
 * What a client process reports: one line `RESULT <json>` on standard output, last, so that
 * anything else a library prints cannot be mistaken for it.
 */
export const resultPrefix = "RESULT "

/** Figures every client measures about itself. */
export interface ClientResult {
  /** Wall time of the measured part only (no start-up, no module loading), in ms. */
  readonly elapsedMs: number
  /** Items (leads or calls) the measured part handled. */
  readonly items: number
  /** CPU time of this process during the measured part, user + system, in µs. */
  readonly cpuMicros: number
  /** Peak resident set of this process at exit, in kB (`process.resourceUsage().maxRSS`). */
  readonly maxRssKb: number
  /** Anything scenario specific (failures, pages, …). */
  readonly extra?: Readonly<Record<string, number>>
}

/** Starts a measurement; `stop` returns the figures. */
export const measure = () => {
  const wallStart = performance.now()
  const cpuStart = process.cpuUsage()
  return {
    stop: (items: number, extra?: Readonly<Record<string, number>>): ClientResult => {
      const cpu = process.cpuUsage(cpuStart)
      return {
        elapsedMs: performance.now() - wallStart,
        items,
        cpuMicros: cpu.user + cpu.system,
        maxRssKb: process.resourceUsage().maxRSS,
        ...(extra === undefined ? {} : { extra })
      }
    }
  }
}

/** Prints the result line. The caller then lets the process end by itself. */
export const report = (result: ClientResult): void => {
  process.stdout.write(`${resultPrefix}${JSON.stringify(result)}\n`)
}

/** The value of `--name value` in this process's arguments. */
export const arg = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? undefined : process.argv[index + 1]
}

/** A required argument. */
export const requiredArg = (name: string): string => {
  const value = arg(name)
  if (value === undefined) throw new Error(`missing --${name}`)
  return value
}

/** A whole-number argument with a default. */
export const intArg = (name: string, fallback: number): number => {
  const raw = arg(name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, got ${raw}`)
  return value
}

/** Busy CPU work of `millis` ms, standing for what a consumer does with a page. */
export const busyWork = (millis: number): void => {
  const end = performance.now() + millis
  while (performance.now() < end) {
    // spin: the point is to occupy this thread
  }
}

/** What every walking client does with one lead: touch a field, so nothing is optimised away. */
export const touch = (lead: { readonly id?: string | null; readonly title?: string | null }): number =>
  (lead.id?.length ?? 0) + (lead.title?.length ?? 0)
