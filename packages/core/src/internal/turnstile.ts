/**
 * A first-in, first-out line for the requests waiting on one rate-limit window. Only the one
 * whose turn it is asks the store and sleeps until a slot may free; the others wait in line
 * and are woken one at a time as turns pass. A freed slot then costs one wake-up whether 2 or
 * 2,000 requests wait (Effect's `Semaphore` wakes every waiter on each release, and sleeping
 * waiters would each wake at every slot's time). `E` is what a waiter can be failed with.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

interface Waiter<E> {
  /** Resumes the waiting fiber (with its turn, or failed); set once it is suspended. */
  wake: ((turn: Effect.Effect<void, E>) => void) | undefined
  /** What it was woken with before it suspended. */
  woken: Effect.Effect<void, E> | undefined
  next: Waiter<E> | undefined
  /** The turn was passed to it. */
  handed: boolean
  /** It left the line (its turn done, or it gave up). */
  gone: boolean
}

export class Turnstile<E> {
  private busy = false
  private first: Waiter<E> | undefined
  private last: Waiter<E> | undefined
  /** In line, the one whose turn it is included. */
  private inLine = 0

  /** How many are in line now, the one whose turn it is included. */
  get length(): number {
    return this.inLine
  }

  /**
   * Runs `body` in turn. When the turn has not come within `patience` milliseconds the request
   * leaves the line and `late` runs instead.
   */
  run<A, E1, R, A2, E2, R2>(
    body: Effect.Effect<A, E1, R>,
    patience: number,
    late: Effect.Effect<A2, E2, R2>
  ): Effect.Effect<A | A2, E | E1 | E2, R | R2> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.suspend((): Effect.Effect<A | A2, E | E1 | E2, R | R2> => {
        this.inLine++
        if (!this.busy) {
          this.busy = true
          return Effect.ensuring(restore(body), this.pass)
        }
        // In line at once, in the same step that found the turn taken: the wait below runs in
        // the timeout's own fiber, a few scheduler turns later, and a turn ending meanwhile
        // must find this request in line (else it is lost and the line stands still).
        const waiter: Waiter<E> = { wake: undefined, woken: undefined, next: undefined, handed: false, gone: false }
        if (this.last === undefined) this.first = waiter
        else this.last.next = waiter
        this.last = waiter
        const abandon = Effect.sync(() => this.abandon(waiter))
        const wait = Effect.async<void, E>((resume) => {
          if (waiter.woken !== undefined) resume(waiter.woken)
          else waiter.wake = resume
        })
        const waited = Number.isFinite(patience)
          ? Effect.timeoutOption(Effect.onInterrupt(wait, () => abandon), Math.max(0, patience))
          : Effect.asSome(wait)
        const inTurn: Effect.Effect<A | A2, E | E1 | E2, R | R2> = Effect.ensuring(restore(body), this.pass)
        // Out of patience: it leaves the line (and passes on a turn handed to it meanwhile).
        return Effect.flatMap(
          Effect.onInterrupt(restore(waited), () => abandon),
          (turn) => Option.isSome(turn) ? inTurn : Effect.zipRight(abandon, restore(late))
        )
      })
    )
  }

  /** The turn ends: it goes to the first still in line. */
  private readonly pass = Effect.sync(() => {
    this.inLine--
    this.handOn()
  })

  private handOn(): void {
    for (;;) {
      const next = this.first
      if (next === undefined) {
        this.busy = false
        return
      }
      this.first = next.next
      if (this.first === undefined) this.last = undefined
      if (next.gone) continue
      next.handed = true
      this.wake(next, Effect.void)
      return
    }
  }

  /**
   * Fails everyone waiting in line with `error` (the one whose turn it is goes on). For what
   * would fail each of them in turn anyway — a store that does not answer — so that they do
   * not wait for it one after another.
   */
  failWaiting(error: E): void {
    for (let waiter = this.first; waiter !== undefined; waiter = waiter.next) {
      if (waiter.gone) continue
      waiter.gone = true
      this.inLine--
      this.wake(waiter, Effect.fail(error))
    }
    this.first = undefined
    this.last = undefined
  }

  /** Resumes a waiter, or leaves it what to resume with once it has suspended. */
  private wake(waiter: Waiter<E>, turn: Effect.Effect<void, E>): void {
    if (waiter.wake === undefined) waiter.woken = turn
    else waiter.wake(turn)
  }

  /** A waiter gives up (interrupted, or out of patience); a turn already handed to it goes on. */
  private abandon(waiter: Waiter<E>): void {
    if (waiter.gone) return
    waiter.gone = true
    this.inLine--
    if (waiter.handed) this.handOn()
  }
}
