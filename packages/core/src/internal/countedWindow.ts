/**
 * One rolling window of the in-memory rate-limit store: the requests it counts, each until a
 * time (in flight: its lease; answered: a window after the answer). A min-heap of those times
 * makes purging and finding the earliest O(log n), however large the limit; a heap entry
 * whose ticket was released since is stale and skipped.
 */
export class CountedWindow {
  /** Until when each counted ticket counts. */
  private readonly counted = new Map<string, number>()
  /** [until, ticket] pairs, earliest first; some stale. */
  private readonly heap: Array<readonly [number, string]> = []
  heldUntil = -Infinity

  get size(): number {
    return this.counted.size
  }

  count(ticket: string, until: number): void {
    this.counted.set(ticket, until)
    this.push([until, ticket])
  }

  /** Moves a counted ticket's time (a ticket no longer counted stays gone). */
  recount(ticket: string, until: number): void {
    if (this.counted.has(ticket)) this.count(ticket, until)
  }

  /** Forgets what counts no more at `now`; answers the earliest time a ticket still counts. */
  purge(now: number): number | undefined {
    for (;;) {
      const top = this.heap[0]
      if (top === undefined) return undefined
      const [until, ticket] = top
      if (this.counted.get(ticket) !== until) {
        this.pop()
      } else if (until <= now) {
        this.pop()
        this.counted.delete(ticket)
      } else {
        return until
      }
    }
  }

  private push(entry: readonly [number, string]): void {
    const heap = this.heap
    heap.push(entry)
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1
      if (heap[parent]![0] <= entry[0]) break
      heap[i] = heap[parent]!
      heap[parent] = entry
      i = parent
    }
  }

  private pop(): void {
    const heap = this.heap
    const last = heap.pop()!
    if (heap.length === 0) return
    heap[0] = last
    for (let i = 0;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < heap.length && heap[left]![0] < heap[smallest]![0]) smallest = left
      if (right < heap.length && heap[right]![0] < heap[smallest]![0]) smallest = right
      if (smallest === i) return
      const swap = heap[i]!
      heap[i] = heap[smallest]!
      heap[smallest] = swap
      i = smallest
    }
  }
}
