import type { Lead } from "../../Lead.js"

/** A stored lead: the lead as Pipedrive would send it, and its notes (searchable, not sent). */
export interface Entry {
  lead: Lead
  notes: ReadonlyArray<string>
  /** Insertion order, the tie-breaker of the default order. */
  readonly seq: number
}

// A lead given without `add_time` (an older or hand-made one) sorts as the oldest.
const byCreation = (a: Entry, b: Entry): number => {
  const left = a.lead.add_time ?? ""
  const right = b.lead.add_time ?? ""
  return left < right ? -1 : left > right ? 1 : a.seq - b.seq
}

const maxViews = 16

/**
 * The leads, by id, with the default order (oldest first by `add_time`) and filtered, sorted
 * views cached until the next write — so walking 200,000 leads page by page filters and
 * sorts once, not once per page.
 */
export class LeadStore {
  private readonly entries = new Map<string, Entry>()
  private nextSeq = 0
  private ordered: Array<Entry> | undefined = []
  private readonly views = new Map<string, ReadonlyArray<unknown>>()

  get size(): number {
    return this.entries.size
  }

  get(id: string): Entry | undefined {
    return this.entries.get(id)
  }

  /** Adds a lead, or replaces the lead with its id (keeping its place and notes). */
  put(lead: Lead, notes?: ReadonlyArray<string>): Entry {
    this.views.clear()
    const existing = this.entries.get(lead.id)
    if (existing !== undefined) {
      if (existing.lead.add_time !== lead.add_time) this.ordered = undefined
      existing.lead = lead
      if (notes !== undefined) existing.notes = notes
      return existing
    }
    const entry: Entry = { lead, notes: notes ?? [], seq: this.nextSeq++ }
    this.entries.set(lead.id, entry)
    const last = this.ordered?.[this.ordered.length - 1]
    if (this.ordered !== undefined && (last === undefined || byCreation(last, entry) <= 0)) this.ordered.push(entry)
    else this.ordered = undefined
    return entry
  }

  delete(id: string): boolean {
    const deleted = this.entries.delete(id)
    if (deleted) {
      this.views.clear()
      this.ordered = undefined
    }
    return deleted
  }

  /** Every entry, oldest first by `add_time`. */
  all(): ReadonlyArray<Entry> {
    if (this.ordered === undefined) this.ordered = [...this.entries.values()].sort(byCreation)
    return this.ordered
  }

  /**
   * What `compute` derives from the default order (a filtered, sorted list; search hits),
   * cached under `key` until the next write. A key must always name the same kind of result.
   */
  view<A>(key: string, compute: (ordered: ReadonlyArray<Entry>) => ReadonlyArray<A>): ReadonlyArray<A> {
    const cached = this.views.get(key)
    if (cached !== undefined) return cached as ReadonlyArray<A>
    const computed = compute(this.all())
    if (this.views.size >= maxViews) this.views.delete(this.views.keys().next().value!)
    this.views.set(key, computed)
    return computed
  }
}
