/**
 * Progress of a long export on stderr: leads, pages, leads per second and the rate-limit
 * state. On a terminal it is one line rewritten in place; in a pipe or a log file it is a
 * plain line every few pages or seconds, so logs stay readable.
 */
import type { RateLimit } from "@effect-pipedrive/core"
import { Clock, Duration, Effect, Ref, Schedule, type Scope } from "effect"
import * as Format from "./format.js"

/** What has been done so far. */
export interface Counts {
  readonly leads: number
  readonly pages: number
  readonly elapsedMillis: number
}

export interface Progress {
  /** Records one page of `leads` written. */
  readonly page: (leads: number) => Effect.Effect<void>
  readonly counts: Effect.Effect<Counts>
  /**
   * Shows progress while the scope is open. A live line is drawn a last time, and ended,
   * when the scope closes.
   */
  readonly display: Effect.Effect<void, never, Scope.Scope>
}

export interface Options {
  /** The client's rate-limit state (`Leads.rateLimitInfo`). */
  readonly rateLimitInfo: Effect.Effect<RateLimit.RateLimitInfo>
  /** One line rewritten with `\r` (default when stderr is a terminal), or plain lines. */
  readonly live?: boolean | undefined
  /** Plain mode: a line at least every this many pages (default 10)… */
  readonly everyPages?: number | undefined
  /** …and at least every this many milliseconds while anything runs (default 5000). */
  readonly everyMillis?: number | undefined
  /** Where the text goes (default stderr). */
  readonly write?: ((text: string) => Effect.Effect<void>) | undefined
}

const stderr = (text: string) => Effect.sync(() => void process.stderr.write(text))

const describe = (counts: Counts, info: RateLimit.RateLimitInfo): string => {
  const window = info.reported.remaining === undefined
    ? "window ?"
    : `window ${Format.count(info.reported.remaining)}/${Format.known(info.reported.limit)} left`
  const daily = info.dailyRemaining === undefined ? "" : ` · daily ${Format.count(info.dailyRemaining)} tokens left`
  return `${Format.counted(counts.leads, "lead")} · ${Format.counted(counts.pages, "page")} · ` +
    `${Format.perSecond(counts.leads, counts.elapsedMillis)} leads/s · ${window}${daily}`
}

/** A progress reporter; the clock starts now. */
export const make = (options: Options): Effect.Effect<Progress> =>
  Effect.gen(function*() {
    const write = options.write ?? stderr
    const live = options.live ?? process.stderr.isTTY === true
    const everyPages = options.everyPages ?? 10
    const everyMillis = options.everyMillis ?? 5000
    const startedAt = yield* Clock.currentTimeMillis
    const state = yield* Ref.make({ leads: 0, pages: 0, printedPages: 0, printedAt: startedAt })

    const counts = Effect.zipWith(Ref.get(state), Clock.currentTimeMillis, (s, now): Counts => ({
      leads: s.leads,
      pages: s.pages,
      elapsedMillis: now - startedAt
    }))
    const line = Effect.zipWith(counts, options.rateLimitInfo, describe)
    const draw = Effect.flatMap(line, (text) => write(`\r\x1b[2K${text}`))
    const printLine = Effect.flatMap(line, (text) => write(`${text}\n`)).pipe(
      Effect.zipRight(Clock.currentTimeMillis),
      Effect.flatMap((now) => Ref.update(state, (s) => ({ ...s, printedPages: s.pages, printedAt: now })))
    )

    const page = (leads: number) =>
      Ref.updateAndGet(state, (s) => ({ ...s, leads: s.leads + leads, pages: s.pages + 1 })).pipe(
        Effect.flatMap((s) => !live && s.pages - s.printedPages >= everyPages ? printLine : Effect.void)
      )

    // A stalled export (a long rate-limit wait, a slow network) still shows it is alive.
    const printIfQuiet = Effect.flatMap(
      Effect.zip(Ref.get(state), Clock.currentTimeMillis),
      ([s, now]) => now - s.printedAt >= everyMillis ? printLine : Effect.void
    )

    // Finalizers run last-added first: the ticker stops before the last line is drawn.
    const display: Effect.Effect<void, never, Scope.Scope> = live
      ? Effect.zipRight(
        Effect.addFinalizer(() => Effect.zipRight(draw, write("\n"))),
        Effect.forkScoped(Effect.repeat(draw, Schedule.spaced(Duration.millis(200))))
      ).pipe(Effect.asVoid)
      : Effect.asVoid(Effect.forkScoped(Effect.repeat(printIfQuiet, Schedule.spaced(Duration.millis(everyMillis)))))

    return { page, counts, display }
  })
